package daemon_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
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

// These tests run the pool in real time: the store and the ledger stamp
// records with the wall clock and their SQLite goroutines cannot live in a
// testing/synctest bubble. The simulated line compresses its own time
// (scale) and the back-offs are short.
const scale = 20

// fastBackoff retries within a second whatever the cause.
var fastBackoff = daemon.Backoff{Busy: 1500 * time.Millisecond, NoAnswer: 100 * time.Millisecond,
	CallFailed: 100 * time.Millisecond, NoDialTone: 100 * time.Millisecond}

// rate is the test tariff: Belgium at 1.20 EUR a minute, per second.
var rate = billing.Rate{Prefix: "32", Name: "Belgium", Currency: billing.EUR, PerMinute: 1_200_000, First: 1, Step: 1}

const number = "+3225551212"

type env struct {
	dir  string
	st   *store.Store
	led  *billing.Ledger
	user store.User
}

// newEnv opens a store and a ledger in a temporary directory, with the
// test tariff and credit topped up.
func newEnv(t *testing.T, credit billing.Amount) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{dir: t.TempDir()}
	var err error
	if e.st, err = store.Open(ctx, store.Config{Path: filepath.Join(e.dir, "faxbox.db"), MaxAttempts: 3}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.st.Close() })
	if e.led, err = billing.Open(ctx, billing.Config{Path: filepath.Join(e.dir, "ledger.db")}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.led.Close() })
	tab, err := billing.NewTable(billing.EUR, []billing.Rate{rate})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.led.SetTariff(ctx, tab, time.Now().Add(-time.Hour), "test", "test tariff"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.led.TopUp(ctx, credit, "admin:test", "test credit"); err != nil {
		t.Fatal(err)
	}
	if e.user, err = e.st.CreateUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	return e
}

// testPage returns page n of a document: n bars at the top stand for its
// "page n of m" header, and a pattern that differs per page fills it.
func testPage(t *testing.T, n int) *pages.Page {
	t.Helper()
	p, err := pages.NewPage(pages.WidthA4, 600)
	if err != nil {
		t.Fatal(err)
	}
	p.XDPI, p.YDPI = 204, 196
	for i := range n {
		for y := 10; y < 30; y++ {
			for x := 100 + 40*i; x < 120+40*i; x++ {
				p.Set(x, y, true)
			}
		}
	}
	for y := 50; y < 580; y++ {
		for x := 60; x < pages.WidthA4-60; x++ {
			if (x/(5+n)+y/(3+n))%4 == 0 {
				p.Set(x, y, true)
			}
		}
	}
	return p
}

// submit stores a message of the given pages, one TIFF-F file each, to
// number.
func (e *env) submit(t *testing.T, doc []*pages.Page) store.Message {
	t.Helper()
	m, err := e.st.CreateMessage(context.Background(), store.NewMessage{Sender: e.user.ID, Subject: "test",
		Recipients: []store.Recipient{{Field: store.To, Number: number}}, Pages: e.pageFiles(t, "", doc)})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// pageFiles writes doc as one TIFF-F file a page, named prefix+"page<n>.tif".
func (e *env) pageFiles(t *testing.T, prefix string, doc []*pages.Page) []store.PageFile {
	t.Helper()
	var files []store.PageFile
	for i, p := range doc {
		var buf bytes.Buffer
		tw, err := pages.NewTIFFWriter(&buf, 1)
		if err != nil {
			t.Fatal(err)
		}
		if err := tw.WritePage(p, pages.EncoderOptions{Coding: pages.MH, Width: p.Width, AlignEOL: true, RTC: true}); err != nil {
			t.Fatal(err)
		}
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("%spage%d.tif", prefix, i+1)
		_, sum, err := store.WriteFile(filepath.Join(e.dir, name), &buf, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, store.PageFile{Index: i + 1, Path: name, SHA256: sum})
	}
	return files
}

// remote is the far end of a simulated line: a fax machine made of
// Faxbox's own receiver (t30.Receive).
type remote struct {
	line *sim.Line
	m    *modem.Modem
	// answer decides, per ring of call n (from 1), whether to take call n.
	answer func(call int) bool
	// onEvent sees the receiver's events of call n.
	onEvent func(call int, e t30.Event)

	mu    sync.Mutex
	calls [][]*pages.Page // the pages received in each answered call
	rings int             // calls that rang
}

// newLine returns the sending modem of a simulated line and the remote at
// its other end, reset but not yet answering (see serve).
func newLine(t *testing.T, lc sim.LineConfig) (*modem.Modem, *remote) {
	t.Helper()
	return newLineConfig(t, lc, modem.Config{})
}

// newLineConfig is newLine with the modem's configuration; lc.Scale
// defaults to scale.
func newLineConfig(t *testing.T, lc sim.LineConfig, mc modem.Config) (*modem.Modem, *remote) {
	t.Helper()
	if lc.Scale == 0 {
		lc.Scale = scale
	}
	line := sim.NewLine(lc, sim.Config{Number: "3225550100"}, sim.Config{})
	a := modem.New(line.A().Conn(), mc)
	b := modem.New(line.B().Conn(), modem.Config{})
	t.Cleanup(func() { a.Close(); b.Close(); line.Close() })
	if err := b.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	return a, &remote{line: line, m: b}
}

// serve answers calls until ctx ends.
func (r *remote) serve(ctx context.Context) {
	for ctx.Err() == nil {
		if _, err := r.m.WaitRing(ctx); err != nil {
			continue
		}
		r.mu.Lock()
		r.rings++
		n := r.rings
		r.mu.Unlock()
		if r.answer != nil && !r.answer(n) {
			// Let it ring out: wait for the rings to stop.
			for {
				rctx, cancel := context.WithTimeout(ctx, 7*time.Second/scale*2)
				_, err := r.m.WaitRing(rctx)
				cancel()
				if err != nil {
					break
				}
			}
			continue
		}
		var got []*pages.Page
		t30.Receive(ctx, r.m, t30.Options{Ident: "+32 2 555 1212",
			OnPage: func(p t30.ReceivedPage) error { got = append(got, p.Page); return nil },
			OnEvent: func(e t30.Event) {
				if r.onEvent != nil {
					r.onEvent(n, e)
				}
			}})
		r.mu.Lock()
		r.calls = append(r.calls, got)
		r.mu.Unlock()
	}
}

func (r *remote) received() [][]*pages.Page {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]*pages.Page(nil), r.calls...)
}

// runPool runs a pool of one modem until job ends in a final state.
// onEvent, if not nil, sees the sender's events.
func (e *env) runPool(t *testing.T, m daemon.Modem, job int64, onEvent func(t30.Event)) store.Job {
	t.Helper()
	return e.run(t, daemon.Config{Lines: []daemon.Line{{Name: "sim0", Modem: m}},
		Fax: t30.Options{Ident: "+32 2 555 0100", OnEvent: onEvent}}, job)[0]
}

// run runs a pool configured as cfg (the store, the ledger, the dial
// plan, the back-off and the poll filled in when not set) until every job
// of jobs is final, and returns them with their attempts.
func (e *env) run(t *testing.T, cfg daemon.Config, jobs ...int64) []store.Job {
	t.Helper()
	cfg.Store, cfg.Ledger = e.st, e.led
	if cfg.DialPlan.Country == "" {
		cfg.DialPlan = numbers.DialPlan{Country: "BE"}
	}
	if cfg.Backoff == (daemon.Backoff{}) {
		cfg.Backoff = fastBackoff
	}
	if cfg.Poll == 0 {
		cfg.Poll = time.Second
	}
	p, err := daemon.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	return e.waitJobs(t, 90*time.Second, jobs...)
}

// waitJobs waits up to limit until every job of ids is final.
func (e *env) waitJobs(t *testing.T, limit time.Duration, ids ...int64) []store.Job {
	t.Helper()
	out := make([]store.Job, len(ids))
	deadline := time.Now().Add(limit)
	for i := 0; i < len(ids); {
		j, err := e.st.GetJob(context.Background(), ids[i])
		if err != nil {
			t.Fatal(err)
		}
		if j.State.Final() {
			out[i] = j
			i++
			continue
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d not final after %v: %v", j.ID, limit, j.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return out
}

// runUntilCleanup runs p until the test ends (or ctx does), then checks
// that Run returned nil. It returns the context Run runs with.
func runUntilCleanup(t *testing.T, ctx context.Context, p *daemon.Pool) context.Context {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return ctx
}

// charges returns the ledger's charge entries.
func (e *env) charges(t *testing.T) []billing.Entry {
	t.Helper()
	es, err := e.led.Entries(context.Background(), time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var out []billing.Entry
	for _, x := range es {
		if x.Kind == billing.KindCharge {
			out = append(out, x)
		}
	}
	if err := e.led.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkCharge checks that a charge is the tariff applied to an attempt's
// connected time (which the store keeps in whole milliseconds).
func checkCharge(t *testing.T, c billing.Entry, a store.Attempt) {
	t.Helper()
	checkChargeFrom(t, c, a, 0)
}

// checkChargeFrom checks the charge of an attempt on a line whose meter
// adds allowance to the connected time.
func checkChargeFrom(t *testing.T, c billing.Entry, a store.Attempt, allowance time.Duration) {
	t.Helper()
	if a.Duration <= 0 {
		t.Fatalf("attempt %d: connected %v", a.Number, a.Duration)
	}
	d := a.Duration + allowance
	if got := -c.Amount; got != rate.Cost(d) && got != rate.Cost(d+time.Millisecond) {
		t.Fatalf("attempt %d: charged %d for %v connected and %v before, tariff says %d", a.Number, got, a.Duration, allowance, rate.Cost(d))
	}
}

func samePages(t *testing.T, got, want []*pages.Page) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d pages received, want %d", len(got), len(want))
	}
	for i := range got {
		if !got[i].Equal(want[i]) {
			t.Fatalf("received page %d differs from what was sent", i+1)
		}
	}
}

func reasons(j store.Job) string {
	var rs []string
	for _, a := range j.History {
		rs = append(rs, a.ReasonCode)
	}
	return strings.Join(rs, ",")
}

// TestDelivered: one job, answered, delivered; the store shows every page
// confirmed and the charge is the tariff for the connected time.
func TestDelivered(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	doc := []*pages.Page{testPage(t, 1), testPage(t, 2)}
	msg := e.submit(t, doc)
	a, r := newLine(t, sim.LineConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.serve(ctx)

	// While the call goes on, the attempt already shows the rate trained
	// and the remote's ident (the sender sees "connected at 14400").
	var during store.Attempt
	onEvent := func(ev t30.Event) {
		if pc, ok := ev.(t30.PageConfirmed); ok && pc.Page == 1 {
			if j, err := e.st.GetJob(ctx, msg.Jobs[0].ID); err == nil && j.State == store.Sending && len(j.History) == 1 {
				during = j.History[0]
			}
		}
	}
	j := e.runPool(t, a, msg.Jobs[0].ID, onEvent)
	if j.State != store.Delivered || j.PagesConfirmed != 2 || j.PagesTotal != 2 || j.Attempts != 1 {
		t.Fatalf("job %+v", j)
	}
	if during.BitRate != 14400 || during.RemoteIdent != "+32 2 555 1212" || !during.Ended.IsZero() {
		t.Fatalf("the attempt during the call: %+v; want 14400 bit/s and the remote's ident", during)
	}
	j, _ = e.st.GetJob(ctx, j.ID)
	at := j.History[0]
	if at.PagesConfirmed != 2 || at.Modem != "sim0" || at.ReasonCode != "ok" || at.BitRate != 14400 || at.RemoteIdent != "+32 2 555 1212" {
		t.Fatalf("attempt %+v", at)
	}
	cs := e.charges(t)
	if len(cs) != 1 {
		t.Fatalf("%d charges", len(cs))
	}
	checkCharge(t, cs[0], at)
	acct, _ := e.led.Account(ctx, "")
	if acct.OpenHolds != 0 || acct.Balance != 50*billing.Unit+cs[0].Amount {
		t.Fatalf("account %+v", acct)
	}
	calls := r.received()
	if len(calls) != 1 {
		t.Fatalf("%d calls received", len(calls))
	}
	samePages(t, calls[0], doc)
	t.Logf("delivered in %v connected, charged %s", at.Duration, billing.EUR.Format(-cs[0].Amount))
}

// TestBusyThenDelivered: the remote is off hook for the first call (busy)
// and answers the retry.
func TestBusyThenDelivered(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	doc := []*pages.Page{testPage(t, 1)}
	msg := e.submit(t, doc)
	a, r := newLine(t, sim.LineConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// ATA with nothing ringing: the far end is off hook, talking to
	// nobody, so a call to it is BUSY.
	if err := r.m.Answer(ctx); err != nil {
		t.Fatal(err)
	}
	go func() {
		// Hang up once the first attempt has ended busy, then serve.
		for ctx.Err() == nil {
			j, err := e.st.GetJob(ctx, msg.Jobs[0].ID)
			if err == nil && j.Attempts == 1 && j.State == store.Retry {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if err := r.m.HangUp(ctx); err != nil {
			t.Error(err)
		}
		r.serve(ctx)
	}()

	j := e.runPool(t, a, msg.Jobs[0].ID, nil)
	j, _ = e.st.GetJob(ctx, j.ID)
	if j.State != store.Delivered || j.Attempts != 2 || reasons(j) != "busy,ok" {
		t.Fatalf("job %v after %d attempts: %s", j.State, j.Attempts, reasons(j))
	}
	if j.History[0].Duration != 0 || !j.History[0].Connected.IsZero() {
		t.Fatalf("busy attempt %+v", j.History[0])
	}
	cs := e.charges(t)
	if len(cs) != 1 {
		t.Fatalf("%d charges, want 1 (busy is free)", len(cs))
	}
	checkCharge(t, cs[0], j.History[1])
	samePages(t, r.received()[0], doc)
}

// TestNeverAnswers: three attempts, each unanswered, then failed with the
// reason in plain words; nothing charged.
func TestNeverAnswers(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	msg := e.submit(t, []*pages.Page{testPage(t, 1)})
	a, r := newLine(t, sim.LineConfig{AnswerTimeout: 20 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.answer = func(int) bool { return false }
	go r.serve(ctx)

	j := e.runPool(t, a, msg.Jobs[0].ID, nil)
	j, _ = e.st.GetJob(ctx, j.ID)
	if j.State != store.Failed || j.Attempts != 3 || reasons(j) != "no-answer,no-answer,no-answer" {
		t.Fatalf("job %v after %d attempts: %s", j.State, j.Attempts, reasons(j))
	}
	if j.ReasonCode != "no-answer" || !strings.Contains(j.ReasonText, "gave up after 3 attempts") {
		t.Fatalf("reason %q: %q", j.ReasonCode, j.ReasonText)
	}
	if cs := e.charges(t); len(cs) != 0 {
		t.Fatalf("charged %v", cs)
	}
	if r.rings == 0 {
		t.Fatal("the remote never rang")
	}
	t.Logf("failed: %s", j.ReasonText)
}

// TestDroppedAtPage2: the line is cut when page 2 of 3 starts; the retry
// sends only pages 2 and 3, each as it was, and the receiver ends with all
// three.
func TestDroppedAtPage2(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	doc := []*pages.Page{testPage(t, 1), testPage(t, 2), testPage(t, 3)}
	msg := e.submit(t, doc)
	a, r := newLine(t, sim.LineConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.serve(ctx)
	// Cut the line when the sender starts page 2 of the first call: page
	// 1 is confirmed (MCF) by then.
	cut := false
	j := e.runPool(t, a, msg.Jobs[0].ID, func(ev t30.Event) {
		if ps, ok := ev.(t30.PageStarted); ok && !cut && ps.Page == 2 {
			cut = true
			r.line.Cut()
		}
	})
	j, _ = e.st.GetJob(ctx, j.ID)
	if j.State != store.Delivered || j.Attempts != 2 || j.PagesConfirmed != 3 {
		t.Fatalf("job %v after %d attempts (%s), %d pages confirmed", j.State, j.Attempts, reasons(j), j.PagesConfirmed)
	}
	first, second := j.History[0], j.History[1]
	if first.PagesConfirmed != 1 || first.ReasonCode == "ok" || second.FirstPage != 2 || second.PagesConfirmed != 2 {
		t.Fatalf("attempts %+v\n%+v", first, second)
	}
	calls := r.received()
	if len(calls) != 2 {
		t.Fatalf("%d calls received", len(calls))
	}
	samePages(t, calls[0], doc[:1])
	samePages(t, calls[1], doc[1:])
	cs := e.charges(t)
	if len(cs) != 2 {
		t.Fatalf("%d charges", len(cs))
	}
	checkCharge(t, cs[0], first)
	checkCharge(t, cs[1], second)
	t.Logf("first attempt: %s (%s)", first.ReasonCode, first.ReasonText)
}

// TestTooLittleCredit: below the minimum available credit the job fails
// with the credit reason and nothing is dialled.
func TestTooLittleCredit(t *testing.T) {
	e := newEnv(t, 5*billing.Unit) // the 10 EUR rule applies
	msg := e.submit(t, []*pages.Page{testPage(t, 1)})
	a, r := newLine(t, sim.LineConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.serve(ctx)

	j := e.runPool(t, a, msg.Jobs[0].ID, nil)
	if j.State != store.Failed || j.Attempts != 1 || j.ReasonCode != daemon.ReasonCredit || !strings.Contains(j.ReasonText, "credit exhausted") {
		t.Fatalf("job %v, %d attempts, %q: %q", j.State, j.Attempts, j.ReasonCode, j.ReasonText)
	}
	if r.rings != 0 {
		t.Fatalf("the remote rang %d times", r.rings)
	}
	acct, _ := e.led.Account(ctx, "")
	if acct.Available != 5*billing.Unit || acct.OpenHolds != 0 {
		t.Fatalf("account %+v", acct)
	}
	t.Logf("failed: %s", j.ReasonText)
}

// freezing is a sending modem that stops responding (sim.Modem.Freeze) when
// it first starts a page, if it is the first of the pool to do so.
type freezing struct {
	*modem.Modem
	sim  *sim.Modem
	once *sync.Once
}

func (f freezing) SendData(ctx context.Context, mod modem.Modulation, r io.Reader) (int64, error) {
	f.once.Do(f.sim.Freeze)
	return f.Modem.SendData(ctx, mod, r)
}

// TestModemFailure: the modem that makes the first call hangs in the middle
// of it; the job is retried at once on the other modem and delivered, and
// the failed modem is out of service, its power cycled and probed again.
func TestModemFailure(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	doc := []*pages.Page{testPage(t, 1)}
	msg := e.submit(t, doc)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	var lines []daemon.Line
	var mu sync.Mutex
	cycles := map[string]int{}
	for i := range 2 {
		a, r := newLineConfig(t, sim.LineConfig{}, modem.Config{ResponseTimeout: 500 * time.Millisecond})
		go r.serve(ctx)
		name := fmt.Sprintf("sim%d", i)
		lines = append(lines, daemon.Line{Name: name, Modem: freezing{a, r.line.A(), &once},
			PowerCycle: func(context.Context) error { mu.Lock(); cycles[name]++; mu.Unlock(); return nil }})
	}
	p, err := daemon.New(daemon.Config{Store: e.st, Ledger: e.led, Lines: lines,
		DialPlan: numbers.DialPlan{Country: "BE"}, Backoff: fastBackoff,
		Poll: time.Second, ProbeEvery: 200 * time.Millisecond, ResetTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	var j store.Job
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if j, err = e.st.GetJob(ctx, msg.Jobs[0].ID); err != nil || j.State.Final() {
			break
		}
	}
	j, _ = e.st.GetJob(ctx, j.ID)
	if j.State != store.Delivered || reasons(j) != "modem,ok" || j.History[0].Modem == j.History[1].Modem {
		t.Fatalf("job %v: %s", j.State, reasons(j))
	}
	bad := j.History[0].Modem
	var st daemon.ModemStatus
	for _, s := range p.Status() {
		if s.Name == bad {
			st = s
		}
	}
	mu.Lock()
	n := cycles[bad]
	mu.Unlock()
	if st.State != daemon.ModemOutOfOrder && st.State != daemon.ModemProbing || n == 0 {
		t.Fatalf("failed modem %+v, power-cycled %d times", st, n)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	t.Logf("modem %s: %v (%s) after %d power cycles; first attempt: %s", bad, st.State, st.Err, n, j.History[0].ReasonText)
}
