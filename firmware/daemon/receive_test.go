package daemon_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/config"
	"faxbox/firmware/daemon"
	"faxbox/firmware/events"
	"faxbox/firmware/numbers"
	"faxbox/firmware/store"
	"faxbox/modem"
	"faxbox/modem/sim"
	"faxbox/pages"
	"faxbox/t30"
)

// The caller's number, as the pool's modem shows it in the caller ID, and
// its identity (TSI).
const (
	callerNumber = "3225559999"
	callerIdent  = "+32 2 555 9999"
)

// logBuf collects a pool's log lines.
type logBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuf) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// rxEnv is a pool of one modem ("sim0", with caller ID) on a simulated
// line, and the caller's modem at the line's other end.
type rxEnv struct {
	*env
	line   *sim.Line
	caller *modem.Modem
	pool   *daemon.Pool
	log    logBuf
	ledger int // ledger entries before the pool ran
}

// newRx starts a pool whose line answers as policy says; cfg's store,
// ledger, lines and defaults are filled in.
func newRx(t *testing.T, lc sim.LineConfig, policy daemon.AnswerPolicy, cfg daemon.Config) *rxEnv {
	t.Helper()
	e := &rxEnv{env: newEnv(t, 50*billing.Unit)}
	lc.Scale = scale
	e.line = sim.NewLine(lc, sim.Config{Number: "3225550100"}, sim.Config{Number: callerNumber})
	a := modem.New(e.line.A().Conn(), modem.Config{CallerID: true})
	e.caller = modem.New(e.line.B().Conn(), modem.Config{})
	t.Cleanup(func() { a.Close(); e.caller.Close(); e.line.Close() })
	if err := e.caller.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	es, err := e.led.Entries(context.Background(), time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	e.ledger = len(es)
	cfg.Store, cfg.Ledger = e.st, e.led
	cfg.Lines = []daemon.Line{{Name: "sim0", Modem: a, Answer: policy}}
	cfg.DialPlan = numbers.DialPlan{Country: "BE"}
	cfg.Backoff, cfg.Poll = fastBackoff, time.Second
	cfg.Fax.Ident = "+32 2 555 0100"
	cfg.Logger = e.log.logger()
	if e.pool, err = daemon.New(cfg); err != nil {
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
	waitState(t, e.pool, "sim0", daemon.ModemIdle)
	return e
}

// send calls the pool's modem and sends doc with Faxbox's own sender.
func (e *rxEnv) send(ctx context.Context, doc []*pages.Page, onEvent func(t30.Event)) t30.Result {
	return t30.Send(ctx, e.caller, "3225550100", t30.Pages(doc), t30.Options{Ident: callerIdent, OnEvent: onEvent})
}

// events returns the store's events of the given kinds.
func (e *rxEnv) events(t *testing.T, kinds ...events.Kind) []store.Event {
	t.Helper()
	evs, err := e.st.EventsSince(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Event
	for _, ev := range evs {
		for _, k := range kinds {
			if ev.Kind == k {
				out = append(out, ev)
			}
		}
	}
	return out
}

// waitReceived waits for the events.KindReceived of the next fax and returns
// the fax with its pages decoded from their files.
func (e *rxEnv) waitReceived(t *testing.T) (store.Received, []*pages.Page) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		evs := e.events(t, events.KindReceived)
		if len(evs) == 0 {
			continue
		}
		pl, err := evs[0].Decode()
		if err != nil {
			t.Fatal(err)
		}
		p := pl.(events.ReceivedEvent)
		r, err := e.st.GetReceived(context.Background(), p.Received)
		if err != nil {
			t.Fatal(err)
		}
		var got []*pages.Page
		for _, f := range r.Files {
			data, err := os.ReadFile(filepath.Join(e.dir, f.Path))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(f.Path, daemon.ReceivedDir+string(filepath.Separator)) {
				t.Errorf("page file %s is not under %s/", f.Path, daemon.ReceivedDir)
			}
			ps, _, err := pages.ReadTIFF(data)
			if err != nil || len(ps) != 1 {
				t.Fatalf("page %d: %d pages, %v", f.Index, len(ps), err)
			}
			got = append(got, ps[0])
		}
		return r, got
	}
	t.Fatalf("no fax received; log:\n%s", e.log.String())
	return store.Received{}, nil
}

// checkFree checks that the ledger saw no entry since the pool started:
// receiving costs nothing.
func (e *rxEnv) checkFree(t *testing.T) {
	t.Helper()
	es, err := e.led.Entries(context.Background(), time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != e.ledger {
		t.Fatalf("the ledger has %d entries after receiving, %d before", len(es), e.ledger)
	}
}

// answerAtOnce answers at the second ring: the caller ID comes between
// the first and the second.
var answerAtOnce = daemon.AnswerPolicy{Mode: config.AnswerRings, Rings: 2}

// TestReceive: a 3-page fax comes in; the pages stored are those sent,
// each is in the store (with its event) before the caller hears it
// confirmed, and the caller's identity and number are kept.
func TestReceive(t *testing.T) {
	e := newRx(t, sim.LineConfig{}, answerAtOnce, daemon.Config{})
	doc := []*pages.Page{testPage(t, 1), testPage(t, 2), testPage(t, 3)}
	var seen []int // page events in the store when the caller heard each MCF
	res := e.send(context.Background(), doc, func(ev t30.Event) {
		if _, ok := ev.(t30.PageConfirmed); ok {
			seen = append(seen, len(e.events(t, events.KindReceivedPage)))
		}
	})
	if !res.OK() || res.Pages != 3 {
		t.Fatalf("sender: %+v", res)
	}
	r, got := e.waitReceived(t)
	samePages(t, got, doc)
	if r.Partial || r.Receiving || r.Pages != 3 || r.CallerIdent != callerIdent || r.CallerID != callerNumber ||
		r.Modem != "sim0" || r.Quality != "good" || r.Duration <= 0 || r.Call.ReasonCode != "ok" || len(r.PageQuality) != 3 {
		t.Fatalf("stored %+v", r)
	}
	if want := []int{1, 2, 3}; len(seen) != 3 || seen[0] != 1 || seen[1] != 2 || seen[2] != 3 {
		t.Fatalf("page events when each page was confirmed: %v, want %v", seen, want)
	}
	for i, ev := range e.events(t, events.KindReceivedPage) {
		pl, err := ev.Decode()
		if p, ok := pl.(events.ReceivedPageEvent); err != nil || !ok || p.Received != r.ID || p.Page != i+1 {
			t.Fatalf("page event %d: %s", i+1, ev.Payload)
		}
	}
	e.checkFree(t)
	if st := e.pool.Status()[0]; st.Answered != 1 {
		t.Fatalf("status %+v", st)
	}
}

// TestReceiveDropped: the line drops after page 2 is confirmed: the fax
// is kept, partial, with its two pages.
func TestReceiveDropped(t *testing.T) {
	e := newRx(t, sim.LineConfig{}, answerAtOnce, daemon.Config{})
	doc := []*pages.Page{testPage(t, 1), testPage(t, 2), testPage(t, 3)}
	res := e.send(context.Background(), doc, func(ev t30.Event) {
		if c, ok := ev.(t30.PageConfirmed); ok && c.Page == 2 {
			e.line.CutAfter(300 * time.Millisecond)
		}
	})
	if res.OK() || res.Pages != 2 {
		t.Fatalf("sender: %+v", res)
	}
	r, got := e.waitReceived(t)
	samePages(t, got, doc[:2])
	if !r.Partial || r.Receiving || r.Pages != 2 || r.CallerIdent != callerIdent {
		t.Fatalf("stored %+v", r)
	}
	e.checkFree(t)
}

// TestReceiveNotFax: a caller that hangs up on hearing the fax tones (a
// person), and one that stays silent: nothing is stored, and the call is
// logged as not a fax.
func TestReceiveNotFax(t *testing.T) {
	for _, tc := range []struct {
		name string
		stay time.Duration
	}{{"voice", time.Second}, {"silence", time.Minute}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newRx(t, sim.LineConfig{}, answerAtOnce, daemon.Config{})
			ctx, cancel := context.WithTimeout(context.Background(), tc.stay)
			defer cancel()
			if err := e.caller.Dial(ctx, "3225550100"); err != nil {
				t.Fatal(err)
			}
			hungUp := false
			for deadline := time.Now().Add(60 * time.Second); !strings.Contains(e.log.String(), "not a fax"); time.Sleep(20 * time.Millisecond) {
				if ctx.Err() != nil && !hungUp {
					hungUp = true
					e.caller.HangUp(context.Background())
				}
				if time.Now().After(deadline) {
					t.Fatalf("no \"not a fax\" in the log:\n%s", e.log.String())
				}
			}
			if !strings.Contains(e.log.String(), "result="+daemon.ReasonNotFax) {
				t.Fatalf("log:\n%s", e.log.String())
			}
			if rs, err := e.st.ListReceived(context.Background(), store.ListOptions{}); err != nil || len(rs) != 0 {
				t.Fatalf("stored %+v %v", rs, err)
			}
			if evs := e.events(t, events.KindReceived, events.KindReceivedPage); len(evs) != 0 {
				t.Fatalf("events %+v", evs)
			}
			e.checkFree(t)
			waitState(t, e.pool, "sim0", daemon.ModemIdle)
		})
	}
}

// TestAnswerPolicy: a line set to never answer, and one outside its
// hours, let the caller ring out; one set to three rings answers at the
// third.
func TestAnswerPolicy(t *testing.T) {
	night := func() time.Time { return time.Date(2026, 3, 10, 23, 30, 0, 0, time.Local) }
	office := config.TimeRange{Start: 8 * 60, End: 18 * 60}
	for _, tc := range []struct {
		name   string
		policy daemon.AnswerPolicy
		now    func() time.Time
		why    string
	}{
		{"never", daemon.AnswerPolicy{Mode: config.AnswerNever}, nil, "does not answer"},
		{"hours", daemon.AnswerPolicy{Mode: config.AnswerHours, Rings: 1, Hours: office}, night, "outside the answering hours 08:00-18:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newRx(t, sim.LineConfig{AnswerTimeout: 20 * time.Second}, tc.policy, daemon.Config{Now: tc.now})
			res := e.send(context.Background(), []*pages.Page{testPage(t, 1)}, nil)
			if res.Reason != t30.ReasonNoAnswer {
				t.Fatalf("caller: %+v", res)
			}
			if !strings.Contains(e.log.String(), tc.why) || strings.Contains(e.log.String(), "answering an incoming call") {
				t.Fatalf("log:\n%s", e.log.String())
			}
			if rs, err := e.st.ListReceived(context.Background(), store.ListOptions{}); err != nil || len(rs) != 0 {
				t.Fatalf("stored %+v %v", rs, err)
			}
		})
	}
	t.Run("rings", func(t *testing.T) {
		e := newRx(t, sim.LineConfig{}, daemon.AnswerPolicy{Mode: config.AnswerRings, Rings: 3}, daemon.Config{})
		doc := []*pages.Page{testPage(t, 1)}
		if res := e.send(context.Background(), doc, nil); !res.OK() {
			t.Fatalf("caller: %+v", res)
		}
		_, got := e.waitReceived(t)
		samePages(t, got, doc)
		if !strings.Contains(e.log.String(), "answering an incoming call") || !strings.Contains(e.log.String(), "rings=3") {
			t.Fatalf("log:\n%s", e.log.String())
		}
	})
}

// TestReceiveThenSend: a job submitted while a fax is being received waits
// for the end of that call, then goes out on the same modem.
func TestReceiveThenSend(t *testing.T) {
	e := newRx(t, sim.LineConfig{}, answerAtOnce, daemon.Config{})
	doc := []*pages.Page{testPage(t, 1), testPage(t, 2)}
	var job int64
	res := e.send(context.Background(), doc, func(ev t30.Event) {
		if c, ok := ev.(t30.PageConfirmed); ok && c.Page == 1 {
			job = e.submit(t, []*pages.Page{testPage(t, 4)}).Jobs[0].ID
		}
	})
	if !res.OK() || job == 0 {
		t.Fatalf("sender: %+v", res)
	}
	// The caller's machine now answers the job's call.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out []*pages.Page
	if _, err := e.caller.WaitRing(ctx); err != nil {
		t.Fatal(err)
	}
	back := t30.Receive(ctx, e.caller, t30.Options{OnPage: func(p t30.ReceivedPage) error { out = append(out, p.Page); return nil }})
	if !back.OK() {
		t.Fatalf("the job's call: %+v", back)
	}
	samePages(t, out, []*pages.Page{testPage(t, 4)})
	rx := e.events(t, events.KindReceived)
	var j store.Job
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var err error
		if j, err = e.st.GetJob(ctx, job); err != nil {
			t.Fatal(err)
		}
		if j.State.Final() || time.Now().After(deadline) {
			break
		}
	}
	if j.State != store.Delivered || len(j.History) != 1 || len(rx) != 1 {
		t.Fatalf("job %+v, received events %d", j, len(rx))
	}
	if started := j.History[0].Started; started.Before(rx[0].At) {
		t.Fatalf("the job dialled at %v, before the fax being received was finished at %v", started, rx[0].At)
	}
}

// TestRouting: a rule by number routes the fax to its user; by identity,
// to another; none matching, to all staff.
func TestRouting(t *testing.T) {
	in := config.Inbox{ByNumber: map[string]string{"+32": "carol", "+3225": "alice", "+44": "dave"},
		ByIdent: map[string]string{"ACME": "bob", "ACME LTD": "erin"}}
	for _, tc := range []struct{ id, ident, want string }{
		{"+32 2 555 9999", "", "alice"},
		{"3239999999", "ACME", "carol"},
		{"", "acme ltd london", "erin"},
		{"", "+44 ACME", "bob"},
		{"+33144556677", "OTHER", ""},
	} {
		if got := daemon.RouteUser(in, tc.id, tc.ident); got != tc.want {
			t.Errorf("RouteUser(%q, %q) = %q, want %q", tc.id, tc.ident, got, tc.want)
		}
	}

	e := newRx(t, sim.LineConfig{}, answerAtOnce, daemon.Config{Inbox: config.Inbox{
		ByNumber: map[string]string{"+3225": "alice"}}})
	if res := e.send(context.Background(), []*pages.Page{testPage(t, 1)}, nil); !res.OK() {
		t.Fatalf("caller: %+v", res)
	}
	r, _ := e.waitReceived(t)
	if r.User != e.user.ID {
		t.Fatalf("routed to user %d, want alice (%d)", r.User, e.user.ID)
	}
}
