//go:build linux

package appliance_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/appliance"
	"faxbox/firmware/config"
	"faxbox/internal/sdnotify"
	"faxbox/internal/sqlitedb"
	"faxbox/internal/teststream"
)

// TestWatchdogFedWhileHealthy runs the appliance (a configured modem
// that is absent, as on a fresh install) under a fake service manager: a
// real unixgram socket as $NOTIFY_SOCKET would be. It says READY=1 once
// the pool, the store and the web server answer, then WATCHDOG=1 each
// round. Then the store hangs (another process holds the database's
// write lock, so no call could be settled): no keep-alive comes however
// many rounds pass, so systemd would kill and restart faxd. Once the lock
// is released the keep-alives resume.
func TestWatchdogFedWhileHealthy(t *testing.T) {
	dir, err := os.MkdirTemp("", "wd") // short: sun_path has 108 bytes
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
	notifier, err := sdnotify.New(sock)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(fmt.Appendf(nil, "[identity]\nfax_number = \"+3225550100\"\n[web]\nredirect_http = \"\"\n"+
		"[[modems]]\ndevice = %q\n", filepath.Join(dir, "ttyUSB9")))
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	var out teststream.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	app, err := appliance.New(ctx, appliance.Options{Config: cfg, DataDir: data, Listen: "127.0.0.1:0",
		Stdout: &out, Stderr: &out, Notify: notifier, WatchdogEvery: time.Second})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		if t.Failed() {
			t.Logf("the appliance's output:\n%s", out.String())
		}
	}()

	// Starting (the pool's recovery, the first TLS handshake) may take
	// a round or two, which only delays READY=1.
	for got := next(); !strings.HasPrefix(got, "READY=1\n"); got = next() {
		if !strings.HasPrefix(got, "STATUS=unhealthy: ") {
			t.Fatalf("%q before READY=1", got)
		}
	}
	fed := 0
	for fed < 2 {
		if next() == "WATCHDOG=1" {
			fed++
		}
	}

	// Another process takes the store's write lock and keeps it.
	db, err := sqlitedb.Open(filepath.Join(data, "faxbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	lock, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	// The round in progress may still pass; none after it may.
	for next() == "WATCHDOG=1" {
	}
	sawStore := false
	for i := range 4 {
		got := next()
		if strings.Contains(got, "WATCHDOG=1") {
			t.Fatalf("round %d with the store hung fed the watchdog: %q", i, got)
		}
		sawStore = sawStore || strings.Contains(got, "store:")
	}
	if !sawStore {
		t.Error("no unhealthy status named the store")
	}

	if _, err := lock.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	lock.Close()
	for got := next(); got != "WATCHDOG=1"; got = next() {
	}
	cancel()
	for got := next(); got != "STOPPING=1"; got = next() {
	}
}
