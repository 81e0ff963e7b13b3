//go:build !linux

package housekeep

import (
	"errors"
	"os"
)

// Statfs is only implemented on Linux, the appliance's system; elsewhere
// it fails, and the Keeper applies no percentage limit.
func Statfs(path string) (FS, error) {
	return FS{}, &os.PathError{Op: "statfs", Path: path, Err: errors.ErrUnsupported}
}
