//go:build spandsp

package spandsp

// Callbacks from spandsp. They run inside a spandsp call made by the line's
// goroutine, so they may touch the line's state; they must not call back into
// spandsp (call events are deferred through Line.after).

// #include <stdint.h>
import "C"

import (
	"runtime/cgo"
	"strconv"
	"strings"
	"unsafe"
)

//export faxboxGoAtTx
func faxboxGoAtTx(h C.uintptr_t, buf *C.uint8_t, n C.int) C.int {
	m := cgo.Handle(h).Value().(*modem)
	if n > 0 {
		m.out = append(m.out, unsafe.Slice((*byte)(unsafe.Pointer(buf)), int(n))...)
	}
	return 0
}

//export faxboxGoModemControl
func faxboxGoModemControl(h C.uintptr_t, op C.int, arg C.intptr_t, num *C.char) C.int {
	m := cgo.Handle(h).Value().(*modem)
	var s string
	if num != nil {
		s = C.GoString(num)
	}
	m.control(int(op), int(arg), s)
	return 0
}

//export faxboxGoPhaseB
func faxboxGoPhaseB(h C.uintptr_t, result C.int) {
	cgo.Handle(h).Value().(*faxTerm).phaseB(int(result))
}

//export faxboxGoPhaseD
func faxboxGoPhaseD(h C.uintptr_t, result C.int) {
	cgo.Handle(h).Value().(*faxTerm).phaseD(int(result))
}

//export faxboxGoPhaseE
func faxboxGoPhaseE(h C.uintptr_t, code C.int) {
	cgo.Handle(h).Value().(*faxTerm).phaseE(int(code))
}

//export faxboxGoFrame
func faxboxGoFrame(h C.uintptr_t, incoming C.int, msg *C.uint8_t, n C.int) {
	var b []byte
	if n > 0 {
		b = C.GoBytes(unsafe.Pointer(msg), n)
	}
	cgo.Handle(h).Value().(*faxTerm).frame(incoming != 0, b)
}

// faxboxGoLog receives spandsp's log lines. Each logging context is tagged
// with the decimal value of its endpoint's handle, which routes the line to
// that endpoint's Logf.
//
//export faxboxGoLog
func faxboxGoLog(level C.int, text *C.char) {
	s := C.GoString(text)
	tag, rest, ok := strings.Cut(s, " ")
	if !ok {
		return
	}
	v, err := strconv.ParseUint(tag, 10, 64)
	if err != nil {
		return
	}
	if e, ok := cgo.Handle(uintptr(v)).Value().(interface{ logSpandsp(string) }); ok {
		e.logSpandsp(strings.TrimRight(rest, "\n"))
	}
}
