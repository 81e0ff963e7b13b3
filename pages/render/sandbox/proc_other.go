//go:build !linux

package sandbox

import (
	"os"
	"runtime/debug"
	"syscall"
	"time"
)

// setLimits sets only the Go heap's soft limit: the resource limits are
// set on Linux only.
func setLimits(mem int64, _ time.Duration) error {
	if mem > 0 {
		debug.SetMemoryLimit(mem / 8 * 7)
	}
	return nil
}

func childAttrs() *syscall.SysProcAttr { return nil }

func killGroup(p *os.Process) { p.Kill() }

// rss is not known off Linux: the child's memory is not watched.
func rss(int) (int64, bool) { return 0, false }

func memTotal() int64 { return 0 }

func exitFacts(*os.ProcessState, time.Duration) (int64, bool) { return 0, false }
