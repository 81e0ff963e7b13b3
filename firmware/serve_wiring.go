package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"faxbox/board"
	"faxbox/firmware/daemon"
	"faxbox/firmware/housekeep"
	"faxbox/firmware/panel"
	"faxbox/firmware/store"
	"faxbox/firmware/users"
	"faxbox/modem"
	"faxbox/ui"
)

// webURLs are the web UI's addresses as the console shows them.
func webURLs(web *ui.Server) []string {
	var out []string
	for _, a := range web.Addrs() {
		out = append(out, "https://"+a.String()+"/")
	}
	return out
}

// borrowModem lends the console a modem of the pool between calls.
func borrowModem(pool *daemon.Pool) func(ctx context.Context, name string) (*modem.Modem, func(), error) {
	return func(ctx context.Context, name string) (*modem.Modem, func(), error) {
		m, release, err := pool.Borrow(ctx, name)
		if err != nil {
			return nil, nil, err
		}
		md, ok := m.(*modem.Modem)
		if !ok {
			release()
			return nil, nil, fmt.Errorf("modem %s is not a class 1 modem on a port", name)
		}
		return md, release, nil
	}
}

// lastWireLog returns the last n lines of the trace of the newest call
// on a modem: the AT commands, frames and events of that call.
func lastWireLog(st *store.Store) func(name string, n int) ([]string, error) {
	return func(name string, n int) ([]string, error) {
		a, err := st.LastTracedAttempt(context.Background(), name)
		if err != nil {
			return nil, err
		}
		f, err := os.Open(filepath.Join(st.Dir(), a.TracePath))
		if err != nil {
			return nil, fmt.Errorf("the trace of attempt %d: %w", a.ID, err)
		}
		defer f.Close()
		var lines []string
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			lines = append(lines, sc.Text())
			if len(lines) > 2*n {
				lines = append(lines[:0], lines[len(lines)-n:]...)
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("the trace of attempt %d: %w", a.ID, err)
		}
		return lines[max(len(lines)-n, 0):], nil
	}
}

// noticeAddress is where a sender's notices go: the account's e-mail
// address; "" (no notice) for senders without an account, such as the API
// token's user.
func noticeAddress(accounts *users.Store) func(ctx context.Context, sender int64) (string, error) {
	return func(ctx context.Context, sender int64) (string, error) {
		a, err := accounts.Address(ctx, sender)
		if errors.Is(err, users.ErrNotFound) {
			return "", nil
		}
		return a, err
	}
}

// started is when faxd started, for the uptime.
var started = time.Now()

// systemJSON is GET /api/system's answer.
type systemJSON struct {
	Version string         `json:"version"`
	Started time.Time      `json:"started"`
	Uptime  string         `json:"uptime"`
	Disk    diskJSON       `json:"disk"`
	Board   board.Snapshot `json:"board"`
}

// diskJSON is the data directory's use as the last housekeeping run found
// it, in bytes.
type diskJSON struct {
	Sent       int64     `json:"sent"`
	Received   int64     `json:"received"`
	Traces     int64     `json:"traces"`
	Database   int64     `json:"database"`
	Used       int64     `json:"used"`
	Limit      int64     `json:"limit"` // 0: none
	FSSize     int64     `json:"fs_size"`
	FSFree     int64     `json:"fs_free"`
	NearlyFull bool      `json:"nearly_full"`
	OverLimit  bool      `json:"over_limit"`
	Problems   []string  `json:"problems,omitempty"`
	LastRun    time.Time `json:"last_run,omitzero"`
	Error      string    `json:"error,omitempty"`
}

// systemStatus describes the appliance for the administration page.
func systemStatus(keeper *housekeep.Keeper, hw *panel.Hardware) func(ctx context.Context) any {
	return func(ctx context.Context) any {
		ks := keeper.Status()
		d := diskJSON{Sent: ks.Usage.Sent, Received: ks.Usage.Received, Traces: ks.Usage.Traces, Database: ks.Usage.Database,
			Used: ks.Used, Limit: ks.Limit, FSSize: ks.FS.Size, FSFree: ks.FS.Free, NearlyFull: ks.NearlyFull,
			OverLimit: ks.OverLimit, Problems: ks.Problems, LastRun: ks.LastRun}
		if ks.Err != nil {
			d.Error = ks.Err.Error()
		}
		return systemJSON{Version: version(), Started: started.UTC(), Uptime: time.Since(started).Round(time.Second).String(),
			Disk: d, Board: hw.Snapshot()}
	}
}

// version is the module version and VCS revision faxd was built from.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " (" + s.Value[:12] + ")"
		}
	}
	return v
}
