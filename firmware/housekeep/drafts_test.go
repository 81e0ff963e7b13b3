package housekeep_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"faxbox/firmware/config"
	"faxbox/firmware/store"
)

// draft writes a user's draft, a form and a file, last modified at.
func (e *env) draft(t *testing.T, user int64, at time.Time) string {
	t.Helper()
	dir := e.st.DraftDir(user)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"draft.json", "a1b2"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chtimes(dir, at, at); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDraftsPurged: a run removes the drafts untouched for longer than
// retention.sent_days and those of users that are gone; with sent_days
// 0 only the latter.
func TestDraftsPurged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t)
		bob, err := e.st.CreateUser(context.Background(), "bob")
		if err != nil {
			t.Fatal(err)
		}
		old := e.draft(t, e.user.ID, e.now().AddDate(0, 0, -31))
		recent := e.draft(t, bob.ID, e.now().AddDate(0, 0, -29))
		gone := e.draft(t, 4242, e.now())

		st := e.keeper(t, config.Retention{SentDays: 0}).RunOnce(context.Background())
		if st.Err != nil || st.Drafts != (store.DraftsResult{Drafts: 1, Files: 2, Bytes: 4}) {
			t.Errorf("sent_days 0: drafts %+v, err %v; want the gone user's only", st.Drafts, st.Err)
		}
		st = e.keeper(t, config.Retention{SentDays: 30}).RunOnce(context.Background())
		if st.Err != nil || st.Drafts.Drafts != 1 {
			t.Errorf("sent_days 30: drafts %+v, err %v; want the old one", st.Drafts, st.Err)
		}
		for dir, kept := range map[string]bool{old: false, recent: true, gone: false} {
			if _, err := os.Stat(dir); (err == nil) != kept {
				t.Errorf("%s: %v, want kept %v", dir, err, kept)
			}
		}
	})
}
