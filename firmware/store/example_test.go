package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"faxbox/firmware/store"
)

// A worker's view of one job: claim it, dial, record each confirmed page,
// and finish the attempt.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "faxbox")
	defer os.RemoveAll(dir)
	s, err := store.Open(ctx, store.Config{Path: filepath.Join(dir, "faxbox.db")})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	if _, err := s.Recover(ctx, time.Now()); err != nil { // on start, before any worker
		fmt.Println(err)
		return
	}
	u, _ := s.CreateUser(ctx, "alice")
	_, sum, _ := store.WriteFile(filepath.Join(s.Dir(), "p1.g3"), strings.NewReader("a G3 page"), 0o600)
	m, _ := s.CreateMessage(ctx, store.NewMessage{Sender: u.ID, Subject: "Hello",
		Recipients: []store.Recipient{{Field: store.To, Number: "+3225551212"}},
		Pages:      []store.PageFile{{Index: 1, Path: "p1.g3", SHA256: sum}}})

	job, ok, _ := s.NextJob(ctx, time.Now())
	fmt.Println(ok, job.ID == m.Jobs[0].ID, job.State)
	a, _ := s.StartAttempt(ctx, job.ID, "ttyACM0")
	_ = s.RecordConnected(ctx, a.ID, store.Params{BitRate: 14400, ECM: true, Coding: "MR"})
	_, _ = s.RecordPageConfirmed(ctx, a.ID, 1)
	job, _ = s.FinishAttempt(ctx, a.ID, store.Outcome{Next: store.Delivered, Duration: 42 * time.Second})
	fmt.Println(job.State, job.PagesConfirmed, "of", job.PagesTotal)
	// Output:
	// true true dialing
	// delivered 1 of 1
}
