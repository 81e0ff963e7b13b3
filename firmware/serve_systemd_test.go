//go:build linux

package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"faxbox/internal/teststream"
)

// TestServeUnderSystemd runs faxd serve with the environment systemd
// gives a Type=notify service with WatchdogSec=1s: it says READY=1 on
// $NOTIFY_SOCKET (a real unixgram socket here), then WATCHDOG=1 again
// and again, and STOPPING=1 when stopped.
func TestServeUnderSystemd(t *testing.T) {
	dir, err := os.MkdirTemp("", "sd") // short: sun_path has 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "notify")
	ln, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	t.Setenv("NOTIFY_SOCKET", sock)
	t.Setenv("WATCHDOG_USEC", "1000000")
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	next := func() string {
		t.Helper()
		buf := make([]byte, 4096)
		ln.SetReadDeadline(time.Now().Add(30 * time.Second))
		n, err := ln.Read(buf)
		if err != nil {
			t.Fatalf("no notification: %v", err)
		}
		return string(buf[:n])
	}
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
