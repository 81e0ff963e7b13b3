package render

import (
	"io"
	"syscall"
)

// growPipe enlarges the pipe a rasteriser writes its pages into to 1 MiB
// (F_SETPIPE_SZ; the default 64 KiB holds a tenth of a page), so that the
// rasteriser can draw the next page while this one is consumed instead of
// waiting on the pipe. It does nothing when the kernel refuses.
func growPipe(r io.Reader) {
	sc, ok := r.(syscall.Conn)
	if !ok {
		return
	}
	c, err := sc.SyscallConn()
	if err != nil {
		return
	}
	const fSetPipeSize = 1031 // F_SETPIPE_SZ
	c.Control(func(fd uintptr) {
		syscall.Syscall(syscall.SYS_FCNTL, fd, fSetPipeSize, 1<<20)
	})
}
