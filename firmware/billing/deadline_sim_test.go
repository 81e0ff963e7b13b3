package billing_test

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"faxbox/firmware/billing"
	"faxbox/modem"
	"faxbox/modem/sim"
	"faxbox/pages"
	"faxbox/t30"
)

// This file checks the acceptance item "a call cut by the credit deadline
// ends cleanly in the simulator and its charge equals the available credit
// or less": the ledger's hold and deadline drive a real T.30 call over the
// simulated line, and the call is settled with the connected time it
// measured.

// simChart returns ITU chart n at fine resolution from Debian's
// jbigkit-testdata (make test installs it); a missing chart fails the
// test, it does not skip it.
func simChart(t testing.TB, n int) *pages.Page {
	t.Helper()
	out, err := exec.Command("jbgtopbm", fmt.Sprintf("/usr/share/jbigkit-testdata/ccitt%d.jbg", n)).Output()
	if err != nil {
		t.Fatalf("jbgtopbm: %v (make test installs jbigkit-bin and jbigkit-testdata)", err)
	}
	ps, err := pages.ReadPBMs(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	p := ps[0]
	p.XDPI, p.YDPI = 204, 196
	return p
}

// simOutcome is what both ends of a simulated call reported.
type simOutcome struct {
	send, recv t30.Result
	received   int // pages the receiver stored
}

// simulateCall sends doc over a simulated line on fake time, the sender
// limited to maxDuration of connected time, and returns both outcomes.
// The ledger is not touched inside the bubble: its wall clock must be
// real, and its database goroutines must not belong to the bubble.
func simulateCall(t *testing.T, doc t30.Document, maxDuration time.Duration) simOutcome {
	t.Helper()
	var o simOutcome
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		line := sim.NewLine(sim.LineConfig{}, sim.Config{}, sim.Config{})
		a := modem.New(line.A().Conn(), modem.Config{})
		b := modem.New(line.B().Conn(), modem.Config{})
		defer line.Close()
		defer a.Close()
		defer b.Close()
		if err := a.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		if err := b.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			if _, err := b.WaitRing(ctx); err != nil {
				o.recv = t30.Result{Reason: t30.ReasonModem, Err: err}
				return
			}
			o.recv = t30.Receive(ctx, b, t30.Options{OnPage: func(t30.ReceivedPage) error { o.received++; return nil }})
		}()
		o.send = t30.Send(ctx, a, "5551234", doc, t30.Options{MaxDuration: maxDuration})
		<-done
	})
	return o
}

// simLedger opens a ledger with one tariff: Belgium at 1.20 EUR a minute,
// billed per second (2 cents a second), so that 1.00 EUR lasts 50 s.
func simLedger(t *testing.T, minAvailable billing.Amount) (*billing.Ledger, billing.Rate) {
	t.Helper()
	ctx := context.Background()
	l, err := billing.Open(ctx, billing.Config{Path: filepath.Join(t.TempDir(), "ledger.db"), MinAvailable: minAvailable})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	rate := billing.Rate{Prefix: "32", Name: "Belgium", Currency: billing.EUR, PerMinute: 1_200_000, First: 1, Step: 1}
	tab, err := billing.NewTable(billing.EUR, []billing.Rate{rate})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.SetTariff(ctx, tab, time.Now().Add(-time.Hour), "test", "simulator tariff"); err != nil {
		t.Fatal(err)
	}
	return l, rate
}

// perSecondCharge is the charge at 2 cents per started second, worked out
// without the billing package.
func perSecondCharge(d time.Duration) billing.Amount {
	secs := int64((d + time.Second - 1) / time.Second)
	return billing.Amount(secs * 20_000)
}

func available(t *testing.T, l *billing.Ledger) billing.Amount {
	t.Helper()
	a, err := l.Account(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if a.Available < 0 {
		t.Fatalf("available credit negative: %+v", a)
	}
	return a.Available
}

// TestDeadlineCutsCallInSimulator: with 1.00 EUR of credit the hold is all
// of it and the deadline 45 s; a four-page document takes longer, so the
// sender stops at the deadline less t30.HangUpMargin, ends the call
// cleanly (the receiver keeps the pages before, partial), and the charge
// for the measured connected time is within the credit without capping.
func TestDeadlineCutsCallInSimulator(t *testing.T) {
	doc := t30.Pages{simChart(t, 1), simChart(t, 2), simChart(t, 3), simChart(t, 4)}
	ctx := context.Background()
	l, rate := simLedger(t, -1) // no 10 EUR rule: the point is running out
	if _, err := l.TopUp(ctx, 1_000_000, "admin:test", "small top-up"); err != nil {
		t.Fatal(err)
	}
	availAtDial := available(t, l)
	hold, err := l.BeginCall(ctx, billing.CallRequest{ID: "job1/1", Job: "job1", User: "alice",
		Number: "+3225551212", Country: "BE", Pages: doc.Len()})
	if err != nil {
		t.Fatal(err)
	}
	if hold.Amount != availAtDial || hold.Available != 0 || hold.Deadline != 45*time.Second {
		t.Fatalf("hold %+v with %d available", hold, availAtDial)
	}
	if available(t, l) != 0 {
		t.Fatal("the hold did not take all the credit")
	}
	limit, ok := hold.CallLimit(t30.HangUpMargin)
	if !ok || limit != hold.Deadline-t30.HangUpMargin {
		t.Fatalf("call limit %v, %v for a deadline of %v", limit, ok, hold.Deadline)
	}
	o := simulateCall(t, doc, limit)
	r := o.send
	t.Logf("sender: %s after %v connected, %d pages; receiver: %s, %d pages", r.Reason, r.Connected, r.Pages, o.recv.Reason, o.received)

	// The call ended cleanly at its time limit.
	if r.Reason != t30.ReasonTimeLimit || r.Pages < 1 || r.Pages >= doc.Len() {
		t.Fatalf("send: %+v", r)
	}
	if r.Connected <= limit || r.Connected > hold.Deadline {
		t.Fatalf("connected %v: want after the limit %v and within the deadline %v", r.Connected, limit, hold.Deadline)
	}
	if o.recv.Reason != t30.ReasonPartial || o.received < r.Pages || o.recv.Pages != o.received {
		t.Fatalf("receive: %+v, %d pages stored, sender counted %d", o.recv, o.received, r.Pages)
	}

	s, err := l.Settle(ctx, hold.Call, r.Connected > 0, r.Connected)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Answered || s.Capped || s.Charge > availAtDial || s.Charge > hold.Amount || s.Released != hold.Amount {
		t.Fatalf("settlement %+v, %d available at dial", s, availAtDial)
	}
	if want := perSecondCharge(r.Connected); s.Charge != want || s.Charge != rate.Cost(r.Connected) {
		t.Fatalf("charge %d for %v, want %d", s.Charge, r.Connected, want)
	}
	if got := available(t, l); got != availAtDial-s.Charge {
		t.Fatalf("available %d after a charge of %d from %d", got, s.Charge, availAtDial)
	}
	if err := l.Check(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("charged %s of %s available", billing.EUR.Format(s.Charge), billing.EUR.Format(availAtDial))
}

// TestDeadlineAmpleCreditInSimulator: with credit to spare the call
// completes well within its deadline and is charged exactly the tariff
// for the connected time.
func TestDeadlineAmpleCreditInSimulator(t *testing.T) {
	doc := t30.Pages{simChart(t, 1)}
	ctx := context.Background()
	l, rate := simLedger(t, 0) // the 10 EUR rule as shipped
	if _, err := l.TopUp(ctx, 20_000_000, "admin:test", "top-up"); err != nil {
		t.Fatal(err)
	}
	availAtDial := available(t, l)
	hold, err := l.BeginCall(ctx, billing.CallRequest{ID: "job2/1", Job: "job2", User: "bob",
		Number: "+3225551212", Country: "BE", Pages: doc.Len()})
	if err != nil {
		t.Fatal(err)
	}
	limit, ok := hold.CallLimit(t30.HangUpMargin)
	if hold.Amount >= availAtDial || !ok {
		t.Fatalf("hold %+v with %d available", hold, availAtDial)
	}
	o := simulateCall(t, doc, limit)
	r := o.send
	t.Logf("sender: %s after %v connected; deadline %v", r.Reason, r.Connected, hold.Deadline)
	if !r.OK() || r.Pages != 1 || !o.recv.OK() || o.received != 1 {
		t.Fatalf("send %+v, receive %+v, %d pages stored", r, o.recv, o.received)
	}
	s, err := l.Settle(ctx, hold.Call, true, r.Connected)
	if err != nil {
		t.Fatal(err)
	}
	want := perSecondCharge(r.Connected)
	if s.Capped || s.Charge != want || s.Charge != rate.Cost(r.Connected) || s.Released != hold.Amount || s.Charge > hold.Amount {
		t.Fatalf("settlement %+v, want a charge of %d for %v", s, want, r.Connected)
	}
	a, err := l.Account(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if a.Balance != availAtDial-want || a.Available != a.Balance || a.OpenHolds != 0 || a.SpentThisMonth != want {
		t.Fatalf("account %+v after a charge of %d", a, want)
	}
	if err := l.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestHoldCallLimitTooLittleCredit: credit for a deadline shorter than the
// engine's hang-up gives no call limit (a zero MaxDuration would mean no
// limit at all), so the call is not dialled and the hold goes back.
func TestHoldCallLimitTooLittleCredit(t *testing.T) {
	ctx := context.Background()
	l, _ := simLedger(t, -1)
	if _, err := l.TopUp(ctx, 300_000, "admin:test", "0.30 EUR: 15 s"); err != nil {
		t.Fatal(err)
	}
	hold, err := l.BeginCall(ctx, billing.CallRequest{ID: "job3/1", Job: "job3", Number: "+3225551212", Pages: 1})
	if err != nil {
		t.Fatal(err)
	}
	if hold.Deadline != 10*time.Second {
		t.Fatalf("hold %+v", hold)
	}
	if d, ok := hold.CallLimit(t30.HangUpMargin); ok || d != 0 {
		t.Fatalf("call limit %v, %v with a deadline of %v and a hang-up of %v", d, ok, hold.Deadline, t30.HangUpMargin)
	}
	if d, ok := hold.CallLimit(4 * time.Second); !ok || d != 6*time.Second {
		t.Fatalf("call limit %v, %v", d, ok)
	}
	s, err := l.Settle(ctx, hold.Call, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	if s.Charge != 0 || s.Released != 300_000 || available(t, l) != 300_000 {
		t.Fatalf("settlement %+v", s)
	}
	if err := l.Check(ctx); err != nil {
		t.Fatal(err)
	}
}
