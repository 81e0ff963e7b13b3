package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"faxbox/firmware/events"
	"faxbox/firmware/store"
)

// files writes n page files of size bytes each under dir (relative to the
// store's directory) and returns them as PageFiles.
func files(t *testing.T, s *store.Store, dir string, n, size int) []store.PageFile {
	t.Helper()
	var out []store.PageFile
	for i := 1; i <= n; i++ {
		rel := filepath.Join(dir, fmt.Sprintf("page-%03d.tif", i))
		if err := os.MkdirAll(filepath.Join(s.Dir(), dir), 0o755); err != nil {
			t.Fatal(err)
		}
		_, sum, err := store.WriteFile(filepath.Join(s.Dir(), rel), bytes.NewReader(bytes.Repeat([]byte{byte(i)}, size)), 0o644)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, store.PageFile{Index: i, Path: rel, SHA256: sum})
	}
	return out
}

// sendMessage stores a message with the given pages to one recipient.
func sendMessage(t *testing.T, s *store.Store, pages []store.PageFile) store.Message {
	t.Helper()
	ctx := context.Background()
	u, err := s.UserByName(ctx, "alice")
	if errors.Is(err, store.ErrNotFound) {
		u, err = s.CreateUser(ctx, "alice")
	}
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.CreateMessage(ctx, store.NewMessage{Sender: u.ID, Subject: "s",
		Recipients: []store.Recipient{{Field: store.To, Number: "+3225551212"}}, Pages: pages})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// finish claims the next due job and ends its attempt as next (Failed or
// Delivered, every page confirmed), with a trace file.
func finish(t *testing.T, s *store.Store, now time.Time, next store.State, trace string) store.Job {
	t.Helper()
	ctx := context.Background()
	j, a := claim(t, s, now, "ttyS0")
	if next == store.Delivered {
		if err := s.RecordConnected(ctx, a.ID, store.Params{}); err != nil {
			t.Fatal(err)
		}
		for p := 1; p <= j.PagesTotal; p++ {
			if _, err := s.RecordPageConfirmed(ctx, a.ID, p); err != nil {
				t.Fatal(err)
			}
		}
	}
	j, err := s.FinishAttempt(ctx, a.ID, store.Outcome{Next: next, ReasonCode: "x", TracePath: trace})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func exists(t *testing.T, path string) bool {
	t.Helper()
	_, err := os.Lstat(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return err == nil
}

func writeRaw(t *testing.T, path string, size int) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, make([]byte, size), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPurgeByAge(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := open(t, testConfig(t, clk))
	dir := s.Dir()
	outside := filepath.Join(t.TempDir(), "keep.tif")
	writeRaw(t, outside, 10)

	// Day 0: an old failed message (with a trace and a page outside the
	// data directory), an old delivered one sharing a page file with a
	// recent message, an old one still waiting to retry, an old fax
	// received.
	oldPages := append(files(t, s, "messages/old", 2, 100), store.PageFile{Index: 3, Path: outside, SHA256: sha(3)})
	writeRaw(t, filepath.Join(dir, "traces/old.log"), 7)
	oldFailed := sendMessage(t, s, oldPages)
	finish(t, s, clk.Now(), store.Failed, "traces/old.log")
	shared := files(t, s, "messages/shared", 1, 50)
	oldDelivered := sendMessage(t, s, shared)
	finish(t, s, clk.Now(), store.Delivered, "")
	waiting := sendMessage(t, s, files(t, s, "messages/waiting", 1, 10))
	j, a := claim(t, s, clk.Now(), "ttyS0")
	if _, err := s.FinishAttempt(ctx, a.ID, store.Outcome{Next: store.Retry, RetryAt: clk.Now().Add(1000 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	_ = j
	oldRx, err := s.AddReceived(ctx, store.Received{Pages: 1, Files: files(t, s, "received/old", 1, 30)})
	if err != nil {
		t.Fatal(err)
	}

	// Day 80: a recent message (sharing the delivered one's page), one in
	// a call, a recent fax.
	clk.Advance(80 * 24 * time.Hour)
	recent := sendMessage(t, s, shared)
	finish(t, s, clk.Now(), store.Failed, "")
	inCall := sendMessage(t, s, files(t, s, "messages/incall", 1, 10))
	claim(t, s, clk.Now(), "ttyS1")
	newRx, err := s.AddReceived(ctx, store.Received{Pages: 1, Files: files(t, s, "received/new", 1, 30)})
	if err != nil {
		t.Fatal(err)
	}

	clk.Advance(20 * 24 * time.Hour) // day 100
	now := clk.Now()
	res, err := s.Purge(ctx, store.PurgeOptions{SentBefore: now.Add(-90 * 24 * time.Hour), ReceivedBefore: now.Add(-30 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	// Files: old's two pages and its trace, the old fax's page; not the
	// shared page, not the page outside the data directory.
	if want := (store.PurgeResult{Messages: 2, Received: 1, Files: 4, Bytes: 100 + 100 + 7 + 30}); res != want {
		t.Fatalf("purge = %+v, want %+v", res, want)
	}
	for _, id := range []int64{oldFailed.ID, oldDelivered.ID} {
		if _, err := s.GetMessage(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("message %d: %v, want it purged", id, err)
		}
	}
	for _, id := range []int64{waiting.ID, recent.ID, inCall.ID} {
		if _, err := s.GetMessage(ctx, id); err != nil {
			t.Errorf("message %d: %v, want it kept", id, err)
		}
	}
	if _, err := s.GetReceived(ctx, oldRx.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("old fax: %v, want it purged", err)
	}
	if _, err := s.GetReceived(ctx, newRx.ID); err != nil {
		t.Errorf("new fax: %v, want it kept", err)
	}
	for path, want := range map[string]bool{
		"messages/old": false, "traces/old.log": false, "received/old": false,
		"messages/shared/page-001.tif": true, "messages/waiting/page-001.tif": true,
		"messages/incall/page-001.tif": true, "received/new/page-001.tif": true,
		"messages": true, "traces": true, "received": true, // the top directories stay
	} {
		if got := exists(t, filepath.Join(dir, path)); got != want {
			t.Errorf("%s exists = %v, want %v", path, got, want)
		}
	}
	if !exists(t, outside) {
		t.Error("a file outside the data directory was removed")
	}

	// The purge is in the event log, for views to drop the items.
	evs, err := s.EventsSince(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var purged struct{ Messages, Received []int64 }
	for _, e := range evs {
		if e.Kind != events.KindPurged {
			continue
		}
		pl, err := e.Decode()
		if err != nil {
			t.Fatal(err)
		}
		p := pl.(events.PurgedEvent)
		purged.Messages = append(purged.Messages, p.Messages...)
		purged.Received = append(purged.Received, p.Received...)
	}
	if !slices.Equal(purged.Messages, []int64{oldFailed.ID, oldDelivered.ID}) || !slices.Equal(purged.Received, []int64{oldRx.ID}) {
		t.Errorf("purged events say %+v", purged)
	}

	// Nothing is left to purge by age.
	if res, err := s.Purge(ctx, store.PurgeOptions{SentBefore: now.Add(-90 * 24 * time.Hour), ReceivedBefore: now.Add(-30 * 24 * time.Hour)}); err != nil || res != (store.PurgeResult{}) {
		t.Errorf("second purge = %+v, %v", res, err)
	}
}

func TestPurgeOldestFirst(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := open(t, testConfig(t, clk))
	// In time order: message A, fax B, message C, message D in a call.
	a := sendMessage(t, s, files(t, s, "messages/a", 1, 10))
	finish(t, s, clk.Now(), store.Failed, "")
	clk.Advance(time.Hour)
	b, err := s.AddReceived(ctx, store.Received{Pages: 1, Files: files(t, s, "received/b", 1, 10)})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	c := sendMessage(t, s, files(t, s, "messages/c", 1, 10))
	finish(t, s, clk.Now(), store.Delivered, "")
	clk.Advance(time.Hour)
	d := sendMessage(t, s, files(t, s, "messages/d", 1, 10))
	claim(t, s, clk.Now(), "ttyS0")

	res, err := s.Purge(ctx, store.PurgeOptions{Oldest: 2})
	if err != nil || res.Messages != 1 || res.Received != 1 {
		t.Fatalf("Oldest 2: %+v %v", res, err)
	}
	if _, err := s.GetMessage(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("A: %v, want purged", err)
	}
	if _, err := s.GetReceived(ctx, b.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("B: %v, want purged", err)
	}
	if _, err := s.GetMessage(ctx, c.ID); err != nil {
		t.Errorf("C: %v, want kept", err)
	}
	// Asking for more than there is takes the finished ones only.
	res, err = s.Purge(ctx, store.PurgeOptions{Oldest: 10})
	if err != nil || res.Messages != 1 || res.Received != 0 {
		t.Fatalf("Oldest 10: %+v %v", res, err)
	}
	if _, err := s.GetMessage(ctx, d.ID); err != nil {
		t.Errorf("D, in a call: %v, want kept", err)
	}
	if !exists(t, filepath.Join(s.Dir(), "messages/d/page-001.tif")) || exists(t, filepath.Join(s.Dir(), "messages/c")) {
		t.Error("files of C and D")
	}
}

func TestSweep(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := open(t, testConfig(t, clk))
	dir := s.Dir()
	old := time.Now().Add(-48 * time.Hour)
	age := func(paths ...string) {
		t.Helper()
		for _, p := range paths {
			if err := os.Chtimes(filepath.Join(dir, p), old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	kept := sendMessage(t, s, files(t, s, "messages/kept", 1, 10))
	_ = kept
	outside := t.TempDir()
	writeRaw(t, filepath.Join(outside, "victim"), 5)
	for _, p := range []string{"messages/orphan/page-001.tif", "messages/kept/.page-002.tif.tmp123",
		"messages/fresh/page-001.tif", "received/orphan.tif", "other/untouched.tif"} {
		writeRaw(t, filepath.Join(dir, p), 20)
	}
	if err := os.MkdirAll(filepath.Join(dir, "messages/empty/sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "victim"), filepath.Join(dir, "messages/link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "traces")); err != nil {
		t.Fatal(err)
	}
	age("messages/orphan/page-001.tif", "messages/kept/.page-002.tif.tmp123", "messages/kept/page-001.tif",
		"received/orphan.tif", "other/untouched.tif", "messages/empty/sub", "messages/empty", "messages/orphan")

	if _, err := s.Sweep(ctx, store.SweepOptions{}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("sweep without a time: %v", err)
	}
	if _, err := s.Sweep(ctx, store.SweepOptions{Dirs: []string{"../x"}, Before: time.Now()}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("sweep outside: %v", err)
	}
	res, err := s.Sweep(ctx, store.SweepOptions{Before: time.Now().Add(-24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Files != 3 || res.Bytes != 60 || res.Dirs != 1 {
		t.Errorf("sweep = %+v, want 3 files of 60 bytes and 1 directory", res)
	}
	for path, want := range map[string]bool{
		"messages/orphan/page-001.tif": false, "messages/kept/.page-002.tif.tmp123": false,
		"received/orphan.tif": false, "messages/empty/sub": false,
		"messages/empty":              true, // modified by the removal of sub just now: next time
		"messages/kept/page-001.tif":  true, // referenced
		"messages/fresh/page-001.tif": true, // too recent: its message may be being stored
		"messages/orphan":             true, // modified by the removal of its file just now
		"other/untouched.tif":         true, "messages/link": true, "traces": true,
		"faxbox.db": true,
	} {
		if got := exists(t, filepath.Join(dir, path)); got != want {
			t.Errorf("%s exists = %v, want %v", path, got, want)
		}
	}
	if !exists(t, filepath.Join(outside, "victim")) {
		t.Error("a file outside the data directory was removed through a link")
	}
}

func TestDiskUsage(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := open(t, testConfig(t, clk))
	pages := files(t, s, "messages/m", 3, 1000)
	sendMessage(t, s, pages)
	writeRaw(t, filepath.Join(s.Dir(), "traces/t.log"), 70)
	finish(t, s, clk.Now(), store.Failed, "traces/t.log")
	if _, err := s.AddReceived(ctx, store.Received{Pages: 2, Files: files(t, s, "received/r", 2, 400)}); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(s.Dir(), pages[2].Path)); err != nil {
		t.Fatal(err)
	}
	u, err := s.DiskUsage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if u.Sent != 2000 || u.Received != 800 || u.Traces != 70 || u.Missing != 1 || u.MissingExample != pages[2].Path {
		t.Errorf("usage = %+v", u)
	}
	fi, err := os.Stat(filepath.Join(s.Dir(), "faxbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	if u.Database < fi.Size() || u.Total() != u.Sent+u.Received+u.Traces+u.Database {
		t.Errorf("database %d bytes, file %d; total %d", u.Database, fi.Size(), u.Total())
	}
}

func TestSweepKeepsFilesOfAnotherDatabase(t *testing.T) {
	clk := newClock()
	s := open(t, testConfig(t, clk))
	page := filepath.Join(s.Dir(), "messages/1/page-001.tif")
	writeRaw(t, page, 10)
	old := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(page, old, old); err != nil {
		t.Fatal(err)
	}
	res, err := s.Sweep(context.Background(), store.SweepOptions{Before: time.Now().Add(-24 * time.Hour)})
	if err == nil || res.Files != 0 || !exists(t, page) {
		t.Errorf("sweep with an empty database: %+v, %v; page kept %v", res, err, exists(t, page))
	}
}
