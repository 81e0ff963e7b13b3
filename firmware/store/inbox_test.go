package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"faxbox/firmware/events"
	"faxbox/firmware/store"
)

// TestInboxReadAssignDelete: read marks are per user and counted as
// unread among the faxes a user sees; assigning routes a fax to a user
// (unread for them); deleting goes the way of Purge (rows, event, files)
// and refuses a fax being received.
func TestInboxReadAssignDelete(t *testing.T) {
	ctx := context.Background()
	s := open(t, testConfig(t, newClock()))
	alice, _ := s.CreateUser(ctx, "alice")
	bob, _ := s.CreateUser(ctx, "bob")
	page := filepath.Join(s.Dir(), "received", "1", "page-1.tif")
	if err := os.MkdirAll(filepath.Dir(page), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, []byte("II*\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := s.StartReceived(ctx, store.Incoming{Modem: "m0"}, rxPage(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	unread := func(user, routed int64, want int) {
		t.Helper()
		if n, err := s.Unread(ctx, user, routed); err != nil || n != want {
			t.Errorf("Unread(%d, %d) = %d, %v; want %d", user, routed, n, err, want)
		}
	}
	unread(alice.ID, alice.ID, 0) // still receiving: not yet news
	if _, err := s.FinishReceived(ctx, a.ID, store.ReceivedEnd{}); err != nil {
		t.Fatal(err)
	}
	unread(alice.ID, alice.ID, 1)
	unread(bob.ID, bob.ID, 1)
	if err := s.SetRead(ctx, a.ID, alice.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRead(ctx, a.ID, alice.ID, true); err != nil {
		t.Fatalf("read twice: %v", err)
	}
	unread(alice.ID, alice.ID, 0)
	unread(bob.ID, bob.ID, 1)
	if read, err := s.ReadBy(ctx, alice.ID, []int64{a.ID}); err != nil || !read[a.ID] {
		t.Errorf("ReadBy(alice) = %v, %v", read, err)
	}
	if err := s.SetRead(ctx, 999, alice.ID, true); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("read of no fax: %v", err)
	}

	// Assigned to alice: bob no longer sees it; alice has it unread again.
	logged, err := s.EventsSince(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AssignReceived(ctx, a.ID, alice.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	assigned := func(want events.AssignedEvent) {
		t.Helper()
		evs, err := s.EventsSince(ctx, logged[len(logged)-1].Seq, 1000)
		if err != nil || len(evs) != 1 {
			t.Fatalf("events after the assignment: %+v, %v; want one", evs, err)
		}
		logged = append(logged, evs...)
		if p, err := evs[0].Decode(); err != nil || p != want {
			t.Errorf("event %+v (%v), want %+v", p, err, want)
		}
	}
	assigned(events.AssignedEvent{Received: a.ID, User: alice.ID, Previous: 0, By: bob.ID})
	unread(alice.ID, alice.ID, 1)
	unread(bob.ID, bob.ID, 0)
	unread(bob.ID, 0, 1) // an administrator sees every fax
	if got, _ := s.GetReceived(ctx, a.ID); got.User != alice.ID {
		t.Errorf("routed to %d, want alice %d", got.User, alice.ID)
	}
	if err := s.AssignReceived(ctx, a.ID, 999, bob.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("assigned to no user: %v", err)
	}
	if err := s.AssignReceived(ctx, 999, alice.ID, bob.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("assigned no fax: %v", err)
	}
	if err := s.AssignReceived(ctx, a.ID, 0, 0); err != nil {
		t.Fatal(err)
	}
	assigned(events.AssignedEvent{Received: a.ID, User: 0, Previous: alice.ID}) // and nothing of the refusals
	unread(bob.ID, bob.ID, 1)

	busy, err := s.StartReceived(ctx, store.Incoming{Modem: "m1"}, rxPage(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteReceived(ctx, busy.ID); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("deleting a fax being received: %v, want ErrInvalid", err)
	}
	before, err := s.EventsSince(ctx, 0, 1000)
	if err != nil || len(before) == 0 {
		t.Fatal(err)
	}
	seq := before[len(before)-1].Seq
	res, err := s.DeleteReceived(ctx, a.ID)
	if err != nil || res.Received != 1 {
		t.Fatalf("DeleteReceived = %+v, %v", res, err)
	}
	// The page file is shared with the fax being received (same path in
	// this test): it stays until no row names it.
	if _, err := os.Stat(page); err != nil {
		t.Errorf("a file another fax still names was removed: %v", err)
	}
	if _, err := s.GetReceived(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted fax still there: %v", err)
	}
	evs, err := s.EventsSince(ctx, seq, 10)
	if err != nil || len(evs) != 1 || evs[0].Kind != store.EventPurged {
		t.Errorf("events after the delete: %+v, %v; want one %q", evs, err, store.EventPurged)
	}
	if _, err := s.DeleteReceived(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted twice: %v", err)
	}
}

// TestRetryNowSparesAttempts: "retry now" starts an attempt that does not
// count against the job's automatic ones, however often it is asked for
// before the call starts.
func TestRetryNowSparesAttempts(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	cfg := testConfig(t, clk)
	cfg.MaxAttempts = 3
	s := open(t, cfg)
	newMessage(t, s, 1, 1)
	_, a := claim(t, s, clk.Now(), "m0")
	j, err := s.FinishAttempt(ctx, a.ID, store.Outcome{Next: store.Retry, RetryAt: clk.Now().Add(1e12), ReasonCode: "busy"})
	if err != nil || j.AttemptsLeft() != 2 {
		t.Fatalf("%+v %v", j, err)
	}
	for range 3 { // three clicks
		if j, err = s.RetryNow(ctx, j.ID, "alice"); err != nil {
			t.Fatal(err)
		}
	}
	j, a = claim(t, s, clk.Now(), "m0")
	if got := mustJob(t, s, j.ID); got.Attempts != 2 || got.AttemptsLeft() != 2 || got.ManualRetry || a.Number != 2 {
		t.Fatalf("after the asked-for attempt started: %+v (attempt %d); want 2 made and still 2 left", got, a.Number)
	}
	j, err = s.FinishAttempt(ctx, a.ID, store.Outcome{Next: store.Retry, RetryAt: clk.Now(), ReasonCode: "busy"})
	if err != nil || j.State != store.Retry || j.AttemptsLeft() != 2 {
		t.Fatalf("%+v %v", j, err)
	}
	// The automatic attempts count as before.
	_, a = claim(t, s, clk.Now(), "m0")
	if j, err = s.FinishAttempt(ctx, a.ID, store.Outcome{Next: store.Retry, RetryAt: clk.Now(), ReasonCode: "busy"}); err != nil || j.AttemptsLeft() != 1 {
		t.Fatalf("%+v %v", j, err)
	}
}
