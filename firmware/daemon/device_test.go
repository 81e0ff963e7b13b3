//go:build linux

package daemon_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/daemon"
	"faxbox/firmware/numbers"
	"faxbox/firmware/store"
	"faxbox/internal/pty"
	"faxbox/modem"
	"faxbox/modem/sim"
	"faxbox/pages"
	"faxbox/t30"
)

// These tests give the pool serial devices to open, as on the appliance:
// simulated modems served on pseudo-terminals, each reached through a
// symbolic link at the configured path (as udev's /dev/serial/by-id
// links are), and a path with nothing behind it for a modem that is not
// plugged in.

// plugged is a simulated modem on a pseudo-terminal linked at path, and
// the remote fax machine at the other end of its line.
type plugged struct {
	path string
	pty  *pty.Pair
	r    *remote
}

// plugIn serves a new simulated modem on a pty, links its slave at path
// and starts the remote of its line answering until ctx ends.
func plugIn(t *testing.T, ctx context.Context, path string) *plugged {
	t.Helper()
	p, err := pty.Open()
	if err != nil {
		t.Fatalf("no pty: %v", err)
	}
	line := sim.NewLine(sim.LineConfig{Scale: scale}, sim.Config{Number: "3225550100"}, sim.Config{})
	served := make(chan error, 1)
	go func() { served <- line.A().Serve(p.Master) }()
	b := modem.New(line.B().Conn(), modem.Config{})
	t.Cleanup(func() {
		b.Close()
		line.Close()
		p.Close()
		<-served
		os.Remove(path)
	})
	if err := b.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(p.SlavePath, path); err != nil {
		t.Fatal(err)
	}
	r := &remote{line: line, m: b}
	go r.serve(ctx)
	return &plugged{path: path, pty: p, r: r}
}

// pull unplugs the modem: its device link goes, its pty closes under the
// driver, and the call on its line drops with it.
func (pl *plugged) pull() {
	os.Remove(pl.path)
	pl.pty.Close()
	pl.r.line.Cut()
}

// openSerial is the pool's Opener: the device as a serial port, as faxd
// serve opens its modems.
func openSerial(device string) (daemon.Modem, error) {
	m, err := modem.Open(modem.PortConfig{Device: device, Baud: 115200},
		modem.Config{ResponseTimeout: 2 * time.Second})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// probeClock is the pool's Config.After under the test's control: a wait
// it hands out ends when Advance passes its deadline.
type probeClock struct {
	mu    sync.Mutex
	now   time.Duration
	waits []probeWait
}

type probeWait struct {
	at time.Duration
	c  chan time.Time
}

func (c *probeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.waits = append(c.waits, probeWait{at: c.now + d, c: ch})
	return ch
}

// Advance moves the clock on by d and ends the waits that are due.
func (c *probeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now += d
	keep := c.waits[:0]
	for _, w := range c.waits {
		if w.at <= c.now {
			w.c <- time.Now()
		} else {
			keep = append(keep, w)
		}
	}
	c.waits = keep
}

// waiting returns how many waits have not ended.
func (c *probeClock) waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waits)
}

const probeEvery = 30 * time.Second

// startPool runs a pool of the named modems, each opened from its device
// in dir by openSerial, with clk as its probe clock, until the test ends.
func (e *env) startPool(t *testing.T, ctx context.Context, dir string, clk *probeClock, onEvent func(t30.Event), names ...string) *daemon.Pool {
	t.Helper()
	var lines []daemon.Line
	for _, n := range names {
		lines = append(lines, daemon.Line{Name: n, Device: filepath.Join(dir, n)})
	}
	p, err := daemon.New(daemon.Config{Store: e.st, Ledger: e.led, Lines: lines, Open: openSerial, After: clk.After,
		DialPlan: numbers.DialPlan{Country: "BE"}, Backoff: fastBackoff, Poll: time.Second,
		ProbeEvery: probeEvery, ResetTimeout: 5 * time.Second,
		Fax: t30.Options{Ident: "+32 2 555 0100", OnEvent: onEvent}})
	if err != nil {
		t.Fatal(err)
	}
	runUntilCleanup(t, ctx, p)
	return p
}

// waitFor polls until cond holds, failing the test after 60 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after 60 s: not %s", what)
		}
	}
}

// status returns the pool's status of the modem called name.
func status(p *daemon.Pool, name string) daemon.ModemStatus {
	for _, s := range p.Status() {
		if s.Name == name {
			return s
		}
	}
	return daemon.ModemStatus{}
}

// plugBack plugs a modem in at path once the pool's modem name waits for
// its next probe, checks that the modem stays out of service until that
// probe, moves the probe clock on to it and waits until the modem is back
// in service.
func plugBack(t *testing.T, ctx context.Context, p *daemon.Pool, clk *probeClock, name, path string) *plugged {
	t.Helper()
	waitFor(t, name+" waiting for its next probe", func() bool { return clk.waiting() == 1 })
	pl := plugIn(t, ctx, path)
	time.Sleep(100 * time.Millisecond)
	if s := status(p, name); s.State != daemon.ModemOutOfOrder {
		t.Fatalf("%s %v before its next probe", name, s.State)
	}
	clk.Advance(probeEvery)
	waitState(t, p, name, daemon.ModemIdle)
	if s := status(p, name); s.Err != "" {
		t.Fatalf("%s back in service with a reason: %q", name, s.Err)
	}
	return pl
}

// sendOne submits a one-page message and waits until it is delivered in
// one attempt on the modem of pl, the one called name.
func (e *env) sendOne(t *testing.T, ctx context.Context, pl *plugged, name string) {
	t.Helper()
	doc := []*pages.Page{testPage(t, 1)}
	j := e.waitFinal(t, ctx, e.submit(t, doc).Jobs[0].ID)
	if j.State != store.Delivered || len(j.History) != 1 || j.History[0].Modem != name {
		t.Fatalf("job %v: %s on %+v", j.State, reasons(j), j.History)
	}
	samePages(t, callsOn(t, pl, 1)[0], doc)
}

// callsOn waits until the remote of pl's line has ended n calls (its
// receiver may end a moment after the sender) and returns what it
// received in each.
func callsOn(t *testing.T, pl *plugged, n int) [][]*pages.Page {
	t.Helper()
	waitFor(t, "the remote's calls ended", func() bool { return len(pl.r.received()) >= n })
	calls := pl.r.received()
	if len(calls) != n {
		t.Fatalf("%d calls on the line of %s, want %d", len(calls), pl.path, n)
	}
	return calls
}

// waitFinal waits until job is final and returns it with its attempts.
func (e *env) waitFinal(t *testing.T, ctx context.Context, job int64) store.Job {
	t.Helper()
	var j store.Job
	waitFor(t, "a final job", func() bool {
		var err error
		j, err = e.st.GetJob(ctx, job)
		return err == nil && j.State.Final()
	})
	return j
}

// TestModemAbsentThenPlugged: of two configured modems, one's device does
// not exist. The pool serves with the other, the missing one is out of
// service with the reason; when its device appears, the next probe opens
// it and it returns to service and takes calls.
func TestModemAbsentThenPlugged(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := plugIn(t, ctx, filepath.Join(dir, "ttyA"))
	clk := &probeClock{}
	p := e.startPool(t, ctx, dir, clk, nil, "ttyA", "ttyB")

	missing := filepath.Join(dir, "ttyB")
	waitState(t, p, "ttyB", daemon.ModemOutOfOrder)
	st := status(p, "ttyB")
	if want := "no device " + missing + " (modem unplugged?)"; !strings.Contains(st.Err, want) {
		t.Fatalf("ttyB out of service because %q, want %q", st.Err, want)
	}
	waitState(t, p, "ttyA", daemon.ModemIdle)
	if _, _, err := p.Borrow(ctx, "ttyB"); !errors.Is(err, daemon.ErrOutOfService) {
		t.Fatalf("borrowing the missing modem: %v", err)
	}

	e.sendOne(t, ctx, a, "ttyA")

	// The device appears; the modem is opened and probed at the next
	// probe, not before.
	b := plugBack(t, ctx, p, clk, "ttyB", missing)

	// With ttyA lent, the next job goes out on ttyB.
	_, release, err := p.Borrow(ctx, "ttyA")
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	e.sendOne(t, ctx, b, "ttyB")
}

// TestModemPulledWhileIdle: a modem unplugged between calls goes out of
// service at once (its ring watch sees the device go), with the reason,
// and returns to service at the first probe after it is plugged in again.
func TestModemPulledWhileIdle(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	path := filepath.Join(dir, "ttyA")
	a := plugIn(t, ctx, path)
	clk := &probeClock{}
	p := e.startPool(t, ctx, dir, clk, nil, "ttyA")
	waitState(t, p, "ttyA", daemon.ModemIdle)

	a.pull()
	waitFor(t, "ttyA out of service for want of its device", func() bool {
		s := status(p, "ttyA")
		return s.State == daemon.ModemOutOfOrder && strings.Contains(s.Err, "no device "+path)
	})
	b := plugBack(t, ctx, p, clk, "ttyA", path)
	e.sendOne(t, ctx, b, "ttyA")
}

// TestModemPulledMidCall: the modem in a call is unplugged (its pty
// closes, its device goes) as page 2 of 3 starts. The attempt ends as a
// failure of the line, charged for its connected time; the job is retried
// at once on the other modem with pages 2 and 3 only; the pulled modem is
// out of service because its device is gone.
func TestModemPulledMidCall(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	plugs := map[string]*plugged{}
	for _, n := range []string{"ttyA", "ttyB"} {
		plugs[n] = plugIn(t, ctx, filepath.Join(dir, n))
	}
	doc := []*pages.Page{testPage(t, 1), testPage(t, 2), testPage(t, 3)}
	msg := e.submit(t, doc)
	var pulled atomic.Pointer[string]
	onEvent := func(ev t30.Event) {
		if ps, ok := ev.(t30.PageStarted); !ok || ps.Page != 2 || pulled.Load() != nil {
			return
		}
		j, err := e.st.GetJob(ctx, msg.Jobs[0].ID)
		if err != nil || len(j.History) != 1 {
			t.Errorf("the job in its first call: %v, %d attempts", err, len(j.History))
			return
		}
		name := j.History[0].Modem
		pulled.Store(&name)
		plugs[name].pull()
	}
	p := e.startPool(t, ctx, dir, &probeClock{}, onEvent, "ttyA", "ttyB")

	j := e.waitFinal(t, ctx, msg.Jobs[0].ID)
	if pulled.Load() == nil {
		t.Fatalf("no modem was pulled; job %v: %s", j.State, reasons(j))
	}
	gone := *pulled.Load()
	other := map[string]string{"ttyA": "ttyB", "ttyB": "ttyA"}[gone]
	if j.State != store.Delivered || reasons(j) != daemon.ReasonModemGone+",ok" || j.PagesConfirmed != 3 {
		t.Fatalf("job %v after %d attempts (%s), %d pages confirmed", j.State, j.Attempts, reasons(j), j.PagesConfirmed)
	}
	first, second := j.History[0], j.History[1]
	if first.Modem != gone || first.PagesConfirmed != 1 || !strings.Contains(first.ReasonText, "unplugged") {
		t.Fatalf("first attempt %+v", first)
	}
	if second.Modem != other || second.FirstPage != 2 || second.PagesConfirmed != 2 {
		t.Fatalf("second attempt %+v", second)
	}
	samePages(t, callsOn(t, plugs[gone], 1)[0], doc[:1])
	samePages(t, callsOn(t, plugs[other], 1)[0], doc[1:])
	cs := e.charges(t)
	if len(cs) != 2 {
		t.Fatalf("%d charges", len(cs))
	}
	checkCharge(t, cs[0], first)
	checkCharge(t, cs[1], second)
	acct, err := e.led.Account(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if acct.OpenHolds != 0 || acct.Balance != 50*billing.Unit+cs[0].Amount+cs[1].Amount {
		t.Fatalf("account %+v after charges %d and %d", acct, cs[0].Amount, cs[1].Amount)
	}

	waitState(t, p, gone, daemon.ModemOutOfOrder)
	st := status(p, gone)
	if !strings.Contains(st.Err, "no device "+filepath.Join(dir, gone)) {
		t.Fatalf("%s out of service because %q", gone, st.Err)
	}
	t.Logf("first attempt on %s: %s (%s), %v connected; %s: %s", gone, first.ReasonCode, first.ReasonText, first.Duration, gone, st.Err)
}
