//go:build realtime

package daemon_test

import (
	"context"
	"math/rand/v2"
	"strings"
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

// heavyPage returns a fine page of rows rows of random dots, as a
// dithered photo codes: T.6 gains nothing on it.
func heavyPage(t *testing.T, rows int) *pages.Page {
	t.Helper()
	p, err := pages.NewPage(pages.WidthA4, rows)
	if err != nil {
		t.Fatal(err)
	}
	p.XDPI, p.YDPI = 204, 196
	r := rand.New(rand.NewPCG(1, 2))
	for y := range rows {
		for x := range p.Width {
			if r.IntN(3) == 0 {
				p.Set(x, y, true)
			}
		}
	}
	return p
}

// TestHeavyPageNotCutAtDeadline: one page whose line time is well above
// the 80 s that Pages x PerPage at HoldPercent would pay for is sent on a
// simulated line in real time (scale 1, so that the line's time and the
// call's deadline run on the same clock). The hold is priced from the
// page's expected line time, so the call completes in one attempt, is
// charged for its connected time, and the hold entry says what it
// expected. Before the hold knew the line time, the call was cut at its
// deadline (about 70 s) and failed for credit.
//
// The call takes its real time on the line, so the test is behind the
// build tag realtime: make test runs it after the race run, beside the
// calls through spandsp (scripts/test-realtime.sh).
func TestHeavyPageNotCutAtDeadline(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	page := heavyPage(t, 330)
	c, err := pages.MeasureCoded(page)
	if err != nil {
		t.Fatal(err)
	}
	expected := t30.LineTime{}.Call([]pages.CodedSize{c})
	if expected < 90*time.Second {
		t.Fatalf("the page is expected to take %v on the line (%d bytes of T.6): not heavy enough for the test", expected, c.MMR)
	}
	msg := e.submit(t, []*pages.Page{page})
	a, r := newLineConfig(t, sim.LineConfig{Scale: 1}, modem.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.serve(ctx)
	p, err := daemon.New(daemon.Config{Store: e.st, Ledger: e.led, DialPlan: numbers.DialPlan{Country: "BE"}, Backoff: fastBackoff, Poll: time.Second,
		Lines: []daemon.Line{{Name: "sim0", Modem: a}}, Fax: t30.Options{Ident: "+32 2 555 0100"}})
	if err != nil {
		t.Fatal(err)
	}
	runUntilCleanup(t, ctx, p)
	j := e.waitJobs(t, 4*time.Minute, msg.Jobs[0].ID)[0]
	if j.State != store.Delivered || j.Attempts != 1 || j.PagesConfirmed != 1 {
		t.Fatalf("job %v after %d attempt(s), %d page(s) confirmed: %s %s (%s)", j.State, j.Attempts, j.PagesConfirmed,
			j.ReasonCode, j.ReasonText, reasons(j))
	}
	at := j.History[0]
	cs := e.charges(t)
	if len(cs) != 1 {
		t.Fatalf("%d charges", len(cs))
	}
	checkCharge(t, cs[0], at)
	es, err := e.led.Entries(ctx, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var holds []string
	for _, x := range es {
		if x.Kind == billing.KindHold {
			holds = append(holds, x.Why)
		}
	}
	want := "hold for 1 page(s) to " + number + ", " + expected.Round(time.Second).String() + " expected"
	if len(holds) != 1 || !strings.HasPrefix(holds[0], want) {
		t.Errorf("hold entries %q, want one starting %q", holds, want)
	}
	t.Logf("%d bytes of T.6 expected to take %v; connected %v at %d bit/s, charged %s", c.MMR, expected, at.Duration,
		at.BitRate, billing.EUR.Format(-cs[0].Amount))
	if at.Duration < 80*time.Second {
		t.Errorf("connected %v: the page was not as heavy as the test means", at.Duration)
	}
}
