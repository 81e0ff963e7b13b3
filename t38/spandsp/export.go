//go:build spandsp

package spandsp

// #include <stdint.h>
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

// sink receives what spandsp calls back with; the Core and the Terminal
// implement it. Callbacks run on the goroutine that called into spandsp.
type sink interface {
	tx(b []byte, count int)
	indicator(ind int)
	data(dataType, fieldType int, b []byte)
	phaseE(code int)
}

func sinkOf(h C.uintptr_t) sink { return cgo.Handle(h).Value().(sink) }

//export faxboxT38Tx
func faxboxT38Tx(h C.uintptr_t, buf *C.uint8_t, n C.int, count C.int) C.int {
	sinkOf(h).tx(C.GoBytes(unsafe.Pointer(buf), n), int(count))
	return 0
}

//export faxboxT38Indicator
func faxboxT38Indicator(h C.uintptr_t, ind C.int) C.int {
	sinkOf(h).indicator(int(ind))
	return 0
}

//export faxboxT38Data
func faxboxT38Data(h C.uintptr_t, dataType, fieldType C.int, buf *C.uint8_t, n C.int) C.int {
	var b []byte
	if buf != nil && n > 0 {
		b = C.GoBytes(unsafe.Pointer(buf), n)
	}
	sinkOf(h).data(int(dataType), int(fieldType), b)
	return 0
}

//export faxboxT38PhaseE
func faxboxT38PhaseE(h C.uintptr_t, code C.int) { sinkOf(h).phaseE(int(code)) }

// logf receives spandsp's log lines when a LogLevel is set.
var logf = func(string, ...any) {}

//export faxboxT38Log
func faxboxT38Log(level C.int, text *C.char) { logf("spandsp: %s", C.GoString(text)) }
