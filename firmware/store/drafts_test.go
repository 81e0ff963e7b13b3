package store_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"faxbox/firmware/store"
)

// draft writes a draft directory with files of the given sizes, all
// last modified at.
func draft(t *testing.T, dir string, at time.Time, sizes ...int) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, n := range sizes {
		p := filepath.Join(dir, []string{"draft.json", "f1", "f2"}[i])
		if err := os.WriteFile(p, make([]byte, n), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chtimes(dir, at, at); err != nil {
		t.Fatal(err)
	}
}

// TestPurgeDrafts: the drafts untouched since the time given go, with
// those of ids that are no user's whatever their age; a draft one of
// whose files is recent stays, and so does what is no user's draft
// directory. Without a time only the drafts of unknown users go.
func TestPurgeDrafts(t *testing.T) {
	ctx := context.Background()
	s := open(t, testConfig(t, newClock()))
	alice, _ := s.CreateUser(ctx, "alice")
	bob, _ := s.CreateUser(ctx, "bob")
	carol, _ := s.CreateUser(ctx, "carol")
	now := time.Now()
	old, recent := now.AddDate(0, 0, -100), now.Add(-time.Hour)
	if got, want := s.DraftDir(alice.ID), filepath.Join(s.Dir(), "drafts", "u"+strconv.FormatInt(alice.ID, 10)); got != want {
		t.Fatalf("DraftDir = %s, want %s", got, want)
	}
	draft(t, s.DraftDir(alice.ID), old, 100, 2000)  // untouched: goes
	draft(t, s.DraftDir(bob.ID), recent, 100)       // kept
	draft(t, s.DraftDir(carol.ID), old, 100, 10, 1) // an old form, a file added just now: kept
	if err := os.Chtimes(filepath.Join(s.DraftDir(carol.ID), "f2"), recent, recent); err != nil {
		t.Fatal(err)
	}
	draft(t, s.DraftDir(999), recent, 300, 5) // no such user: goes
	others := []string{filepath.Join(s.Dir(), "drafts", "notes"), filepath.Join(s.Dir(), "drafts", "u07")}
	for _, p := range others {
		draft(t, p, old, 1)
	}

	res, err := s.PurgeDrafts(ctx, now.AddDate(0, 0, -90))
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.DraftsResult{Drafts: 2, Files: 4, Bytes: 2405}); res != want {
		t.Errorf("PurgeDrafts = %+v, want %+v", res, want)
	}
	for _, c := range []struct {
		dir  string
		kept bool
	}{{s.DraftDir(alice.ID), false}, {s.DraftDir(bob.ID), true}, {s.DraftDir(carol.ID), true}, {s.DraftDir(999), false},
		{others[0], true}, {others[1], true}} {
		if got := exists(t, c.dir); got != c.kept {
			t.Errorf("%s kept: %v, want %v", c.dir, got, c.kept)
		}
	}

	// Without a time (retention.sent_days = 0): old drafts stay, unknown
	// users' go.
	draft(t, s.DraftDir(bob.ID), old, 1)
	draft(t, s.DraftDir(998), old, 1)
	if res, err := s.PurgeDrafts(ctx, time.Time{}); err != nil || res.Drafts != 1 || exists(t, s.DraftDir(998)) || !exists(t, s.DraftDir(bob.ID)) {
		t.Errorf("PurgeDrafts(no time) = %+v, %v; bob's kept %v, 998's kept %v", res, err, exists(t, s.DraftDir(bob.ID)), exists(t, s.DraftDir(998)))
	}

	// A database without users (new or replaced) removes no unknown
	// user's draft.
	empty := open(t, testConfig(t, newClock()))
	draft(t, empty.DraftDir(alice.ID), recent, 1)
	if res, err := empty.PurgeDrafts(ctx, now.AddDate(0, 0, -90)); err != nil || res.Drafts != 0 || !exists(t, empty.DraftDir(alice.ID)) {
		t.Errorf("PurgeDrafts without users = %+v, %v", res, err)
	}
	// No drafts directory at all is nothing to do.
	if res, err := open(t, testConfig(t, newClock())).PurgeDrafts(ctx, now); err != nil || res.Drafts != 0 {
		t.Errorf("PurgeDrafts of no drafts = %+v, %v", res, err)
	}
}
