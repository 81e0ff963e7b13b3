//go:build spandsp

package daemon_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/daemon"
	"faxbox/firmware/numbers"
	"faxbox/firmware/store"
	"faxbox/modem"
	"faxbox/modem/spandsp"
	"faxbox/pages"
	"faxbox/t30"
)

// TestSendToSpandsp: issue 7's end-to-end send through a real modem and
// a real receiver once: a queued job goes out through the pool on
// spandsp's T.31 software modem to spandsp's fax terminal, which keeps
// the pages identical to the job's; the job is delivered and charged the
// tariff for its metered duration.
func TestSendToSpandsp(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	doc := []*pages.Page{testPage(t, 1), testPage(t, 2)}
	msg := e.submit(t, doc)
	rx := filepath.Join(t.TempDir(), "rx.tif")
	l, err := spandsp.NewModemToFax(spandsp.Options{}, spandsp.FaxConfig{Role: spandsp.Receive, File: rx,
		Ident: "+32 2 555 1212", ECM: true, Compressions: spandsp.MH | spandsp.MR | spandsp.MMR})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	ctx := runSpandspPool(t, e, l, daemon.AnswerPolicy{})

	sr, err := l.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !sr.OK() || sr.Pages != len(doc) || sr.RemoteIdent != "+32 2 555 0100" {
		t.Fatalf("spandsp: %v, %d pages, ident %q", sr.Code, sr.Pages, sr.RemoteIdent)
	}
	var j store.Job
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if j, err = e.st.GetJob(ctx, msg.Jobs[0].ID); err != nil {
			t.Fatal(err)
		}
		if j.State == store.Delivered {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %v after spandsp's end: %+v", j.State, j.History)
		}
	}
	at := j.History[0]
	if j.Attempts != 1 || at.PagesConfirmed != len(doc) || at.BitRate != 14400 || !at.ECM || at.RemoteIdent != "+32 2 555 1212" {
		t.Fatalf("attempt %+v", at)
	}
	cs := e.charges(t)
	if len(cs) != 1 {
		t.Fatalf("%d charges, want 1", len(cs))
	}
	checkCharge(t, cs[0], at)

	data, err := os.ReadFile(rx)
	if err != nil {
		t.Fatal(err)
	}
	tf, err := pages.OpenTIFF(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var got []*pages.Page
	for i := range tf.Pages {
		pg, _, err := tf.Decode(i)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, pg)
	}
	samePages(t, got, doc)
	t.Logf("delivered: %d pages at %d bit/s %s, connected %v, charged %s", at.PagesConfirmed, at.BitRate, at.Coding,
		at.Duration.Round(time.Millisecond), billing.EUR.Format(-cs[0].Amount))
}

// runSpandspPool runs, until the test ends, a pool of one modem: spandsp's
// T.31 software modem of l, answering calls as answer says. It returns the
// context to wait for spandsp's end with (four minutes).
func runSpandspPool(t *testing.T, e *env, l *spandsp.Line, answer daemon.AnswerPolicy) context.Context {
	t.Helper()
	m, err := modem.Open(modem.PortConfig{Device: l.SlavePath(0), Baud: 115200}, modem.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	p, err := daemon.New(daemon.Config{Store: e.st, Ledger: e.led, DialPlan: numbers.DialPlan{Country: "BE"},
		Lines: []daemon.Line{{Name: "spandsp", Modem: m, Answer: answer}},
		Fax:   t30.Options{Ident: "+32 2 555 0100"}, Poll: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	t.Cleanup(cancel)
	return runUntilCleanup(t, ctx, p)
}
