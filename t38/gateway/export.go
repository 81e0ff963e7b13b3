//go:build spandsp

package gateway

// #include <stdint.h>
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

func gatewayOf(h C.uintptr_t) *Gateway { return cgo.Handle(h).Value().(*Gateway) }

//export faxboxGwTx
func faxboxGwTx(h C.uintptr_t, buf *C.uint8_t, n C.int, count C.int) C.int {
	gatewayOf(h).tx(C.GoBytes(unsafe.Pointer(buf), n), int(count))
	return 0
}

//export faxboxGwPhaseE
func faxboxGwPhaseE(h C.uintptr_t, code C.int) { gatewayOf(h).phaseE(int(code)) }

// logf receives spandsp's log lines when a LogLevel is set.
var logf = func(string, ...any) {}

//export faxboxGwLog
func faxboxGwLog(level C.int, text *C.char) { logf("spandsp: %s", C.GoString(text)) }
