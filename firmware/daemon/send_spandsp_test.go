//go:build spandsp

package daemon_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/daemon"
	"faxbox/firmware/numbers"
	"faxbox/firmware/report"
	"faxbox/firmware/store"
	"faxbox/modem"
	"faxbox/modem/spandsp"
	"faxbox/pages"
	"faxbox/t30"
)

// TestSendToSpandsp: the daemon's end-to-end send through a real modem and
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
	checkReport(t, e, j, cs[0], doc[0])
	t.Logf("delivered: %d pages at %d bit/s %s, connected %v, charged %s", at.PagesConfirmed, at.BitRate, at.Coding,
		at.Duration.Round(time.Millisecond), billing.EUR.Format(-cs[0].Amount))
}

// checkReport: the job's transmission report names the remote's ident as
// spandsp sent it, the pages confirmed and the duration metered, and its
// image is the first page reduced.
func checkReport(t *testing.T, e *env, j store.Job, charge billing.Entry, first *pages.Page) {
	t.Helper()
	rep, err := report.Sources{Store: e.st, Ledger: e.led}.Gather(context.Background(), j.ID)
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.led.Call(context.Background(), charge.Call)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Attempts) != 1 || rep.Attempts[0].Metered != c.Duration || rep.Attempts[0].RemoteIdent != "+32 2 555 1212" ||
		rep.FirstPage == nil || !rep.FirstPage.Equal(first) {
		t.Fatalf("report %+v, call %+v", rep.Attempts, c)
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, rep); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	metered := strconv.FormatFloat(c.Duration.Seconds(), 'f', 1, 64) + " s"
	for _, want := range []string{`"+32 2 555 1212"`, "Delivered: 2 of 2 pages confirmed", metered, "14400", "ECM"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
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
