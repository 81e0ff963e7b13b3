package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"faxbox/firmware/store"
)

// clock is a settable wall clock for Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func testConfig(t testing.TB, clk *clock) store.Config {
	t.Helper()
	return store.Config{Path: filepath.Join(t.TempDir(), "faxbox.db"), Now: clk.Now}
}

func open(t testing.TB, cfg store.Config) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func sha(i int) string { return strings.Repeat(fmt.Sprintf("%x", i%16), 64) }

func pages(n int) []store.PageFile {
	var out []store.PageFile
	for i := 1; i <= n; i++ {
		out = append(out, store.PageFile{Index: i, Path: fmt.Sprintf("pages/m/%d.g3", i), SHA256: sha(i)})
	}
	return out
}

// newMessage creates a user (once) and a message to n recipients of
// npages pages.
func newMessage(t testing.TB, s *store.Store, n, npages int) store.Message {
	t.Helper()
	ctx := context.Background()
	u, err := s.UserByName(ctx, "alice")
	if errors.Is(err, store.ErrNotFound) {
		u, err = s.CreateUser(ctx, "alice")
	}
	if err != nil {
		t.Fatal(err)
	}
	fields := []store.Field{store.To, store.Cc, store.Bcc}
	var rs []store.Recipient
	for i := range n {
		rs = append(rs, store.Recipient{Field: fields[i%3], Number: fmt.Sprintf("+3225551%03d", i), Name: fmt.Sprint("r", i)})
	}
	m, err := s.CreateMessage(ctx, store.NewMessage{Sender: u.ID, Subject: "Invoice", Body: "Please find attached.",
		Recipients: rs, Pages: pages(npages)})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// claim claims the next due job and starts an attempt on modem.
func claim(t testing.TB, s *store.Store, now time.Time, modem string) (store.Job, store.Attempt) {
	t.Helper()
	ctx := context.Background()
	j, ok, err := s.NextJob(ctx, now)
	if err != nil || !ok {
		t.Fatalf("NextJob: %v %v", ok, err)
	}
	a, err := s.StartAttempt(ctx, j.ID, modem)
	if err != nil {
		t.Fatal(err)
	}
	return j, a
}

func mustJob(t testing.TB, s *store.Store, id int64) store.Job {
	t.Helper()
	j, err := s.GetJob(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got error %v, want %v", err, want)
	}
}
