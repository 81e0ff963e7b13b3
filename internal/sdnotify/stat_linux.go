package sdnotify

import (
	"os"
	"strconv"
	"syscall"
)

// statMatches reports whether fi is the file of device dev and inode ino,
// both decimal.
func statMatches(fi os.FileInfo, dev, ino string) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return false
	}
	return strconv.FormatUint(uint64(st.Dev), 10) == dev && strconv.FormatUint(st.Ino, 10) == ino
}
