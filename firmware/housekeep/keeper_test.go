package housekeep_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"faxbox/firmware/config"
	"faxbox/firmware/housekeep"
	"faxbox/firmware/store"
)

// env is a real store in a synctest bubble: its wall clock is the
// bubble's fake clock moved to 2026, so that records are stamped (the
// store refuses dates before 2024).
type env struct {
	st   *store.Store
	now  func() time.Time
	user store.User
	n    int

	mu     sync.Mutex
	fs     housekeep.FS
	fsErr  error
	purgeE error
}

func newEnv(t *testing.T) *env {
	t.Helper()
	off := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC).Sub(time.Now())
	e := &env{now: func() time.Time { return time.Now().Add(off) }, fs: housekeep.FS{Size: 1e9, Free: 5e8}}
	st, err := store.Open(context.Background(), store.Config{Path: filepath.Join(t.TempDir(), "faxbox.db"), Now: e.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e.st = st
	if e.user, err = st.CreateUser(context.Background(), "alice"); err != nil {
		t.Fatal(err)
	}
	return e
}

// Purge fails with purgeE when set, else purges the store.
func (e *env) Purge(ctx context.Context, o store.PurgeOptions) (store.PurgeResult, error) {
	e.mu.Lock()
	err := e.purgeE
	e.mu.Unlock()
	if err != nil {
		return store.PurgeResult{}, err
	}
	return e.st.Purge(ctx, o)
}

func (e *env) Sweep(ctx context.Context, o store.SweepOptions) (store.SweepResult, error) {
	return e.st.Sweep(ctx, o)
}

func (e *env) PurgeDrafts(ctx context.Context, before time.Time) (store.DraftsResult, error) {
	return e.st.PurgeDrafts(ctx, before)
}

func (e *env) DiskUsage(ctx context.Context) (store.Usage, error) { return e.st.DiskUsage(ctx) }

func (e *env) Dir() string { return e.st.Dir() }

func (e *env) statfs(path string) (housekeep.FS, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if path != e.st.Dir() {
		return housekeep.FS{}, fmt.Errorf("statfs of %s, not the data directory", path)
	}
	return e.fs, e.fsErr
}

func (e *env) set(f func()) {
	e.mu.Lock()
	f()
	e.mu.Unlock()
}

func (e *env) keeper(t *testing.T, r config.Retention) *housekeep.Keeper {
	t.Helper()
	k, err := housekeep.New(housekeep.Config{Store: e, Retention: r, Statfs: e.statfs, Now: e.now})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// file writes a page of size bytes and returns it.
func (e *env) file(t *testing.T, dir string, size int) []store.PageFile {
	t.Helper()
	e.n++
	rel := filepath.Join(dir, fmt.Sprint(e.n), "page-001.tif")
	if err := os.MkdirAll(filepath.Join(e.st.Dir(), filepath.Dir(rel)), 0o755); err != nil {
		t.Fatal(err)
	}
	_, sum, err := store.WriteFile(filepath.Join(e.st.Dir(), rel), bytes.NewReader(make([]byte, size)), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	return []store.PageFile{{Index: 1, Path: rel, SHA256: sum}}
}

// sent stores a message of size bytes and makes its one attempt: ending
// failed when finished, else left in the call.
func (e *env) sent(t *testing.T, size int, finished bool) int64 {
	t.Helper()
	ctx := context.Background()
	m, err := e.st.CreateMessage(ctx, store.NewMessage{Sender: e.user.ID,
		Recipients: []store.Recipient{{Field: store.To, Number: "+3225551212"}}, Pages: e.file(t, "messages", size)})
	if err != nil {
		t.Fatal(err)
	}
	j, ok, err := e.st.NextJob(ctx, e.now())
	if err != nil || !ok || j.Message != m.ID {
		t.Fatalf("NextJob: %v %v %v", j, ok, err)
	}
	a, err := e.st.StartAttempt(ctx, j.ID, "ttyS0")
	if err != nil {
		t.Fatal(err)
	}
	if finished {
		if _, err := e.st.FinishAttempt(ctx, a.ID, store.Outcome{Next: store.Failed, ReasonCode: "busy"}); err != nil {
			t.Fatal(err)
		}
	}
	return m.ID
}

func (e *env) received(t *testing.T, size int) int64 {
	t.Helper()
	r, err := e.st.AddReceived(context.Background(), store.Received{Pages: 1, Files: e.file(t, "received", size)})
	if err != nil {
		t.Fatal(err)
	}
	return r.ID
}

func (e *env) hasMessage(t *testing.T, id int64) bool {
	t.Helper()
	_, err := e.st.GetMessage(context.Background(), id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

func (e *env) hasReceived(t *testing.T, id int64) bool {
	t.Helper()
	_, err := e.st.GetReceived(context.Background(), id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

func TestRunsHourlyAndPurgesByAge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t)
		start := e.now()
		msg := e.sent(t, 1000, true)
		fax := e.received(t, 1000)
		active := e.sent(t, 1000, false)
		k := e.keeper(t, config.Retention{SentDays: 1, ReceivedDays: 2})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- k.Run(ctx) }()

		synctest.Wait()
		if st := k.Status(); !st.LastRun.Equal(start) || st.Err != nil || st.Used < 3000 {
			t.Fatalf("first run: %+v", st)
		}
		time.Sleep(time.Hour - time.Second)
		synctest.Wait()
		if got := k.Status().LastRun; !got.Equal(start) {
			t.Errorf("a run at %v, before the hour", got)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if got := k.Status().LastRun; !got.Equal(start.Add(time.Hour)) {
			t.Errorf("last run %v, want one hour after the start", got)
		}

		// The message finished at the start is a day old at 24 h, and
		// deleted at the first run after that.
		time.Sleep(23 * time.Hour)
		synctest.Wait()
		if !e.hasMessage(t, msg) {
			t.Fatal("message deleted before it was a day old")
		}
		time.Sleep(time.Hour)
		synctest.Wait()
		st := k.Status()
		if e.hasMessage(t, msg) || !e.hasReceived(t, fax) || st.Deleted.Messages != 1 || st.Deleted.Files != 1 {
			t.Fatalf("at 25 h: message kept %v, fax kept %v, deleted %+v", e.hasMessage(t, msg), e.hasReceived(t, fax), st.Deleted)
		}
		time.Sleep(24 * time.Hour)
		synctest.Wait()
		if e.hasReceived(t, fax) || k.Status().Deleted.Received != 1 {
			t.Errorf("at 49 h the fax is kept: %+v", k.Status().Deleted)
		}
		if !e.hasMessage(t, active) {
			t.Error("the message in a call was deleted")
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

func TestDiskLimitDeletesOldestFinishedFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t)
		const size = 1_000_000
		a := e.sent(t, size, true)
		time.Sleep(time.Hour)
		b := e.received(t, size)
		time.Sleep(time.Hour)
		c := e.sent(t, size, true)
		time.Sleep(time.Hour)
		d := e.sent(t, size, false) // in a call: never deleted
		u, err := e.st.DiskUsage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		// Deleting A and B, the two oldest, is enough; C stays.
		limit := u.Total() - size*3/2
		k := e.keeper(t, config.Retention{DiskLimit: config.DiskLimit{Bytes: limit}})
		st := k.RunOnce(context.Background())
		if st.Err != nil || st.Limit != limit || st.Deleted.Messages != 1 || st.Deleted.Received != 1 || st.OverLimit {
			t.Fatalf("status %+v", st)
		}
		if e.hasMessage(t, a) || e.hasReceived(t, b) || !e.hasMessage(t, c) || !e.hasMessage(t, d) {
			t.Errorf("kept: A %v, B %v, C %v, D %v; want C and D", e.hasMessage(t, a), e.hasReceived(t, b), e.hasMessage(t, c), e.hasMessage(t, d))
		}
		if st.Used > st.Limit || st.Usage.Sent != 2*size || st.Usage.Received != 0 {
			t.Errorf("after: used %d of %d, usage %+v", st.Used, st.Limit, st.Usage)
		}

		// A limit nothing can meet: every finished item goes, the one in
		// a call stays, and the status says so.
		k = e.keeper(t, config.Retention{DiskLimit: config.DiskLimit{Bytes: 1}})
		st = k.RunOnce(context.Background())
		if e.hasMessage(t, c) || !e.hasMessage(t, d) || !st.OverLimit || !st.NearlyFull {
			t.Errorf("C kept %v, D kept %v, status %+v", e.hasMessage(t, c), e.hasMessage(t, d), st)
		}
		if !strings.Contains(strings.Join(st.Problems, "\n"), "none that is finished is left to delete") {
			t.Errorf("problems %q", st.Problems)
		}
	})
}

func TestNearlyFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t)
		e.sent(t, 50_000, true)
		u, err := e.st.DiskUsage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		used := u.Total()
		for _, c := range []struct {
			name  string
			limit config.DiskLimit
			fs    housekeep.FS
			want  bool
			says  string
		}{
			{"under 90% of the limit", config.DiskLimit{Bytes: used * 2}, housekeep.FS{Size: 1e9, Free: 5e8}, false, ""},
			{"at 95% of the limit", config.DiskLimit{Bytes: used * 100 / 95}, housekeep.FS{Size: 1e9, Free: 5e8}, true, "allowed (retention.disk_limit)"},
			{"no limit, disk 95% full", config.DiskLimit{}, housekeep.FS{Size: 1e9, Free: 5e7}, true, "the disk is nearly full: 50.0 MB free of 1.0 GB"},
			{"disk full", config.DiskLimit{Percent: 80}, housekeep.FS{Size: 1e9, Free: 0}, true, "the disk is full"},
			{"a share of the disk", config.DiskLimit{Percent: 50}, housekeep.FS{Size: used * 3, Free: used}, false, ""},
		} {
			e.set(func() { e.fs = c.fs })
			st := e.keeper(t, config.Retention{DiskLimit: c.limit}).RunOnce(context.Background())
			problems := strings.Join(st.Problems, "\n")
			if st.NearlyFull != c.want || st.Deleted.Messages != 0 || !strings.Contains(problems, c.says) || c.says == "" && problems != "" {
				t.Errorf("%s: nearly full %v, deleted %+v, problems %q", c.name, st.NearlyFull, st.Deleted, problems)
			}
			if want := c.limit.Limit(c.fs.Size); st.Limit != want || st.FS != c.fs {
				t.Errorf("%s: limit %d, want %d; fs %+v", c.name, st.Limit, want, st.FS)
			}
		}
	})
}

func TestErrorsAreReportedAndTheKeeperGoesOn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t)
		old := e.sent(t, 1000, true)
		e.set(func() {
			e.fsErr = errors.New("statfs: input/output error")
			e.purgeE = errors.New("store: purge: database disk image is malformed")
		})
		k := e.keeper(t, config.Retention{SentDays: 1, DiskLimit: config.DiskLimit{Percent: 80}})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- k.Run(ctx) }()
		time.Sleep(25 * time.Hour)
		synctest.Wait()
		st := k.Status()
		if st.Err == nil || !strings.Contains(st.Err.Error(), "deleting old faxes: store: purge: database disk image is malformed") ||
			!strings.Contains(st.Err.Error(), "measuring the file system: statfs: input/output error") {
			t.Fatalf("error %v", st.Err)
		}
		if st.Limit != 0 || st.Used == 0 || !st.LastRun.Equal(e.now()) || !e.hasMessage(t, old) {
			t.Errorf("status %+v", st)
		}

		// Repaired: the next run goes through.
		e.set(func() { e.fsErr, e.purgeE = nil, nil })
		time.Sleep(time.Hour)
		synctest.Wait()
		st = k.Status()
		if st.Err != nil || e.hasMessage(t, old) || st.Limit != 8e8 {
			t.Errorf("after repair: %+v", st)
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

func TestMissingFilesAreReported(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t)
		e.sent(t, 10, false)
		if err := os.RemoveAll(filepath.Join(e.st.Dir(), "messages")); err != nil {
			t.Fatal(err)
		}
		st := e.keeper(t, config.Retention{}).RunOnce(context.Background())
		if st.Usage.Missing != 1 || len(st.Problems) != 1 || !strings.HasPrefix(st.Problems[0], "1 files of stored faxes are missing (for example messages/") {
			t.Errorf("problems %q, usage %+v", st.Problems, st.Usage)
		}
	})
}

func TestNewRefusesBadConfig(t *testing.T) {
	if _, err := housekeep.New(housekeep.Config{}); err == nil {
		t.Error("no store accepted")
	}
	e := &env{}
	if _, err := housekeep.New(housekeep.Config{Store: e, Retention: config.Retention{SentDays: -1}}); err == nil {
		t.Error("negative days accepted")
	}
}
