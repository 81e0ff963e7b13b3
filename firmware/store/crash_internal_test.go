package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

var errPowerCut = errors.New("power cut")

// TestCrashBeforeCommit cuts the power (rolls back) at the commit of each
// step of a call and checks that nothing of it remains and that the step
// can be done again after reopening.
func TestCrashBeforeCommit(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	cfg := Config{Path: filepath.Join(t.TempDir(), "s.db"), Now: func() time.Time { return now }}
	cut := ""
	var s *Store
	reopen := func() {
		t.Helper()
		if s != nil {
			s.Close()
		}
		var err error
		if s, err = Open(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		s.beforeCommit = func(op string) error {
			if op == cut {
				return errPowerCut
			}
			return nil
		}
	}
	reopen()
	defer func() { s.Close() }()
	u, _ := s.CreateUser(ctx, "alice")
	msg := NewMessage{Sender: u.ID, Recipients: []Recipient{{Field: To, Number: "+3225551212"}},
		Pages: []PageFile{{Index: 1, Path: "p1", SHA256: "0000000000000000000000000000000000000000000000000000000000000000"}}}

	step := func(op string, do func() error, check func()) {
		t.Helper()
		cut = op
		if err := do(); !errors.Is(err, errPowerCut) {
			t.Fatalf("%s: %v", op, err)
		}
		reopen()
		check()
		cut = ""
		if err := do(); err != nil {
			t.Fatalf("%s after the cut: %v", op, err)
		}
	}
	events := func() int {
		es, _ := s.EventsSince(ctx, 0, 0)
		return len(es)
	}
	var m Message
	step("create message", func() (err error) { m, err = s.CreateMessage(ctx, msg); return err }, func() {
		if l, _ := s.ListMessages(ctx, ListOptions{}); len(l) != 0 || events() != 0 {
			t.Fatal("message survived the cut")
		}
	})
	var j Job
	step("next job", func() (err error) { j, _, err = s.NextJob(ctx, now); return err }, func() {
		if j, _ := s.GetJob(ctx, m.Jobs[0].ID); j.State != Queued {
			t.Fatalf("claim survived: %v", j.State)
		}
	})
	var a Attempt
	step("start attempt", func() (err error) { a, err = s.StartAttempt(ctx, j.ID, "m0"); return err }, func() {
		if j, _ := s.GetJob(ctx, j.ID); j.Attempts != 0 || len(j.History) != 0 {
			t.Fatalf("attempt survived: %+v", j)
		}
	})
	step("record connected", func() error { return s.RecordConnected(ctx, a.ID, Params{}) }, func() {})
	step("record page", func() error { _, err := s.RecordPageConfirmed(ctx, a.ID, 1); return err }, func() {
		if j, _ := s.GetJob(ctx, j.ID); j.PagesConfirmed != 0 {
			t.Fatal("page survived")
		}
	})
	step("finish attempt", func() error { _, err := s.FinishAttempt(ctx, a.ID, Outcome{Next: Delivered}); return err }, func() {
		if j, _ := s.GetJob(ctx, j.ID); j.State != Sending || !j.History[0].Ended.IsZero() {
			t.Fatalf("finish survived: %+v", j)
		}
	})
	if got, _ := s.GetMessage(ctx, m.ID); got.State != MessageDelivered {
		t.Fatalf("message %v", got.State)
	}
}
