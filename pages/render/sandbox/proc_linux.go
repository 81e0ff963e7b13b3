package sandbox

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"
)

// setLimits limits the calling process (the child) before it reads any
// document, for itself and the programs it runs: its heap (RLIMIT_DATA,
// which Linux applies to private writable mappings since 4.7) to what it
// has now plus mem, its processor time (RLIMIT_CPU, SIGXCPU then SIGKILL
// a second later), and the Go heap's soft limit to 7/8 of mem so that the
// collector works before the hard limit is reached. It also lowers its
// scheduling priority (nice 10) so that the calls in progress keep the
// processor they need.
func setLimits(mem int64, cpu time.Duration) error {
	if mem > 0 {
		data, _ := statusKiB(os.Getpid(), "VmData:")
		lim := uint64(data*1024 + mem)
		if err := syscall.Setrlimit(syscall.RLIMIT_DATA, &syscall.Rlimit{Cur: lim, Max: lim}); err != nil {
			return fmt.Errorf("RLIMIT_DATA: %w", err)
		}
		debug.SetMemoryLimit(mem / 8 * 7)
	}
	if cpu > 0 {
		s := uint64(max(cpu/time.Second, 1))
		if err := syscall.Setrlimit(syscall.RLIMIT_CPU, &syscall.Rlimit{Cur: s, Max: s + 1}); err != nil {
			return fmt.Errorf("RLIMIT_CPU: %w", err)
		}
	}
	syscall.Setpriority(syscall.PRIO_PROCESS, 0, 10) // best effort
	return nil
}

// childAttrs puts the child in its own process group, so that killing
// the group kills the rasteriser it runs too, and kills it if the daemon
// dies first.
func childAttrs() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killGroup kills the child and everything it started.
func killGroup(p *os.Process) {
	syscall.Kill(-p.Pid, syscall.SIGKILL)
	p.Kill()
}

// rss returns the resident memory of process pid in bytes.
func rss(pid int) (int64, bool) {
	kib, ok := statusKiB(pid, "VmRSS:")
	return kib * 1024, ok
}

// statusKiB reads a "Key: N kB" line of /proc/PID/status.
func statusKiB(pid int, key string) (int64, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, false
	}
	return fieldKiB(b, key)
}

// fieldKiB finds "Key: N kB" in a /proc file's content.
func fieldKiB(b []byte, key string) (int64, bool) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := bytes.CutPrefix(sc.Bytes(), []byte(key)); ok {
			f := bytes.Fields(v)
			if len(f) == 0 {
				return 0, false
			}
			n, err := strconv.ParseInt(string(f[0]), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// memTotal is the machine's memory in bytes (MemTotal of /proc/meminfo),
// 0 when unknown.
func memTotal() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	kib, _ := fieldKiB(b, "MemTotal:")
	return kib * 1024
}

// exitFacts reads what a finished child's state says about its end: its
// peak resident memory, and whether the processor-time limit killed it.
func exitFacts(ps *os.ProcessState, cpu time.Duration) (peak int64, cpuKilled bool) {
	if ps == nil {
		return 0, false
	}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		peak = int64(ru.Maxrss) * 1024 // kilobytes on Linux: getrusage(2)
	}
	ws, ok := ps.Sys().(syscall.WaitStatus)
	if ok && ws.Signaled() {
		used := ps.UserTime() + ps.SystemTime()
		cpuKilled = ws.Signal() == syscall.SIGXCPU || ws.Signal() == syscall.SIGKILL && cpu > 0 && used >= cpu
	}
	return peak, cpuKilled
}
