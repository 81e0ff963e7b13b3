package daemon_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/daemon"
	"faxbox/firmware/numbers"
	"faxbox/firmware/store"
	"faxbox/modem"
	"faxbox/modem/sim"
	"faxbox/pages"
	"faxbox/t30"
)

// deadModem never resets: it stays out of service.
type deadModem struct{ *modem.Modem }

func (deadModem) Reset(context.Context) error { return errors.New("no answer to ATZ") }

// waitState waits until the pool's modem name is in state s.
func waitState(t *testing.T, p *daemon.Pool, name string, s daemon.ModemState) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		for _, st := range p.Status() {
			if st.Name == name && st.State == s {
				return
			}
		}
	}
	t.Fatalf("modem %s never %v: %+v", name, s, p.Status())
}

// TestBorrow: Borrow waits for the end of the call in progress, keeps the
// modem out of scheduling until it is given back, and refuses unknown
// and failed modems.
func TestBorrow(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	doc := []*pages.Page{testPage(t, 1), testPage(t, 2)}
	a, r := newLine(t, sim.LineConfig{})
	b, _ := newLine(t, sim.LineConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.serve(ctx)
	p, err := daemon.New(daemon.Config{Store: e.st, Ledger: e.led,
		Lines:    []daemon.Line{{Name: "sim0", Modem: a}, {Name: "bad", Modem: deadModem{b}}},
		DialPlan: numbers.DialPlan{Country: "BE"}, Fax: t30.Options{Ident: "+32 2 555 0100"},
		Backoff: fastBackoff, Poll: time.Second, ProbeEvery: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()

	if _, _, err := p.Borrow(ctx, "ttyS9"); !errors.Is(err, daemon.ErrNoSuchModem) {
		t.Fatalf("unknown modem: %v", err)
	}
	waitState(t, p, "bad", daemon.ModemOutOfOrder)
	if _, _, err := p.Borrow(ctx, "bad"); !errors.Is(err, daemon.ErrOutOfService) {
		t.Fatalf("failed modem: %v", err)
	}

	// In a call: Borrow returns once the call has ended and its job is
	// settled.
	first := e.submit(t, doc).Jobs[0].ID
	waitState(t, p, "sim0", daemon.ModemCalling)
	m, release, err := p.Borrow(ctx, "sim0")
	if err != nil {
		t.Fatal(err)
	}
	if j, _ := e.st.GetJob(ctx, first); j.State != store.Delivered {
		t.Fatalf("lent during the call: job %v", j.State)
	}
	if st := p.Status()[0]; st.State != daemon.ModemLent {
		t.Fatalf("status while lent: %+v", st)
	}
	// Lent: a new job waits, and a second borrower waits too.
	second := e.submit(t, doc).Jobs[0].ID
	if err := m.Reset(ctx); err != nil {
		t.Fatalf("the borrowed modem: %v", err)
	}
	short, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
	_, _, err = p.Borrow(short, "sim0")
	cancelShort()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second borrower: %v", err)
	}
	if j, _ := e.st.GetJob(ctx, second); j.State != store.Queued {
		t.Fatalf("a job was dialled on a lent modem: %v", j.State)
	}
	release()
	release() // harmless
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		j, _ := e.st.GetJob(ctx, second)
		if j.State == store.Delivered {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the release: job %v", j.State)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.Borrow(context.Background(), "sim0"); !errors.Is(err, daemon.ErrNotRunning) {
		t.Fatalf("stopped pool: %v", err)
	}
	if err := p.Run(context.Background()); !errors.Is(err, daemon.ErrConfig) {
		t.Fatalf("second Run: %v", err)
	}
}
