package housekeep

import (
	"os"
	"syscall"
)

// Statfs returns the size of the file system holding path and the space
// an unprivileged process may still use on it.
func Statfs(path string) (FS, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return FS{}, &os.PathError{Op: "statfs", Path: path, Err: err}
	}
	// Blocks are counted in fragments (statvfs(3) f_frsize); old kernels
	// leave it 0, and then in Bsize units.
	unit := int64(st.Frsize)
	if unit <= 0 {
		unit = int64(st.Bsize)
	}
	return FS{Size: int64(st.Blocks) * unit, Free: int64(st.Bavail) * unit}, nil
}
