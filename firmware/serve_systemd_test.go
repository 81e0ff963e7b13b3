//go:build linux

package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"faxbox/internal/sdnotify/fakemanager"
	"faxbox/internal/teststream"
)

// TestServeUnderSystemd runs faxd serve with the environment systemd
// gives a Type=notify service with WatchdogSec=1s: it says READY=1 on
// $NOTIFY_SOCKET (a real unixgram socket here), then WATCHDOG=1 again
// and again, and STOPPING=1 when stopped.
func TestServeUnderSystemd(t *testing.T) {
	dir := t.TempDir()
	m := fakemanager.New(t, "")
	t.Setenv("NOTIFY_SOCKET", m.Path())
	t.Setenv("WATCHDOG_USEC", "1000000")
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	next := func() string { t.Helper(); return m.Next(30 * time.Second) }
	var out teststream.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, serveOptions{demo: true, listen: "127.0.0.1:0", dataDir: filepath.Join(dir, "data"), simScale: 20}, &out, &out)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		if t.Failed() {
			t.Logf("output:\n%s", out.String())
		}
	}()
	for got := next(); !strings.HasPrefix(got, "READY=1\n"); got = next() {
		if !strings.HasPrefix(got, "STATUS=unhealthy: ") {
			t.Fatalf("%q before READY=1", got)
		}
	}
	for fed := 0; fed < 3; {
		if next() == "WATCHDOG=1" {
			fed++
		}
	}
	cancel()
	for got := next(); got != "STOPPING=1"; got = next() {
	}
}
