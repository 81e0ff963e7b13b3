package store_test

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"faxbox/firmware/store"
)

// TestConcurrentClaims has workers on two Store handles (two processes'
// worth of connections) claim jobs until none is left: each job is
// claimed exactly once.
func TestConcurrentClaims(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	cfg := testConfig(t, clk)
	s1, s2 := open(t, cfg), open(t, cfg)
	const jobs = 60
	for range jobs / 3 {
		newMessage(t, s1, 3, 1)
	}
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for w := range 6 {
		s := []*store.Store{s1, s2}[w%2]
		wg.Go(func() {
			for {
				j, ok, err := s.NextJob(ctx, clk.Now())
				if err != nil {
					t.Error(err)
					return
				}
				if !ok {
					return
				}
				if _, err := s.StartAttempt(ctx, j.ID, strconv.Itoa(w)); err != nil {
					t.Error(err)
				}
				mu.Lock()
				seen[j.ID]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != jobs {
		t.Fatalf("claimed %d distinct jobs, want %d", len(seen), jobs)
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("job %d claimed %d times", id, n)
		}
	}
}

// TestRecoverAfterReopen leaves jobs in every in-call situation, closes
// the database without finishing them (as kill -9 would), reopens and
// recovers.
func TestRecoverAfterReopen(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	cfg := testConfig(t, clk)
	cfg.MaxAttempts = 2
	s := open(t, cfg)
	m := newMessage(t, s, 4, 3)

	// Job 0: connected, page 1 confirmed, then the power goes.
	j0, a0 := claim(t, s, clk.Now(), "m0")
	clk.Advance(10 * time.Second)
	s.RecordConnected(ctx, a0.ID, store.Params{BitRate: 9600})
	clk.Advance(40 * time.Second)
	s.RecordPageConfirmed(ctx, a0.ID, 1)
	// Job 1: on its last attempt, dialling.
	j1, a1 := claim(t, s, clk.Now(), "m1")
	s.FinishAttempt(ctx, a1.ID, store.Outcome{Next: store.Retry, RetryAt: m.Created, ReasonCode: "busy"})
	_, a1 = claim(t, s, clk.Now(), "m1")
	// Job 2: claimed, no attempt started.
	j2, ok, _ := s.NextJob(ctx, clk.Now())
	if !ok {
		t.Fatal("no job 2")
	}
	// Job 3: cancel requested in the call.
	j3, _ := claim(t, s, clk.Now(), "m2")
	s.CancelJob(ctx, j3.ID, "alice")
	if j0.ID != m.Jobs[0].ID || j1.ID != m.Jobs[1].ID || j2.ID != m.Jobs[2].ID {
		t.Fatal("unexpected claim order")
	}
	s.Close()

	clk.Advance(time.Hour) // the appliance comes back later
	s = open(t, cfg)
	rec, err := s.Recover(ctx, clk.Now())
	if err != nil || len(rec) != 4 {
		t.Fatalf("recover: %+v %v", rec, err)
	}
	want := map[int64]store.State{j0.ID: store.Retry, j1.ID: store.Failed, j2.ID: store.Queued, j3.ID: store.Cancelled}
	for _, r := range rec {
		if r.Job.State != want[r.Job.ID] {
			t.Errorf("job %d recovered to %v, want %v", r.Job.ID, r.Job.State, want[r.Job.ID])
		}
	}
	j := mustJob(t, s, j0.ID)
	a := j.History[0]
	if j.PagesConfirmed != 1 || j.Attempts != 1 || j.ReasonCode != store.ReasonInterrupted || !j.NextAttempt.Equal(clk.Now()) ||
		a.ReasonCode != store.ReasonInterrupted || a.Duration != 40*time.Second || a.PagesConfirmed != 1 ||
		!a.Ended.Equal(a.Connected.Add(40*time.Second)) {
		t.Fatalf("job 0 %+v attempt %+v", j, a)
	}
	if j := mustJob(t, s, j1.ID); j.History[1].ReasonCode != store.ReasonInterrupted || j.History[1].Duration != 0 {
		t.Fatalf("job 1 %+v", j.History)
	}
	if j := mustJob(t, s, j2.ID); j.Attempts != 0 || len(j.History) != 0 {
		t.Fatalf("job 2 %+v", j)
	}
	if rec, err := s.Recover(ctx, clk.Now()); err != nil || len(rec) != 0 {
		t.Fatalf("second recover: %+v %v", rec, err)
	}
	// The retry sends only pages 2 and 3.
	for {
		j, ok, _ := s.NextJob(ctx, clk.Now())
		if !ok {
			t.Fatal("job 0 not due")
		}
		if j.ID != j0.ID {
			continue
		}
		a, _ := s.StartAttempt(ctx, j.ID, "m0")
		ps, _ := s.Pages(ctx, j.ID)
		if a.FirstPage != 2 || !ps[0].Confirmed || ps[1].Confirmed || ps[2].Confirmed {
			t.Fatalf("retry attempt %+v pages %+v", a, ps)
		}
		break
	}
}

// TestRecoverAfterSIGKILL kills a child process with SIGKILL in the
// middle of a call, at a random point between page confirmations, and
// recovers in this one.
func TestRecoverAfterSIGKILL(t *testing.T) {
	if os.Getenv("STORE_CHILD_DB") != "" {
		childSend(os.Getenv("STORE_CHILD_DB"))
		return
	}
	ctx := context.Background()
	for round := range 5 {
		clk := newClock()
		cfg := testConfig(t, clk)
		cmd := exec.Command(os.Args[0], "-test.run=^TestRecoverAfterSIGKILL$")
		cmd.Env = append(os.Environ(), "STORE_CHILD_DB="+cfg.Path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 1)
		if _, err := out.Read(buf); err != nil { // the child has connected
			t.Fatal(err)
		}
		time.Sleep(time.Duration(round*3) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()

		s := open(t, cfg)
		rec, err := s.Recover(ctx, clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(rec) != 1 || rec[0].Attempt == nil {
			// The child may have finished before the kill.
			if j := mustJob(t, s, 1); j.State != store.Delivered {
				t.Fatalf("round %d: recovered %+v, job %+v", round, rec, j)
			}
			continue
		}
		j := mustJob(t, s, rec[0].Job.ID)
		ps, _ := s.Pages(ctx, j.ID)
		n := 0
		for _, p := range ps {
			if p.Confirmed {
				n++
			}
		}
		if j.State != store.Retry || j.PagesConfirmed != n || rec[0].Attempt.PagesConfirmed != n ||
			rec[0].Attempt.ReasonCode != store.ReasonInterrupted {
			t.Fatalf("round %d: %+v pages %+v", round, j, ps)
		}
		t.Logf("round %d: killed after %d of %d pages", round, n, j.PagesTotal)
	}
}

// childSend is the child of TestRecoverAfterSIGKILL: it sends a 200-page
// job as fast as it can and is killed on the way.
func childSend(path string) {
	ctx := context.Background()
	clk := newClock()
	s, err := store.Open(ctx, store.Config{Path: path, Now: clk.Now})
	if err != nil {
		os.Exit(2)
	}
	u, _ := s.CreateUser(ctx, "alice")
	var ps []store.PageFile
	for i := 1; i <= 200; i++ {
		ps = append(ps, store.PageFile{Index: i, Path: "p" + strconv.Itoa(i), SHA256: sha(i)})
	}
	m, err := s.CreateMessage(ctx, store.NewMessage{Sender: u.ID, Recipients: []store.Recipient{{Field: store.To, Number: "+3225551212"}}, Pages: ps})
	if err != nil {
		os.Exit(2)
	}
	j, _, _ := s.NextJob(ctx, clk.Now())
	a, _ := s.StartAttempt(ctx, j.ID, "m0")
	s.RecordConnected(ctx, a.ID, store.Params{})
	os.Stdout.Write([]byte{'c'})
	for p := 1; p <= 200; p++ {
		if _, err := s.RecordPageConfirmed(ctx, a.ID, p); err != nil {
			os.Exit(3)
		}
	}
	s.FinishAttempt(ctx, a.ID, store.Outcome{Next: store.Delivered})
	_ = m
	select {} // wait for the kill
}

// TestRecoverAllPagesConfirmed: a crash after the receiver confirmed the
// last page, before the job was marked delivered: the fax has arrived, so
// the job is delivered, not retried (a retry would find no page to send).
func TestRecoverAllPagesConfirmed(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	cfg := testConfig(t, clk)
	s := open(t, cfg)
	newMessage(t, s, 1, 2)
	j, a := claim(t, s, clk.Now(), "m0")
	clk.Advance(5 * time.Second)
	s.RecordConnected(ctx, a.ID, store.Params{BitRate: 14400})
	clk.Advance(20 * time.Second)
	s.RecordPageConfirmed(ctx, a.ID, 1)
	s.RecordPageConfirmed(ctx, a.ID, 2)
	s.Close()

	s = open(t, cfg)
	rec, err := s.Recover(ctx, clk.Now())
	if err != nil || len(rec) != 1 || rec[0].Job.State != store.Delivered {
		t.Fatalf("recover: %+v %v", rec, err)
	}
	got := mustJob(t, s, j.ID)
	if got.State != store.Delivered || got.PagesConfirmed != 2 || got.History[0].ReasonCode != store.ReasonInterrupted {
		t.Fatalf("job %+v", got)
	}
}
