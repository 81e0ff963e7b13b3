package daemon_test

import (
	"context"
	"testing"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/store"
	"faxbox/modem/sim"
	"faxbox/pages"
)

// TestRetryNowIsExtra: a call a user asks for with "retry now" after the
// second of three busy attempts is an extra one: the job still makes its
// third automatic attempt before it fails.
func TestRetryNowIsExtra(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	msg := e.submit(t, []*pages.Page{testPage(t, 1)})
	id := msg.Jobs[0].ID
	a, r := newLine(t, sim.LineConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// ATA with nothing ringing: the far end is off hook, so every call is
	// BUSY.
	if err := r.m.Answer(ctx); err != nil {
		t.Fatal(err)
	}
	asked := make(chan error, 1)
	go func() {
		for ctx.Err() == nil {
			j, err := e.st.GetJob(ctx, id)
			if err == nil && j.Attempts == 2 && j.State == store.Retry {
				_, err = e.st.RetryNow(ctx, id, "alice")
				asked <- err
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()

	j := e.runPool(t, a, id, nil)
	if err := <-asked; err != nil {
		t.Fatal(err)
	}
	j, _ = e.st.GetJob(ctx, j.ID)
	if j.State != store.Failed || j.Attempts != 4 || j.MaxAttempts != 4 || reasons(j) != "busy,busy,busy,busy" {
		t.Fatalf("job %v after %d of %d attempts: %s; want the asked-for call and three automatic ones", j.State,
			j.Attempts, j.MaxAttempts, reasons(j))
	}
}
