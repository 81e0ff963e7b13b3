//go:build !linux

package sdnotify

import "os"

// statMatches is false off Linux: there is no journal.
func statMatches(os.FileInfo, string, string) bool { return false }
