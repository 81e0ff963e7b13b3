package notify_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"faxbox/firmware/notify"
	"faxbox/firmware/store"
	"faxbox/pages"
)

// wallClock is the store's and the watcher's settable clock.
type wallClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *wallClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *wallClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// countingMailer sends through a real Sender whose relay can be switched
// (down, up), counts the sends, and can refuse one address temporarily.
type countingMailer struct {
	mu      sync.Mutex
	sender  *notify.Sender
	tries   int
	refuse  string // envelope recipient refused with a 451
	refused int
	during  func() // if set, called as a send starts
}

func (m *countingMailer) Send(ctx context.Context, msg *notify.Message) error {
	m.mu.Lock()
	if m.during != nil {
		m.during()
	}
	m.tries++
	s := *m.sender
	refuse := m.refuse != "" && msg.To[0] == m.refuse
	if refuse {
		m.refused++
	}
	m.mu.Unlock()
	if refuse {
		return &notify.Error{Kind: notify.Rejected, Relay: "test", Step: "RCPT TO", Code: 451, Reply: "try later"}
	}
	return s.Send(ctx, msg)
}

func (m *countingMailer) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tries
}

func (m *countingMailer) setPort(port int) {
	m.mu.Lock()
	m.sender.Port = port
	m.mu.Unlock()
}

type watchEnv struct {
	clk    *wallClock
	st     *store.Store
	db     string
	relay  *relay
	mailer *countingMailer
	user   store.User
	addrs  map[string]string
}

func newWatchEnv(t *testing.T) *watchEnv {
	t.Helper()
	e := &watchEnv{clk: &wallClock{t: time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)},
		db: filepath.Join(t.TempDir(), "faxbox.db"), addrs: map[string]string{"alice": "alice@example.com", "bob": ""}}
	st, err := store.Open(context.Background(), store.Config{Path: e.db, Now: e.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e.st = st
	if e.user, err = st.CreateUser(context.Background(), "alice"); err != nil {
		t.Fatal(err)
	}
	e.relay = startRelay(t, &relay{}, nil, false)
	e.mailer = &countingMailer{sender: &notify.Sender{Host: "127.0.0.1", Port: e.relay.port, Timeout: 10 * time.Second}}
	return e
}

func (e *watchEnv) config() notify.WatcherConfig {
	return notify.WatcherConfig{Store: e.st, Database: e.db, Mailer: e.mailer, From: "Faxbox <fax@example.com>",
		Address: func(ctx context.Context, id int64) (string, error) {
			for name, a := range e.addrs {
				if u, err := e.st.UserByName(ctx, name); err == nil && u.ID == id {
					return a, nil
				}
			}
			return "", fmt.Errorf("no user %d", id)
		},
		Location: time.UTC, Now: e.clk.Now}
}

func (e *watchEnv) watcher(t *testing.T, edit func(*notify.WatcherConfig)) *notify.Watcher {
	t.Helper()
	cfg := e.config()
	if edit != nil {
		edit(&cfg)
	}
	w, err := notify.NewWatcher(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func poll(t *testing.T, w *notify.Watcher) time.Time {
	t.Helper()
	next, err := w.Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return next
}

// message stores a message of n real TIFF pages (MH, one file a page, as
// the API writes them) from sender to one recipient.
func (e *watchEnv) message(t *testing.T, sender store.User, n int) store.Message {
	t.Helper()
	var ps []store.PageFile
	for i := 1; i <= n; i++ {
		p, err := pages.NewPage(1728, 100)
		if err != nil {
			t.Fatal(err)
		}
		for x := range 100 * i {
			p.Set(x, 10, true)
		}
		var buf bytes.Buffer
		tw, err := pages.NewTIFFWriter(&buf, n)
		if err != nil {
			t.Fatal(err)
		}
		if err := tw.WritePage(p, pages.EncoderOptions{Coding: pages.MH, Width: p.Width, AlignEOL: true, RTC: true}); err != nil {
			t.Fatal(err)
		}
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
		rel := filepath.Join("messages", fmt.Sprintf("m%d", e.clk.Now().UnixNano()), fmt.Sprintf("page-%03d.tif", i))
		if err := os.MkdirAll(filepath.Join(e.st.Dir(), filepath.Dir(rel)), 0o755); err != nil {
			t.Fatal(err)
		}
		_, sum, err := store.WriteFile(filepath.Join(e.st.Dir(), rel), &buf, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, store.PageFile{Index: i, Path: rel, SHA256: sum})
	}
	m, err := e.st.CreateMessage(context.Background(), store.NewMessage{Sender: sender.ID, Subject: "Offer 2027",
		Recipients: []store.Recipient{{Field: store.To, Number: "+3225551212", Name: "Zoë"}}, Pages: ps})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// call makes the next attempt of the due job, as the daemon's worker
// does: claim, start, connect and confirm pages if confirm > 0, 40 s of
// call, finish with o.
func (e *watchEnv) call(t *testing.T, confirm int, o store.Outcome) (store.Job, store.Attempt) {
	t.Helper()
	ctx := context.Background()
	j, ok, err := e.st.NextJob(ctx, e.clk.Now())
	if err != nil || !ok {
		t.Fatalf("NextJob: %v %v", ok, err)
	}
	a, err := e.st.StartAttempt(ctx, j.ID, "ttyS0")
	if err != nil {
		t.Fatal(err)
	}
	if confirm > 0 {
		if err := e.st.RecordConnected(ctx, a.ID, store.Params{BitRate: 14400}); err != nil {
			t.Fatal(err)
		}
		for p := a.FirstPage; p < a.FirstPage+confirm; p++ {
			if _, err := e.st.RecordPageConfirmed(ctx, a.ID, p); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.clk.Advance(40 * time.Second)
	if o.Next == store.Retry {
		o.RetryAt = e.clk.Now().Add(10 * time.Minute)
	}
	j, err = e.st.FinishAttempt(ctx, a.ID, o)
	if err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(10 * time.Minute)
	return j, a
}

// failThrice makes a job fail after three attempts: busy, no answer, one
// page of two then the line dropped.
func (e *watchEnv) failThrice(t *testing.T, w *notify.Watcher) (store.Job, []store.Attempt) {
	t.Helper()
	e.message(t, e.user, 2)
	var as []store.Attempt
	_, a := e.call(t, 0, store.Outcome{Next: store.Retry, ReasonCode: "busy", ReasonText: "the line was busy"})
	as = append(as, a)
	if w != nil {
		poll(t, w)
	}
	_, a = e.call(t, 0, store.Outcome{Next: store.Retry, ReasonCode: "no-answer", ReasonText: "no one answered"})
	as = append(as, a)
	if w != nil {
		poll(t, w)
	}
	j, a := e.call(t, 1, store.Outcome{Next: store.Failed, ReasonCode: "line-dropped", ReasonText: "the line dropped during page 2"})
	return j, append(as, a)
}

// shown formats a time as the notices show it.
func shown(t time.Time) string { return t.UTC().Format("Mon 2 Jan 2006, 15:04:05") }

func TestWatcherFailedAfterThreeAttempts(t *testing.T) {
	e := newWatchEnv(t)
	w := e.watcher(t, nil)
	j, as := e.failThrice(t, w)
	if len(e.relay.messages()) != 0 {
		t.Fatal("a notice was sent before the job failed")
	}
	if next := poll(t, w); !next.IsZero() {
		t.Errorf("next retry %v, want none", next)
	}
	poll(t, w)
	got := e.relay.messages()
	if len(got) != 1 {
		t.Fatalf("%d mails, want 1", len(got))
	}
	if got[0].to[0] != "alice@example.com" || got[0].from != "fax@example.com" {
		t.Errorf("envelope %s -> %v", got[0].from, got[0].to)
	}
	p := parse(t, &notify.Message{Data: got[0].data})
	if subj, _ := p.header.Subject(); subj != "Fax to Zoë (+32 2 555 12 12) failed after 1 of 2 pages: the line dropped during page 2" {
		t.Errorf("subject %q", subj)
	}
	if id, _ := p.header.MessageID(); !strings.Contains(id, fmt.Sprintf("job-%d-3", j.ID)) {
		t.Errorf("Message-ID %q does not name the job", id)
	}
	if len(p.attachments) != 0 {
		t.Error("a failure carries an attachment")
	}
	for _, want := range []string{"Pages delivered:  1 of 2", "Faxbox made 3 attempts", "Subject:          Offer 2027",
		"the line was busy", "no one answered", "the line dropped during page 2"} {
		if !strings.Contains(p.text, want) {
			t.Errorf("text lacks %q:\n%s", want, p.text)
		}
	}
	// Each attempt on its own line: number, start, length, pages, cause.
	full := e.mustJob(t, j.ID).History
	for i, a := range as {
		line := fmt.Sprintf("%d  %s  40 s", i+1, shown(full[i].Started))
		if !strings.Contains(p.text, line) || full[i].ID != a.ID {
			t.Errorf("text lacks attempt line %q:\n%s", line, p.text)
		}
	}
}

func (e *watchEnv) mustJob(t *testing.T, id int64) store.Job {
	t.Helper()
	j, err := e.st.GetJob(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func TestWatcherDeliveredCarriesThePDF(t *testing.T) {
	e := newWatchEnv(t)
	w := e.watcher(t, nil)
	e.message(t, e.user, 3)
	e.call(t, 2, store.Outcome{Next: store.Retry, ReasonCode: "line-dropped", ReasonText: "the line dropped"})
	e.call(t, 1, store.Outcome{Next: store.Delivered, ReasonCode: "ok", ReasonText: "sent"})
	poll(t, w)
	got := e.relay.messages()
	if len(got) != 1 {
		t.Fatalf("%d mails, want 1", len(got))
	}
	p := parse(t, &notify.Message{Data: got[0].data})
	pdf := p.attachments["fax-3225551212.pdf"]
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.4")) || !bytes.Contains(pdf, []byte("%%EOF")) {
		t.Fatalf("attachment is not a PDF: %d bytes, attachments %v", len(pdf), len(p.attachments))
	}
	if n := bytes.Count(pdf, []byte("/Type /Page ")); n != 3 || !bytes.Contains(pdf, []byte("/Type /Pages /Count 3 ")) {
		t.Errorf("PDF has %d page objects, want 3", n)
	}
	if p.attachType != "application/pdf" || !strings.Contains(p.text, "Your fax to Zoë (+32 2 555 12 12) was delivered.") {
		t.Errorf("attachment %s, text:\n%s", p.attachType, p.text)
	}
}

func TestWatcherDeliveredWithoutPagesSaysSo(t *testing.T) {
	e := newWatchEnv(t)
	w := e.watcher(t, nil)
	m := e.message(t, e.user, 1)
	e.call(t, 1, store.Outcome{Next: store.Delivered, ReasonCode: "ok"})
	if err := os.RemoveAll(filepath.Join(e.st.Dir(), "messages")); err != nil {
		t.Fatal(err)
	}
	poll(t, w)
	got := e.relay.messages()
	if len(got) != 1 {
		t.Fatalf("%d mails for message %d, want 1", len(got), m.ID)
	}
	p := parse(t, &notify.Message{Data: got[0].data})
	if len(p.attachments) != 0 || !strings.Contains(p.text, "could not be attached") {
		t.Errorf("%d attachments, text:\n%s", len(p.attachments), p.text)
	}
}

func TestWatcherRestartDoesNotResend(t *testing.T) {
	e := newWatchEnv(t)
	// A job that ended before notices were turned on is not notified.
	e.failThrice(t, nil)
	w := e.watcher(t, nil)
	poll(t, w)
	if n := len(e.relay.messages()); n != 0 {
		t.Fatalf("%d mails for a job that ended before the watcher started", n)
	}
	e.message(t, e.user, 1)
	e.call(t, 1, store.Outcome{Next: store.Delivered, ReasonCode: "ok"})
	poll(t, w)
	w.Close() // as if the daemon stopped

	w2 := e.watcher(t, nil)
	poll(t, w2)
	if n := len(e.relay.messages()); n != 1 {
		t.Fatalf("%d mails after the restart, want still 1", n)
	}
	e.failThrice(t, nil)
	poll(t, w2)
	if n := len(e.relay.messages()); n != 2 {
		t.Fatalf("%d mails after a new failure, want 2", n)
	}
}

func TestWatcherRelayDownThenUp(t *testing.T) {
	e := newWatchEnv(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens there
	e.mailer.setPort(down)
	w := e.watcher(t, func(c *notify.WatcherConfig) { c.MinBackoff, c.MaxBackoff = 20*time.Millisecond, 40*time.Millisecond })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	e.failThrice(t, nil)
	waitFor(t, "a try while the relay is down", func() bool { return e.mailer.count() >= 1 })
	time.Sleep(100 * time.Millisecond) // retries come, in watcher time, only once it is due
	tries := e.mailer.count()
	if len(e.relay.messages()) != 0 {
		t.Fatal("mail while the relay is down")
	}
	e.mailer.setPort(e.relay.port)
	e.clk.Advance(time.Minute)
	waitFor(t, "the mail once the relay is up", func() bool { return len(e.relay.messages()) == 1 })
	e.clk.Advance(time.Hour)
	time.Sleep(200 * time.Millisecond)
	if n := len(e.relay.messages()); n != 1 {
		t.Errorf("%d mails, want exactly 1", n)
	}
	if tries != 1 || e.mailer.count() != 2 {
		t.Errorf("sends: %d while down before the back-off ended, %d in all; want 1 and 2", tries, e.mailer.count())
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestWatcherTemporaryFailureDoesNotHoldUpOthers(t *testing.T) {
	e := newWatchEnv(t)
	bob, err := e.st.CreateUser(context.Background(), "carol")
	if err != nil {
		t.Fatal(err)
	}
	e.addrs["carol"] = "carol@example.com"
	e.mailer.refuse = "alice@example.com"
	w := e.watcher(t, nil)
	e.failThrice(t, nil) // alice's
	e.message(t, bob, 1)
	e.call(t, 1, store.Outcome{Next: store.Delivered, ReasonCode: "ok"})
	next := poll(t, w)
	got := e.relay.messages()
	if len(got) != 1 || got[0].to[0] != "carol@example.com" {
		t.Fatalf("want carol's notice only, got %d mails", len(got))
	}
	if want := e.clk.Now().Add(notify.DefaultMinBackoff); !next.Equal(want) {
		t.Errorf("next try at %v, want %v", next, want)
	}
	poll(t, w) // not due yet
	e.mailer.refuse = ""
	e.clk.Advance(notify.DefaultMinBackoff)
	if next := poll(t, w); !next.IsZero() {
		t.Errorf("next %v after the retry, want none", next)
	}
	got = e.relay.messages()
	if len(got) != 2 || got[1].to[0] != "alice@example.com" || e.mailer.refused != 1 {
		t.Fatalf("%d mails, refused %d times; want alice's retried once", len(got), e.mailer.refused)
	}
}

func TestWatcherGivesUpLate(t *testing.T) {
	e := newWatchEnv(t)
	e.mailer.refuse = "alice@example.com"
	w := e.watcher(t, func(c *notify.WatcherConfig) { c.GiveUpAfter = 3 * time.Hour })
	e.failThrice(t, nil)
	for range 20 {
		next := poll(t, w)
		if next.IsZero() {
			break
		}
		e.clk.Advance(next.Sub(e.clk.Now()))
	}
	// Tries after 0, 1, 3 (1+2) and 7 (3+4) minutes ... up to 3 h with the
	// wait capped at an hour: 0, 1, 3, 7, 15, 31, 63, 123, 183 minutes.
	if e.mailer.refused != 9 || len(e.relay.messages()) != 0 {
		t.Errorf("refused %d times, %d mails; want 9 tries then given up", e.mailer.refused, len(e.relay.messages()))
	}
}

func TestWatcherSkips(t *testing.T) {
	e := newWatchEnv(t)
	ctx := context.Background()
	bob, err := e.st.CreateUser(ctx, "bob") // no e-mail address
	if err != nil {
		t.Fatal(err)
	}
	w := e.watcher(t, func(c *notify.WatcherConfig) { c.SkipDelivered = true })
	e.message(t, bob, 1)
	e.call(t, 0, store.Outcome{Next: store.Failed, ReasonCode: "busy"})
	e.message(t, e.user, 1)
	e.call(t, 1, store.Outcome{Next: store.Delivered, ReasonCode: "ok"})
	poll(t, w)
	if e.mailer.count() != 0 {
		t.Fatalf("%d sends for a sender without address and a delivery not notified", e.mailer.count())
	}

	// A cancelled job is notified, with who cancelled it.
	m := e.message(t, e.user, 1)
	if _, err := e.st.CancelJob(ctx, m.Jobs[0].ID, "alice"); err != nil {
		t.Fatal(err)
	}
	poll(t, w)
	got := e.relay.messages()
	if len(got) != 1 {
		t.Fatalf("%d mails, want the cancellation's", len(got))
	}
	if p := parse(t, &notify.Message{Data: got[0].data}); !strings.Contains(p.text, "was cancelled: cancelled by alice.") {
		t.Errorf("text:\n%s", p.text)
	}

	// A relay's refusal for good drops the notice: no retry.
	e.relay.rejectRcpt = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	e.failThrice(t, nil)
	if next := poll(t, w); !next.IsZero() {
		t.Errorf("a refused notice is to be tried again at %v", next)
	}
	tries := e.mailer.count()
	e.clk.Advance(24 * time.Hour)
	poll(t, w)
	if e.mailer.count() != tries {
		t.Errorf("refused notice tried again")
	}

	// A job deleted (by retention) before its notice went out is skipped.
	e.relay.rejectRcpt = nil
	e.failThrice(t, nil)
	if _, err := e.st.Purge(ctx, store.PurgeOptions{SentBefore: e.clk.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	poll(t, w)
	if e.mailer.count() != tries {
		t.Errorf("a notice for a purged job was sent")
	}
}

func TestNewWatcherChecksConfig(t *testing.T) {
	e := newWatchEnv(t)
	for name, edit := range map[string]func(*notify.WatcherConfig){
		"no store":   func(c *notify.WatcherConfig) { c.Store = nil },
		"no mailer":  func(c *notify.WatcherConfig) { c.Mailer = nil },
		"no address": func(c *notify.WatcherConfig) { c.Address = nil },
		"no from":    func(c *notify.WatcherConfig) { c.From = "" },
		"bad path":   func(c *notify.WatcherConfig) { c.Database = "x.db?mode=ro" },
	} {
		cfg := e.config()
		edit(&cfg)
		if w, err := notify.NewWatcher(context.Background(), cfg); err == nil || !strings.HasPrefix(err.Error(), "notify: ") {
			t.Errorf("%s: %v", name, err)
			if w != nil {
				w.Close()
			}
		}
	}
}

func TestWatcherRetriesAnAddressLookupThatFailed(t *testing.T) {
	e := newWatchEnv(t)
	dave, err := e.st.CreateUser(context.Background(), "dave") // not known to Address yet
	if err != nil {
		t.Fatal(err)
	}
	w := e.watcher(t, nil)
	e.user = dave
	e.failThrice(t, nil)
	if next := poll(t, w); next.IsZero() || e.mailer.count() != 0 {
		t.Fatalf("next %v, %d sends: want a retry and no send", next, e.mailer.count())
	}
	e.addrs["dave"] = "dave@example.com"
	e.clk.Advance(notify.DefaultMinBackoff)
	poll(t, w)
	if got := e.relay.messages(); len(got) != 1 || got[0].to[0] != "dave@example.com" {
		t.Fatalf("%d mails, want dave's", len(got))
	}
}

func TestWatcherStoppedDuringASendLosesNothing(t *testing.T) {
	e := newWatchEnv(t)
	w := e.watcher(t, nil)
	e.failThrice(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	e.mailer.during = cancel // the daemon stops as the mail goes out
	if _, err := w.Poll(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Poll = %v, want context.Canceled", err)
	}
	e.mailer.during = nil
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	poll(t, e.watcher(t, nil))
	if got := e.relay.messages(); len(got) != 1 {
		t.Fatalf("%d mails after the restart, want the interrupted notice", len(got))
	}
}
