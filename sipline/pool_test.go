package sipline_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/config"
	"faxbox/firmware/daemon"
	"faxbox/firmware/events"
	"faxbox/firmware/numbers"
	"faxbox/firmware/store"
	"faxbox/pages"
	"faxbox/sip"
	"faxbox/sipline"
	"faxbox/t30"
	"faxbox/t38"
)

// rate is the test tariff: Belgium at 1.20 EUR a minute, per second.
var rate = billing.Rate{Prefix: "32", Name: "Belgium", Currency: billing.EUR, PerMinute: 1_200_000, First: 1, Step: 1}

// poolEnv is a daemon pool whose one line is a SIP line ("sip/1" of
// account 4420), and a second account, 4930, the far fax: Faxbox's own
// T.30 over another SIP line.
type poolEnv struct {
	dir  string
	st   *store.Store
	led  *billing.Ledger
	user store.User
	ours *sipline.Account
	far  *sipline.Account
	pool *daemon.Pool
}

func newPoolEnv(t *testing.T) *poolEnv { return newPoolEnvCredit(t, 50*billing.Unit, 0) }

// newPoolEnvCredit is newPoolEnv with credit on the account and minimum
// as the ledger's MinAvailable.
func newPoolEnvCredit(t *testing.T, credit, minimum billing.Amount) *poolEnv {
	t.Helper()
	ctx := context.Background()
	e := &poolEnv{dir: t.TempDir()}
	var err error
	if e.st, err = store.Open(ctx, store.Config{Path: filepath.Join(e.dir, "faxbox.db"), MaxAttempts: 2}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.st.Close() })
	if e.led, err = billing.Open(ctx, billing.Config{Path: filepath.Join(e.dir, "ledger.db"), MinAvailable: minimum}); err != nil {
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
	// The far fax paces its signals as a gateway does (CED for 3 s), so
	// that the call's billed time, from the 200 OK, clearly exceeds the
	// engine's connected time.
	e.far = account(t, "4930", 1, true)
	// The account's domain is the far fax's address: the dial plan's
	// digits are called there.
	cfg := sip.Default()
	cfg.Listen, cfg.User, cfg.Number, cfg.MaxCalls = "127.0.0.1", "fax", "4420", 1
	cfg.Domain = e.far.Agent().Addr().String()
	p := freePort(t)
	cfg.SIPPorts = sip.PortRange{Lo: p, Hi: min(p+20, 65535)}
	cfg.MediaPorts = sip.PortRange{Lo: 44000, Hi: 44099}
	if e.ours, err = sipline.Open(cfg, sipline.Options{T38: t38.Config{NoPacing: true}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.ours.Close() })
	line := e.ours.Lines()[0]
	e.pool, err = daemon.New(daemon.Config{Store: e.st, Ledger: e.led,
		Lines:    []daemon.Line{{Name: line.Name(), Modem: line, Answer: daemon.AnswerPolicy{Mode: config.AnswerRings, Rings: 1}}},
		DialPlan: numbers.DialPlan{Country: "BE"}, Fax: t30.Options{Ident: "+32 2 555 0100"}, Poll: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.pool.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return e
}

// submit queues doc, one TIFF-F file a page, to +3225551212.
func (e *poolEnv) submit(t *testing.T, doc []*pages.Page) store.Message {
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
		name := filepath.Join("pages", "p"+string(rune('1'+i))+".tif")
		if err := os.MkdirAll(filepath.Join(e.dir, "pages"), 0o755); err != nil {
			t.Fatal(err)
		}
		_, sum, err := store.WriteFile(filepath.Join(e.dir, name), &buf, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, store.PageFile{Index: i + 1, Path: name, SHA256: sum})
	}
	m, err := e.st.CreateMessage(context.Background(), store.NewMessage{Sender: e.user.ID, Subject: "test",
		Recipients: []store.Recipient{{Field: store.To, Number: "+3225551212"}}, Pages: files})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// waitJob waits until job id is final.
func (e *poolEnv) waitJob(t *testing.T, id int64) store.Job {
	t.Helper()
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		j, err := e.st.GetJob(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if j.State.Final() {
			return j
		}
	}
	t.Fatalf("job %d not final after 90 s", id)
	return store.Job{}
}

// farReceives answers the next call on the far account with Faxbox's
// receiver and returns the pages it confirmed.
func (e *poolEnv) farReceives(ctx context.Context) <-chan []*pages.Page {
	out := make(chan []*pages.Page, 1)
	go func() {
		l := e.far.Lines()[0]
		var got []*pages.Page
		if _, err := l.WaitRing(ctx); err == nil {
			t30.Receive(ctx, l, t30.Options{Ident: "+32 2 555 1212", OnPage: func(p t30.ReceivedPage) error {
				got = append(got, p.Page)
				return nil
			}})
			_ = l.HangUp(ctx)
		}
		out <- got
	}()
	return out
}

// TestPoolOnSIPLine: the daemon's pool runs one SIP line as it runs a
// modem: a queued job goes out on it and is delivered, charged by the
// tariff for the time from 200 OK to BYE, with the SIP dialog and T.38
// packets in the attempt's trace; then a call to the line is answered and
// lands in the inbox with the caller's number.
func TestPoolOnSIPLine(t *testing.T) {
	e := newPoolEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	doc := []*pages.Page{testPage(t), testPage(t)}
	rx := e.farReceives(ctx)
	msg := e.submit(t, doc)
	j := e.waitJob(t, msg.Jobs[0].ID)
	if j.State != store.Delivered || j.PagesConfirmed != 2 {
		t.Fatalf("job %+v", j)
	}
	got := <-rx
	if len(got) != 2 || !got[0].Equal(doc[0]) || !got[1].Equal(doc[1]) {
		t.Fatalf("the far fax received %d pages, not those sent", len(got))
	}
	rec := e.ours.Lines()[0].Record()
	if rec.Target != "sip:025551212@"+e.far.Agent().Addr().String() {
		t.Fatalf("called %q", rec.Target)
	}
	at := j.History[0]
	charge := chargeOf(t, e.led)
	if rec.Billed() < at.Duration+2*time.Second || -charge != rate.Cost(rec.Billed()) && -charge != rate.Cost(rec.Billed().Round(time.Millisecond)) {
		t.Fatalf("charged %d for %v from 200 OK to BYE (%v connected); tariff says %d", -charge, rec.Billed(), at.Duration, rate.Cost(rec.Billed()))
	}
	tr, err := os.ReadFile(filepath.Join(e.dir, at.TracePath))
	if err != nil || !strings.Contains(string(tr), "INVITE sip:025551212@") || !strings.Contains(string(tr), "T.38 data:v21") {
		t.Fatalf("attempt trace %s: %v\n%.3000s", at.TracePath, err, tr)
	}

	// An incoming call on the SIP line lands in the inbox.
	l := e.far.Lines()[0]
	res := t30.Send(ctx, l, "sip:4420@"+e.ours.Agent().Addr().String(), t30.Pages(doc), t30.Options{Ident: "+32 2 555 9999"})
	_ = l.HangUp(ctx)
	if !res.OK() {
		t.Fatalf("sending to the pool: %+v", res)
	}
	r := waitReceived(t, e.st)
	if r.Pages != 2 || r.CallerIdent != "+32 2 555 9999" || r.CallerID != "4930" || r.Modem != "sip/1" || r.Partial {
		t.Fatalf("received %+v", r)
	}
	if c := chargesOf(t, e.led); len(c) != 1 {
		t.Fatalf("%d charges: a received fax cost credit", len(c))
	}
	t.Logf("delivered: %v connected, %v billed, charged %s", at.Duration, rec.Billed(), billing.EUR.Format(-charge))
}

func entries(t *testing.T, led *billing.Ledger) []billing.Entry {
	t.Helper()
	es, err := led.Entries(context.Background(), time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func chargesOf(t *testing.T, led *billing.Ledger) []billing.Entry {
	t.Helper()
	var out []billing.Entry
	for _, x := range entries(t, led) {
		if x.Kind == billing.KindCharge {
			out = append(out, x)
		}
	}
	return out
}

func chargeOf(t *testing.T, led *billing.Ledger) billing.Amount {
	t.Helper()
	cs := chargesOf(t, led)
	if len(cs) != 1 {
		t.Fatalf("%d charges", len(cs))
	}
	if err := led.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	return cs[0].Amount
}

// waitReceived waits for the store's first received fax.
func waitReceived(t *testing.T, st *store.Store) store.Received {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		evs, err := st.EventsSince(context.Background(), 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if ev.Kind != events.KindReceived {
				continue
			}
			pl, err := ev.Decode()
			if err != nil {
				t.Fatal(err)
			}
			p := pl.(events.ReceivedEvent)
			r, err := st.GetReceived(context.Background(), p.Received)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
	}
	t.Fatal("no fax received in 60 s")
	return store.Received{}
}

// TestPoolSIPCreditLimitFromAnswer: on a SIP line the credit limit runs
// from the 200 OK, as the meter does, not from the T.30 engine's
// connection about 3 s later (the far fax's CED): the call is ended when
// its billed time reaches the limit the credit allows, and charged the
// tariff of that time, not capped.
func TestPoolSIPCreditLimitFromAnswer(t *testing.T) {
	// 0.60 EUR at 1.20 EUR a minute: 30 s, less the ledger's hang-up
	// guard (5 s) and the engine's hang-up margin: the limit.
	const credit = 60 * billing.Unit / 100
	e := newPoolEnvCredit(t, credit, -1)
	limit := 30*time.Second - 5*time.Second - t30.HangUpMargin
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var doc []*pages.Page
	for range 14 {
		doc = append(doc, testPage(t))
	}
	rx := e.farReceives(ctx)
	msg := e.submit(t, doc)
	j := e.waitJob(t, msg.Jobs[0].ID)
	<-rx
	if j.State != store.Failed || j.ReasonCode != "credit" || j.PagesConfirmed == 0 || j.PagesConfirmed == len(doc) {
		t.Fatalf("job %+v", j)
	}
	rec := e.ours.Lines()[0].Record()
	// The DCN and BYE after the limit take well under a second on
	// loopback; a limit from CONNECT would let the call run 3 s longer.
	if rec.Billed() < limit || rec.Billed() > limit+2*time.Second {
		t.Fatalf("billed %v from 200 OK to BYE; the credit's limit is %v from the 200 OK", rec.Billed(), limit)
	}
	info, err := e.led.Call(ctx, billing.CallID(j.ID, 1))
	if err != nil {
		t.Fatal(err)
	}
	charge := chargeOf(t, e.led)
	// The ledger keeps whole milliseconds.
	ms := rec.Billed().Truncate(time.Millisecond)
	if info.Capped || -charge != rate.Cost(rec.Billed()) && -charge != rate.Cost(ms) || -charge > credit {
		t.Fatalf("charged %d (capped %v) for %v billed; tariff says %d; credit %d", -charge, info.Capped, rec.Billed(), rate.Cost(rec.Billed()), credit)
	}
	t.Logf("%d of %d pages, %v billed, %v connected, charged %s", j.PagesConfirmed, len(doc), rec.Billed(), j.History[0].Duration, billing.EUR.Format(-charge))
}
