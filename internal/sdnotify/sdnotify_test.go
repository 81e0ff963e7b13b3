package sdnotify_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"faxbox/internal/sdnotify"
	"faxbox/internal/sdnotify/fakemanager"
)

func TestNotifyPathAndAbstract(t *testing.T) {
	for _, path := range []string{"", fmt.Sprintf("@faxbox-sdnotify-test-%d", os.Getpid())} {
		m := fakemanager.New(t, path)
		t.Setenv("NOTIFY_SOCKET", m.Path())
		n, err := sdnotify.FromEnv()
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Notify("READY=1\nSTATUS=up"); err != nil {
			t.Fatal(err)
		}
		if got := m.Next(10 * time.Second); got != "READY=1\nSTATUS=up" {
			t.Errorf("%s: got %q", path, got)
		}
	}
	t.Setenv("NOTIFY_SOCKET", "")
	if _, err := sdnotify.FromEnv(); !errors.Is(err, sdnotify.ErrNoSocket) {
		t.Errorf("unset: %v", err)
	}
	if _, err := sdnotify.New("relative/sock"); err == nil {
		t.Error("a relative path was accepted")
	}
	n, _ := sdnotify.New("/nonexistent/notify")
	if err := n.Notify("READY=1"); err == nil {
		t.Error("a missing socket was not an error")
	}
}

func TestWatchdogInterval(t *testing.T) {
	t.Setenv("WATCHDOG_USEC", "30000000")
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	if got := sdnotify.WatchdogInterval(); got != 30*time.Second {
		t.Errorf("got %v", got)
	}
	t.Setenv("WATCHDOG_PID", "1")
	if got := sdnotify.WatchdogInterval(); got != 0 {
		t.Errorf("another process's watchdog: got %v", got)
	}
	t.Setenv("WATCHDOG_PID", "")
	t.Setenv("WATCHDOG_USEC", "x")
	if got := sdnotify.WatchdogInterval(); got != 0 {
		t.Errorf("garbage: got %v", got)
	}
}

func TestJournalStream(t *testing.T) {
	dir := t.TempDir()
	a, _ := os.Create(filepath.Join(dir, "a"))
	b, _ := os.Create(filepath.Join(dir, "b"))
	defer a.Close()
	defer b.Close()
	fi, _ := a.Stat()
	st := fi.Sys().(*syscall.Stat_t)
	t.Setenv("JOURNAL_STREAM", fmt.Sprintf("%d:%d", st.Dev, st.Ino))
	if !sdnotify.JournalStream(a) {
		t.Error("the journal's stream was not recognised")
	}
	if sdnotify.JournalStream(b) {
		t.Error("a redirected stderr was taken for the journal")
	}
	t.Setenv("JOURNAL_STREAM", "")
	if sdnotify.JournalStream(a) {
		t.Error("no JOURNAL_STREAM, yet a journal")
	}
}

// eventLoop is a daemon's event loop: one goroutine that answers pings
// between its other work. hang makes its work block, as a deadlock would.
type eventLoop struct {
	ping chan chan struct{}
	work sync.Mutex // held by the test to hang the loop
}

func newEventLoop(ctx context.Context) *eventLoop {
	l := &eventLoop{ping: make(chan chan struct{})}
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case reply := <-l.ping:
				l.work.Lock() // the loop's work
				l.work.Unlock()
				close(reply)
			}
		}
	}()
	return l
}

// check asks the loop to answer.
func (l *eventLoop) check(ctx context.Context) error {
	reply := make(chan struct{})
	select {
	case l.ping <- reply:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-reply:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestWatchdogStopsWhileLoopHangs feeds a real unixgram socket: READY=1
// once the checks pass, WATCHDOG=1 each round; then the event loop hangs
// and no WATCHDOG=1 comes however many rounds pass, so systemd would kill
// and restart the daemon; once it answers again the keep-alives resume.
func TestWatchdogStopsWhileLoopHangs(t *testing.T) {
	m := fakemanager.New(t, "")
	n, err := sdnotify.New(m.Path())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	loop := newEventLoop(ctx)
	ticks := make(chan time.Time)
	wd := &sdnotify.Watchdog{Notifier: n, Every: 15 * time.Second, Timeout: 100 * time.Millisecond,
		After:  func(time.Duration) <-chan time.Time { return ticks },
		Checks: []sdnotify.Check{{Name: "event loop", Fn: loop.check}, {Name: "store", Fn: func(context.Context) error { return nil }}}}
	done := make(chan error, 1)
	go func() { done <- wd.Run(ctx) }()
	tick := func() { ticks <- time.Time{} }

	if got := m.Next(10 * time.Second); !strings.HasPrefix(got, "READY=1\n") {
		t.Fatalf("first notification %q, want READY=1", got)
	}
	for range 3 {
		tick()
		if got := m.Next(10 * time.Second); got != "WATCHDOG=1" {
			t.Fatalf("healthy round: %q, want WATCHDOG=1", got)
		}
	}
	loop.work.Lock() // the event loop hangs
	for i := range 5 {
		tick()
		got := m.Next(10 * time.Second)
		if strings.Contains(got, "WATCHDOG=1") {
			t.Fatalf("round %d with the loop hung fed the watchdog: %q", i, got)
		}
		if !strings.HasPrefix(got, "STATUS=unhealthy: event loop: ") {
			t.Errorf("round %d: %q", i, got)
		}
	}
	loop.work.Unlock()
	// The hung check returns now; the next round that finds it done
	// passes. Until its goroutine has run (a loaded machine may take a
	// while), rounds find it still running: they are retried a while.
	var got string
	for range 100 {
		tick()
		if got = m.Next(10 * time.Second); got == "STATUS=running" || !strings.Contains(got, "still running from an earlier round") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got != "STATUS=running" {
		t.Fatalf("no recovery: %q", got)
	}
	if got := m.Next(10 * time.Second); got != "WATCHDOG=1" {
		t.Fatalf("after recovery: %q, want WATCHDOG=1", got)
	}
	cancel()
	if got := m.Next(10 * time.Second); got != "STOPPING=1" {
		t.Errorf("at stop: %q", got)
	}
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

// TestWatchdogFailingCheck: a check that fails (the store answers with
// an error) withholds READY=1 and the keep-alive the same way.
func TestWatchdogFailingCheck(t *testing.T) {
	m := fakemanager.New(t, "")
	n, _ := sdnotify.New(m.Path())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	storeErr := errors.New("database is locked")
	ticks := make(chan time.Time)
	wd := &sdnotify.Watchdog{Notifier: n, Every: time.Second, After: func(time.Duration) <-chan time.Time { return ticks },
		Checks: []sdnotify.Check{{Name: "store", Fn: func(context.Context) error { mu.Lock(); defer mu.Unlock(); return storeErr }}}}
	go wd.Run(ctx)
	if got := m.Next(10 * time.Second); got != "STATUS=unhealthy: store: database is locked" {
		t.Fatalf("got %q", got)
	}
	mu.Lock()
	storeErr = nil
	mu.Unlock()
	ticks <- time.Time{}
	if got := m.Next(10 * time.Second); got != "READY=1\nSTATUS=running" {
		t.Fatalf("got %q, want READY=1", got)
	}
}
