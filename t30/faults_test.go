package t30

// Fault scenarios on the pure-Go simulated line (modem/sim), on fake time
// inside testing/synctest: every fault the simulator injects (busy, no
// answer, no dial tone, a line cut, lost and damaged V.21 frames, bit
// errors on high-speed data, a frozen modem, garbage on the serial line,
// line delay) plus what only a DTE can do (a receiver that answers and
// never speaks, one that vanishes, a cancelled call) and damage injected
// between the engine and its modem (TCF and page data), in the manner of
// pion's test.Bridge (pion/transport test/bridge.go).
//
// Every call is checked against the rules of the acceptance: it either
// completes with identical pages or ends with the right reason, and a page
// is never reported confirmed that the receiver did not confirm.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"faxbox/modem"
	"faxbox/modem/sim"
)

// faultSetup describes one faulty call between a sender on side A and a
// receiver on side B of a simulated line.
type faultSetup struct {
	line   sim.LineConfig
	doc    Pages
	so, ro Options
	// wrapA and wrapB wrap the driver the sending and receiving engines
	// use (nil: the driver itself).
	wrapA, wrapB func(c *faultCall, m Modem) Modem
	// callee, if set, replaces the receiving engine: it plays side B's
	// DTE and returns when it is done.
	callee func(ctx context.Context, c *faultCall)
	// onSend and onRecv see each event of the sender and the receiver, on
	// their goroutines, before it is logged.
	onSend, onRecv func(c *faultCall, e Event)
}

// faultCall is the record of one faulty call.
type faultCall struct {
	line       *sim.Line
	a, b       *modem.Modem
	cancelSend context.CancelFunc
	cancelRecv context.CancelFunc

	sendRes, recvRes Result
	recvRan          bool          // the receiving engine ran (no callee)
	sendTime         time.Duration // fake time from start to Send's return
	received         []ReceivedPage
	sendEv, recvEv   eventLog
	logA, logB       bytes.Buffer
	logMu            sync.Mutex
	spins            [2]int // times each engine spun (see spinGuard)
}

// spinLimit is how many modem operations an engine may start at one
// instant of fake time. More means it loops without waiting (for example
// AT+FRH=3 answered at once by +FCERROR or NO CARRIER): on fake time such
// a loop never lets the clock move and the test would hang, so the guard
// records it and sleeps 20 ms to let the call go on.
const spinLimit = 200

// spinGuard wraps an engine's modem to catch busy loops; n counts them.
func spinGuard(m Modem, n *int) Modem {
	var at time.Time
	ops := 0
	return &hookModem{Modem: m, before: func(ctx context.Context, op string) error {
		if now := time.Now(); !now.Equal(at) {
			at, ops = now, 0
		}
		ops++
		if ops > spinLimit {
			*n++
			time.Sleep(20 * time.Millisecond)
		}
		return nil
	}}
}

// runFault runs the call of fs on fake time and returns its record.
func runFault(t *testing.T, fs faultSetup) *faultCall {
	t.Helper()
	c := &faultCall{}
	synctest.Test(t, func(t *testing.T) {
		c.line = sim.NewLine(fs.line, sim.Config{}, sim.Config{})
		c.a = modem.New(c.line.A().Conn(), modem.Config{WireLog: modem.NewWireLog(lockedWriter{&c.logMu, &c.logA})})
		c.b = modem.New(c.line.B().Conn(), modem.Config{WireLog: modem.NewWireLog(lockedWriter{&c.logMu, &c.logB})})
		defer c.line.Close()
		defer c.a.Close()
		defer c.b.Close()
		ctx := t.Context()
		if err := c.a.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		if err := c.b.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		sctx, scancel := context.WithCancel(ctx)
		rctx, rcancel := context.WithCancel(ctx)
		defer scancel()
		defer rcancel()
		c.cancelSend, c.cancelRecv = scancel, rcancel

		so, ro := fs.so, fs.ro
		so.OnEvent = func(e Event) {
			if fs.onSend != nil {
				fs.onSend(c, e)
			}
			c.sendEv.add(e)
		}
		ro.OnEvent = func(e Event) {
			if fs.onRecv != nil {
				fs.onRecv(c, e)
			}
			c.recvEv.add(e)
		}
		ro.OnPage = func(p ReceivedPage) error { c.received = append(c.received, p); return nil }
		var ma, mb Modem = c.a, c.b
		if fs.wrapA != nil {
			ma = fs.wrapA(c, ma)
		}
		if fs.wrapB != nil {
			mb = fs.wrapB(c, mb)
		}
		ma, mb = spinGuard(ma, &c.spins[0]), spinGuard(mb, &c.spins[1])

		done := make(chan struct{})
		go func() {
			defer close(done)
			if fs.callee != nil {
				fs.callee(rctx, c)
				return
			}
			if _, err := c.b.WaitRing(rctx); err != nil {
				c.recvRes = Result{Reason: ReasonModem, Err: err}
				return
			}
			c.recvRan = true
			c.recvRes = Receive(rctx, mb, ro)
		}()
		start := time.Now()
		c.sendRes = Send(sctx, ma, "5551234", fs.doc, so)
		c.sendTime = time.Since(start)
		// The receiver ends by itself within its timers; one that hangs
		// (a vanished DTE) is stopped after ten minutes of fake time.
		select {
		case <-done:
		case <-time.After(10 * time.Minute):
			rcancel()
			<-done
		}
	})
	if t.Failed() {
		c.dump(t)
	}
	for i, who := range []string{"sender", "receiver"} {
		if c.spins[i] > 0 {
			t.Errorf("the %s spun %d times: more than %d modem operations without time passing (recv re-issues AT+FRH=3 at once after +FCERROR while a high-speed carrier is on)", who, c.spins[i], spinLimit)
		}
	}
	return c
}

func (c *faultCall) dump(t *testing.T) {
	t.Helper()
	t.Logf("sender: %+v\nreceiver: %+v", c.sendRes, c.recvRes)
	t.Logf("sender events:\n%s\nreceiver events:\n%s", c.sendEv.String(), c.recvEv.String())
	c.logMu.Lock()
	defer c.logMu.Unlock()
	t.Logf("wire log A (sender):\n%s\nwire log B (receiver):\n%s", tail(c.logA.String(), 8000), tail(c.logB.String(), 8000))
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "...\n" + s[len(s)-n:]
}

// events returns the events of type E in l, in order.
func events[E Event](l *eventLog) []E {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []E
	for _, e := range l.ev {
		if x, ok := e.(E); ok {
			out = append(out, x)
		}
	}
	return out
}

// check applies the rules every call obeys, whatever the fault:
//   - the sender's Result.Pages counts its PageConfirmed events, pages
//     1..n in order, and Finished carries the result last;
//   - every page the sender counts was confirmed by the receiver (its
//     last verdict on that page was MCF or RTP), and the receiver kept at
//     least as many pages as the sender counts;
//   - every page the receiver kept without a bad row is identical to the
//     page sent;
//   - a call that succeeds has every page, at both ends.
func (c *faultCall) check(t *testing.T, doc Pages) {
	t.Helper()
	conf := events[PageConfirmed](&c.sendEv)
	if len(conf) != c.sendRes.Pages {
		t.Errorf("sender: Result.Pages %d, %d PageConfirmed events", c.sendRes.Pages, len(conf))
	}
	for i, e := range conf {
		if e.Page != i+1 {
			t.Errorf("sender: confirmation %d is for page %d", i+1, e.Page)
		}
	}
	fin := events[Finished](&c.sendEv)
	if len(fin) != 1 || fin[0].Result.Reason != c.sendRes.Reason || fin[0].Result.Pages != c.sendRes.Pages {
		t.Errorf("sender: Finished events %v, result %v/%d", fin, c.sendRes.Reason, c.sendRes.Pages)
	}
	if c.sendRes.Text == "" || c.sendRes.Text == string(c.sendRes.Reason) {
		t.Errorf("sender: no plain text for %v: %q", c.sendRes.Reason, c.sendRes.Text)
	}
	if !c.recvRan {
		return
	}
	verdict := map[int]Quality{}
	for _, e := range events[PageReceived](&c.recvEv) {
		verdict[e.Page] = e.Quality
	}
	for _, e := range conf {
		q, ok := verdict[e.Page]
		if !ok || q == QualityBad {
			t.Errorf("sender counts page %d confirmed; the receiver's verdict was %v (judged: %v)", e.Page, q, ok)
		}
	}
	if c.sendRes.Pages > len(c.received) || c.recvRes.Pages != len(c.received) {
		t.Errorf("sender counts %d pages, receiver kept %d and counts %d", c.sendRes.Pages, len(c.received), c.recvRes.Pages)
	}
	for i, rp := range c.received {
		if rp.Number != i+1 || i >= len(doc) {
			t.Errorf("receiver kept page %d as number %d", i+1, rp.Number)
			continue
		}
		if rp.Stats.BadRows == 0 && !rp.Page.Equal(doc[i]) {
			x, y, _ := rp.Page.FirstDifference(doc[i])
			t.Errorf("page %d kept without a bad row but differs at (%d,%d), %dx%d", i+1, x, y, rp.Page.Width, rp.Page.Height)
		}
	}
	if c.sendRes.OK() {
		if !c.recvRes.OK() || c.sendRes.Pages != len(doc) || len(c.received) != len(doc) {
			t.Errorf("sender OK with %d pages; receiver %v with %d", c.sendRes.Pages, c.recvRes.Reason, len(c.received))
		}
	}
}

// wantIdentical fails unless the call succeeded at both ends with every
// page identical.
func (c *faultCall) wantIdentical(t *testing.T, doc Pages) {
	t.Helper()
	if !c.sendRes.OK() || c.sendRes.Pages != len(doc) || !c.recvRes.OK() || c.recvRes.Pages != len(doc) {
		t.Fatalf("want success with %d pages: sender %v %d (%v), receiver %v %d (%v)",
			len(doc), c.sendRes.Reason, c.sendRes.Pages, c.sendRes.Err, c.recvRes.Reason, c.recvRes.Pages, c.recvRes.Err)
	}
	for i, rp := range c.received {
		if !rp.Page.Equal(doc[i]) {
			x, y, _ := rp.Page.FirstDifference(doc[i])
			t.Fatalf("page %d differs at (%d,%d)", i+1, x, y)
		}
	}
}

// wantSender fails unless the sender ended with reason and pages.
func (c *faultCall) wantSender(t *testing.T, reason Reason, pages int) {
	t.Helper()
	checkErrorAfterHangUp(t, c.sendRes, reason)
	if c.sendRes.Reason != reason || c.sendRes.Pages != pages {
		t.Fatalf("sender: %v with %d pages (%q, err %v), want %v with %d", c.sendRes.Reason, c.sendRes.Pages, c.sendRes.Text, c.sendRes.Err, reason, pages)
	}
}

// wantReceiver fails unless the receiver ended with reason and pages.
func (c *faultCall) wantReceiver(t *testing.T, reason Reason, pages int) {
	t.Helper()
	checkErrorAfterHangUp(t, c.recvRes, reason)
	if c.recvRes.Reason != reason || c.recvRes.Pages != pages {
		t.Fatalf("receiver: %v with %d pages (%q, err %v), want %v with %d", c.recvRes.Reason, c.recvRes.Pages, c.recvRes.Text, c.recvRes.Err, reason, pages)
	}
}

// checkErrorAfterHangUp fails a test that hits an old engine bug: after
// the far end hung up or the line dropped, the modem answers ERROR to
// AT+FTS, AT+FRH or AT+FTH (on hook: spandsp's T.31 modem and modem/sim
// do), and the engine maps ErrError to ReasonModem ("our fax modem stopped
// working") instead of the line-drop reason.
func checkErrorAfterHangUp(t *testing.T, r Result, want Reason) {
	t.Helper()
	if r.Reason == ReasonModem && want != ReasonModem && errors.Is(r.Err, modem.ErrError) {
		t.Errorf("%v reported as %v (%q, %v)", want, r.Reason, r.Text, r.Err)
	}
}

// faultDoc is a small two-page document (MPS between the pages).
func faultDoc(t *testing.T) Pages {
	return Pages{chartPage(t, 1, 120), chartPage(t, 2, 100)}
}

// hookModem sits between an engine and its driver and injects what the
// line cannot: damaged TCF or page data, a DTE that stops.
type hookModem struct {
	Modem
	// before runs before every operation; an error fails it.
	before func(ctx context.Context, op string) error
	// sendData may replace the data of a high-speed transmission.
	sendData func(mod modem.Modulation, data []byte) []byte
	// recvData may damage received high-speed data in place.
	recvData func(mod modem.Modulation, data []byte)
}

func (h *hookModem) op(ctx context.Context, name string) error {
	if h.before == nil {
		return nil
	}
	return h.before(ctx, name)
}

func (h *hookModem) Dial(ctx context.Context, number string) error {
	if err := h.op(ctx, "Dial"); err != nil {
		return err
	}
	return h.Modem.Dial(ctx, number)
}

func (h *hookModem) Answer(ctx context.Context) error {
	if err := h.op(ctx, "Answer"); err != nil {
		return err
	}
	return h.Modem.Answer(ctx)
}

func (h *hookModem) HangUp(ctx context.Context) error {
	if err := h.op(ctx, "HangUp"); err != nil {
		return err
	}
	return h.Modem.HangUp(ctx)
}

func (h *hookModem) SendFrame(ctx context.Context, frame []byte, final bool) error {
	if err := h.op(ctx, "SendFrame"); err != nil {
		return err
	}
	return h.Modem.SendFrame(ctx, frame, final)
}

func (h *hookModem) ReceiveFrame(ctx context.Context, buf []byte) ([]byte, error) {
	if err := h.op(ctx, "ReceiveFrame"); err != nil {
		return buf[:0], err
	}
	return h.Modem.ReceiveFrame(ctx, buf)
}

func (h *hookModem) SendData(ctx context.Context, mod modem.Modulation, r io.Reader) (int64, error) {
	if err := h.op(ctx, "SendData"); err != nil {
		return 0, err
	}
	if h.sendData == nil {
		return h.Modem.SendData(ctx, mod, r)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return 0, err
	}
	n := int64(len(data))
	if _, err := h.Modem.SendData(ctx, mod, bytes.NewReader(h.sendData(mod, data))); err != nil {
		return 0, err
	}
	return n, nil
}

func (h *hookModem) ReceiveData(ctx context.Context, mod modem.Modulation, w io.Writer) (int64, error) {
	if err := h.op(ctx, "ReceiveData"); err != nil {
		return 0, err
	}
	if h.recvData == nil {
		return h.Modem.ReceiveData(ctx, mod, w)
	}
	return h.Modem.ReceiveData(ctx, mod, damager{w: w, mod: mod, f: h.recvData})
}

func (h *hookModem) Silence(ctx context.Context, d time.Duration) error {
	if err := h.op(ctx, "Silence"); err != nil {
		return err
	}
	return h.Modem.Silence(ctx, d)
}

func (h *hookModem) WaitSilence(ctx context.Context, d time.Duration) error {
	if err := h.op(ctx, "WaitSilence"); err != nil {
		return err
	}
	return h.Modem.WaitSilence(ctx, d)
}

// Command passes raw commands through (the engine asks "AT" of a modem
// that stopped answering mid-call), when the wrapped modem takes them.
func (h *hookModem) Command(ctx context.Context, cmd string) ([]string, error) {
	if err := h.op(ctx, "Command"); err != nil {
		return nil, err
	}
	if c, ok := h.Modem.(commander); ok {
		return c.Command(ctx, cmd)
	}
	return nil, errors.New("wrapped modem takes no commands")
}

// ReceiveFrameStarting passes the bounded frame wait through, when the
// wrapped modem has it.
func (h *hookModem) ReceiveFrameStarting(ctx context.Context, buf []byte, start time.Duration) ([]byte, error) {
	if err := h.op(ctx, "ReceiveFrame"); err != nil {
		return buf[:0], err
	}
	if fs, ok := h.Modem.(frameStarter); ok {
		return fs.ReceiveFrameStarting(ctx, buf, start)
	}
	fctx, cancel := context.WithTimeout(ctx, start)
	defer cancel()
	return h.Modem.ReceiveFrame(fctx, buf)
}

type damager struct {
	w   io.Writer
	mod modem.Modulation
	f   func(modem.Modulation, []byte)
}

func (d damager) Write(p []byte) (int, error) {
	q := append([]byte(nil), p...)
	d.f(d.mod, q)
	return d.w.Write(q)
}

// isTCF tells the training check (all zeros) from page data.
func isTCF(data []byte) bool { return len(data) > 0 && bytes.Count(data, []byte{0}) == len(data) }

// spoil damages page data enough for the receiver to answer RTN: one
// octet in every 8 is inverted.
func spoil(data []byte) []byte {
	out := append([]byte(nil), data...)
	for i := 16; i < len(out)-8; i += 8 {
		out[i] = ^out[i]
	}
	return out
}

// TestFaultSimCallSetUp: the call never reaches a fax machine. The sender
// gives the reason a user understands, counts no page and bills no time.
func TestFaultSimCallSetUp(t *testing.T) {
	doc := Pages{chartPage(t, 1, 60)}
	for _, tc := range []struct {
		name      string
		fs        faultSetup
		want      Reason
		connected bool
		elapsed   [2]time.Duration // bounds on the sender's fake time
	}{
		{
			// Both ends off hook: the sim answers a dial that reaches a
			// dialling modem with BUSY. Side B dials one second after A,
			// before A's call reaches it.
			name: "busy",
			fs: faultSetup{callee: func(ctx context.Context, c *faultCall) {
				time.Sleep(time.Second)
				_ = c.b.Dial(ctx, "5550000")
			}},
			want: ReasonBusy, elapsed: [2]time.Duration{2 * time.Second, 3 * time.Second},
		},
		{
			// B rings and nobody answers within AnswerTimeout.
			name: "no-answer",
			fs: faultSetup{line: sim.LineConfig{AnswerTimeout: 30 * time.Second}, callee: func(ctx context.Context, c *faultCall) {
				_, _ = c.b.WaitRing(ctx)
			}},
			want: ReasonNoAnswer, elapsed: [2]time.Duration{30 * time.Second, 35 * time.Second},
		},
		{
			name: "no-dialtone",
			fs:   faultSetup{line: sim.LineConfig{NoDialTone: true}, callee: func(ctx context.Context, c *faultCall) {}},
			want: ReasonNoDialTone, elapsed: [2]time.Duration{time.Second, 3 * time.Second},
		},
		{
			// B's modem answers (CED, then V.21 flags) but its DTE never
			// sends a frame: no DIS within T1.
			name: "answered-silent",
			fs: faultSetup{callee: func(ctx context.Context, c *faultCall) {
				if _, err := c.b.WaitRing(ctx); err != nil {
					return
				}
				_ = c.b.Answer(ctx)
			}},
			want: ReasonNotFax, connected: true, elapsed: [2]time.Duration{timerT1, timerT1 + 15*time.Second},
		},
		{
			// B goes off hook and hangs up during the answer tone, as a
			// person who picks up a fax call does.
			name: "answered-hung-up",
			fs: faultSetup{callee: func(ctx context.Context, c *faultCall) {
				if _, err := c.b.WaitRing(ctx); err != nil {
					return
				}
				actx, cancel := context.WithTimeout(ctx, time.Second)
				defer cancel()
				_ = c.b.Answer(actx) // aborted: the modem hangs up
				_ = c.b.HangUp(ctx)
			}},
			want: ReasonNotFax, elapsed: [2]time.Duration{2 * time.Second, 20 * time.Second},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := runFault(t, faultSetup{line: tc.fs.line, doc: doc, callee: tc.fs.callee})
			c.check(t, doc)
			c.wantSender(t, tc.want, 0)
			if c.sendRes.OK() || c.sendRes.Text != describe(tc.want, 0) || !tc.want.Retryable() {
				t.Errorf("text %q, retryable %v", c.sendRes.Text, tc.want.Retryable())
			}
			if tc.connected != (c.sendRes.Connected > 0) || len(events[Connected](&c.sendEv)) != map[bool]int{false: 0, true: 1}[tc.connected] {
				t.Errorf("connected %v, %d Connected events; want connected %v", c.sendRes.Connected, len(events[Connected](&c.sendEv)), tc.connected)
			}
			if d := events[Dialing](&c.sendEv); len(d) != 1 || d[0].Number != "5551234" {
				t.Errorf("Dialing events %v", d)
			}
			if len(events[PageStarted](&c.sendEv)) != 0 || len(events[Negotiated](&c.sendEv)) != 0 {
				t.Errorf("phase B or C happened:\n%s", c.sendEv.String())
			}
			if c.sendTime < tc.elapsed[0] || c.sendTime > tc.elapsed[1] {
				t.Errorf("the sender took %v, want %v to %v", c.sendTime, tc.elapsed[0], tc.elapsed[1])
			}
			t.Logf("%s: %q after %v (fake)", tc.name, c.sendRes.Text, c.sendTime)
		})
	}
}

// frameFaults returns a FrameFault that applies fault to the listed
// occurrences (1-based) of frames with fcf sent from side, and counts
// every frame each side sends by FCF into seen.
func frameFaults(side sim.Side, fcf FCF, fault sim.Fault, seen map[string]int, mu *sync.Mutex, nth ...int) func(sim.Side, int, []byte) sim.Fault {
	return func(from sim.Side, _ int, frame []byte) sim.Fault {
		f, err := Parse(frame)
		if err != nil {
			return sim.FaultNone
		}
		h := f.Header()
		mu.Lock()
		defer mu.Unlock()
		key := fmt.Sprintf("%c:%v", "AB"[from], h.FCF)
		seen[key]++
		if from != side || h.FCF != fcf {
			return sim.FaultNone
		}
		for _, n := range nth {
			if seen[key] == n {
				return fault
			}
		}
		return sim.FaultNone
	}
}

// modes are the two ways pages travel: error correction mode (the
// default when both ends have it) and without.
var modes = []struct {
	name string
	o    Options
}{{"ecm", Options{}}, {"noecm", Options{NoECM: true}}}

// forModes runs f as a parallel subtest for each mode.
func forModes(t *testing.T, f func(t *testing.T, o Options)) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			f(t, m.o)
		})
	}
}

// frameCase is a fault on the listed occurrences of one frame.
type frameCase struct {
	side    sim.Side
	fcf     FCF
	nth     []int
	repeats string // a frame that must be seen at least twice: "side:FCF"
	// For failures: the sender's and receiver's outcomes.
	fail                   bool
	sendReason, recvReason Reason
	sendPages, recvPages   int
}

// frameCases lists, for each mode, what a lost or damaged frame does on
// a call with two pages. Without ECM the post-page commands are MPS and
// EOP; in ECM they are PPS-MPS and PPS-EOP (occurrences 1 and 2 of PPS,
// one block per page).
func frameCases(ecm bool) map[string]frameCase {
	A, B := sim.SideA, sim.SideB
	c := map[string]frameCase{
		"DIS":       {side: B, fcf: DIS, nth: []int{1}, repeats: "B:DIS"},
		"DCS":       {side: A, fcf: DCS, nth: []int{1}, repeats: "A:DCS"},
		"CFR":       {side: B, fcf: CFR, nth: []int{1}, repeats: "A:DCS"},
		"MCF-page1": {side: B, fcf: MCF, nth: []int{1}},
		"MCF-page2": {side: B, fcf: MCF, nth: []int{2}},
		"DCN":       {side: A, fcf: DCN, nth: []int{1}},
		"DIS-twice": {side: B, fcf: DIS, nth: []int{1, 2}, repeats: "B:DIS"},
		"MCF-twice": {side: B, fcf: MCF, nth: []int{1, 2}},
		"DCS-thrice": {side: A, fcf: DCS, nth: []int{1, 2, 3}, fail: true,
			sendReason: ReasonNoResponse, recvReason: ReasonNoDocument},
		"CFR-thrice": {side: B, fcf: CFR, nth: []int{1, 2, 3}, fail: true,
			sendReason: ReasonNoResponse, recvReason: ReasonNoDocument},
		// The receiver kept page 2 and said so three times; the sender,
		// never hearing it, must not count it.
		"MCF-page2-thrice": {side: B, fcf: MCF, nth: []int{2, 3, 4}, fail: true,
			sendReason: ReasonNoResponse, sendPages: 1, recvReason: ReasonOK, recvPages: 2},
	}
	ppm1, ppm2, cmd1, cmd2 := MPS, EOP, "A:MPS", "A:EOP"
	n1, n2 := 1, 1
	if ecm {
		ppm1, ppm2, cmd1, cmd2 = PPS, PPS, "A:PPS", "A:PPS"
		n2 = 2
	}
	c["post-page1"] = frameCase{side: A, fcf: ppm1, nth: []int{n1}, repeats: cmd1}
	c["post-page2"] = frameCase{side: A, fcf: ppm2, nth: []int{n2}, repeats: cmd2}
	// The last post-page command lost three times: the receiver has
	// page 1 only.
	c["post-page2-thrice"] = frameCase{side: A, fcf: ppm2, nth: []int{n2, n2 + 1, n2 + 2}, fail: true,
		sendReason: ReasonNoResponse, sendPages: 1, recvReason: ReasonPartial, recvPages: 1}
	for _, k := range []string{"MCF-page1", "MCF-twice"} {
		x := c[k]
		x.repeats = cmd1
		c[k] = x
	}
	x := c["MCF-page2"]
	x.repeats = cmd2
	c["MCF-page2"] = x
	return c
}

// TestFaultSimFrames: a V.21 frame lost (FaultDrop) or damaged
// (FaultCorrupt, the modem reports ERROR) at each point of the exchange,
// with and without ECM. Once, the command is repeated (or the response
// asked for again) and the call completes with identical pages; three
// times, the call ends with the right reason and counts only what was
// confirmed.
func TestFaultSimFrames(t *testing.T) {
	doc := faultDoc(t)
	for _, mode := range modes {
		for name, x := range frameCases(!mode.o.NoECM) {
			for _, fault := range []sim.Fault{sim.FaultDrop, sim.FaultCorrupt} {
				fname := map[sim.Fault]string{sim.FaultDrop: "lost", sim.FaultCorrupt: "corrupt"}[fault]
				t.Run(mode.name+"/"+name+"-"+fname, func(t *testing.T) {
					t.Parallel()
					seen := map[string]int{}
					var mu sync.Mutex
					so, ro := mode.o, mode.o
					so.Ident, ro.Ident = "+32 2 555 01 01", "+1 555 1234"
					c := runFault(t, faultSetup{
						line: sim.LineConfig{FrameFault: frameFaults(x.side, x.fcf, fault, seen, &mu, x.nth...)},
						doc:  doc, so: so, ro: ro,
					})
					c.check(t, doc)
					mu.Lock()
					defer mu.Unlock()
					key := fmt.Sprintf("%c:%v", "AB"[x.side], x.fcf)
					if seen[key] < x.nth[len(x.nth)-1] {
						t.Fatalf("%s sent %d times, the fault was for occurrence %v: %v", key, seen[key], x.nth, seen)
					}
					if c.sendRes.ECM == mode.o.NoECM && c.sendRes.Reason == ReasonOK {
						t.Errorf("ECM %v", c.sendRes.ECM)
					}
					if !x.fail {
						c.wantIdentical(t, doc)
						if x.repeats != "" && seen[x.repeats] < 2 {
							t.Errorf("%s was not repeated: %v", x.repeats, seen)
						}
						if c.sendRes.BitRate != 14400 {
							t.Errorf("sender ended at %d bit/s", c.sendRes.BitRate)
						}
						t.Logf("frames %v; %v (fake) connected", seen, c.sendRes.Connected)
						return
					}
					c.wantSender(t, x.sendReason, x.sendPages)
					c.wantReceiver(t, x.recvReason, x.recvPages)
					t.Logf("frames %v; sender %q, receiver %q", seen, c.sendRes.Text, c.recvRes.Text)
				})
			}
		}
	}
}

// TestFaultSimDISNeverHeard: every DIS is lost: the sender gives up after
// T1 (not a fax machine, as far as it can tell) and the receiver after T1
// too.
func TestFaultSimDISNeverHeard(t *testing.T) {
	doc := Pages{chartPage(t, 1, 60)}
	c := runFault(t, faultSetup{
		line: sim.LineConfig{FrameFault: func(from sim.Side, _ int, frame []byte) sim.Fault {
			if from == sim.SideB {
				return sim.FaultDrop
			}
			return sim.FaultNone
		}},
		doc: doc,
	})
	c.check(t, doc)
	c.wantSender(t, ReasonNotFax, 0)
	c.wantReceiver(t, ReasonNoDocument, 0)
	if c.sendTime < timerT1 || c.sendTime > timerT1+15*time.Second {
		t.Errorf("sender gave up after %v, want about T1", c.sendTime)
	}
}

// TestFaultSimLineCut: the line is cut (modem/sim Line.CutAfter) while a
// page is on the line: the sender reports the line dropped during that
// page and counts only the pages confirmed before; the receiver keeps
// them and reports a partial fax.
func TestFaultSimLineCut(t *testing.T) { forModes(t, testFaultSimLineCut) }

func testFaultSimLineCut(t *testing.T, o Options) {
	doc := Pages{chartPage(t, 1, 200), chartPage(t, 2, 800), chartPage(t, 3, 100)}
	for _, tc := range []struct {
		name      string
		page      int           // cut after this page started
		after     time.Duration // and this long
		sendPages int
		recv      Reason
	}{
		{"page1", 1, time.Second, 0, ReasonLineDropped},
		{"page2", 2, 1500 * time.Millisecond, 1, ReasonPartial},
		{"page3", 3, 400 * time.Millisecond, 2, ReasonPartial},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := runFault(t, faultSetup{so: o, ro: o,
				doc: doc,
				onSend: func(c *faultCall, e Event) {
					if p, ok := e.(PageStarted); ok && p.Page == tc.page {
						c.line.CutAfter(tc.after)
					}
				},
			})
			c.check(t, doc)
			c.wantSender(t, ReasonLineDropped, tc.sendPages)
			if want := fmt.Sprintf("the line dropped during page %d", tc.page); c.sendRes.Text != want {
				t.Errorf("sender text %q, want %q", c.sendRes.Text, want)
			}
			c.wantReceiver(t, tc.recv, tc.sendPages)
			for i, rp := range c.received {
				if !rp.Page.Equal(doc[i]) {
					t.Errorf("kept page %d differs", i+1)
				}
			}
			if c.sendRes.Connected <= 0 {
				t.Errorf("connected time %v", c.sendRes.Connected)
			}
			t.Logf("sender %q after %v; receiver %q", c.sendRes.Text, c.sendTime, c.recvRes.Text)
		})
	}
}

// TestFaultSimLineCutPhaseD: the line is cut right after page 1's data,
// as the post-page command goes out: the page was never confirmed.
func TestFaultSimLineCutPhaseD(t *testing.T) { forModes(t, testFaultSimLineCutPhaseD) }

func testFaultSimLineCutPhaseD(t *testing.T, o Options) {
	doc := faultDoc(t)
	c := runFault(t, faultSetup{so: o, ro: o,
		doc: doc,
		wrapA: func(c *faultCall, m Modem) Modem {
			datas := 0
			return &hookModem{Modem: m, sendData: func(_ modem.Modulation, data []byte) []byte {
				if !isTCF(data) {
					datas++
					if datas == 1 {
						c.line.CutAfter(dataTime(len(data), 14400) + 300*time.Millisecond)
					}
				}
				return data
			}}
		},
	})
	c.check(t, doc)
	c.wantSender(t, ReasonLineDropped, 0)
	if c.recvRes.Reason != ReasonLineDropped && c.recvRes.Reason != ReasonPartial {
		t.Errorf("receiver: %v", c.recvRes.Reason)
	}
}

func dataTime(n, rate int) time.Duration {
	return time.Duration(n) * 8 * time.Second / time.Duration(rate)
}

// TestFaultSimReceiverVanishes: the receiving DTE goes away during page 2.
// If its modem stays off hook, the sender's post-page command goes
// unanswered: no response, one page. If the modem hangs up (the DTE
// closed its port), the line drops: one page.
func TestFaultSimReceiverVanishes(t *testing.T) { forModes(t, testFaultSimReceiverVanishes) }

func testFaultSimReceiverVanishes(t *testing.T, o Options) {
	doc := faultDoc(t)
	stall := func(c *faultCall, m Modem) Modem {
		gone := false
		return &hookModem{Modem: m, before: func(ctx context.Context, op string) error {
			if gone {
				<-ctx.Done()
				return ctx.Err()
			}
			return nil
		}, recvData: func(_ modem.Modulation, data []byte) {
			if len(events[PageConfirmed](&c.sendEv)) == 1 {
				gone = true
			}
		}}
	}
	t.Run("stalls", func(t *testing.T) {
		t.Parallel()
		c := runFault(t, faultSetup{so: o, ro: o, doc: doc, wrapB: stall})
		c.check(t, doc)
		c.wantSender(t, ReasonNoResponse, 1)
		if !strings.Contains(c.sendRes.Text, "page 2") {
			t.Errorf("text %q", c.sendRes.Text)
		}
		if len(c.received) != 1 {
			t.Errorf("receiver kept %d pages", len(c.received))
		}
	})
	t.Run("closes-port", func(t *testing.T) {
		t.Parallel()
		c := runFault(t, faultSetup{so: o, ro: o, doc: doc, onSend: func(c *faultCall, e Event) {
			if p, ok := e.(PageStarted); ok && p.Page == 2 {
				// The DTE process dies: its port closes and the modem
				// goes on hook.
				go func() {
					time.Sleep(time.Second)
					c.b.Close()
				}()
			}
		}})
		c.check(t, doc)
		c.wantSender(t, ReasonLineDropped, 1)
		if c.recvRes.Reason != ReasonModem && c.recvRes.Reason != ReasonPartial {
			t.Errorf("receiver %v", c.recvRes.Reason)
		}
	})
}

// TestFaultSimFrozenModem: the sender's modem stops responding (sim
// Modem.Freeze) at several points: the call ends with ReasonModem, and
// confirmed pages stay counted.
func TestFaultSimFrozenModem(t *testing.T) { forModes(t, testFaultSimFrozenModem) }

func testFaultSimFrozenModem(t *testing.T, o Options) {
	doc := faultDoc(t)
	for _, tc := range []struct {
		name  string
		when  func(e Event) bool
		pages int
	}{
		{"before-dial", func(e Event) bool { _, ok := e.(Dialing); return ok }, 0},
		{"phase-B", func(e Event) bool { _, ok := e.(Connected); return ok }, 0},
		{"page1", func(e Event) bool { p, ok := e.(PageStarted); return ok && p.Page == 1 }, 0},
		{"page2", func(e Event) bool { p, ok := e.(PageStarted); return ok && p.Page == 2 }, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := runFault(t, faultSetup{so: o, ro: o, doc: doc, onSend: func(c *faultCall, e Event) {
				if tc.when(e) {
					c.line.A().Freeze()
				}
			}})
			c.check(t, doc)
			c.wantSender(t, ReasonModem, tc.pages)
			if !errors.Is(c.sendRes.Err, modem.ErrNotResponding) && !errors.Is(c.sendRes.Err, modem.ErrTimeout) {
				t.Errorf("err %v", c.sendRes.Err)
			}
			t.Logf("%q after %v: %v", c.sendRes.Text, c.sendTime, c.sendRes.Err)
		})
	}
}

// TestFaultSimGarbage: noise on a serial cable (sim Modem.Garbage) at
// either end. The call either completes with identical pages or fails;
// it never counts a page the receiver did not confirm.
func TestFaultSimGarbage(t *testing.T) { forModes(t, testFaultSimGarbage) }

func testFaultSimGarbage(t *testing.T, o Options) {
	doc := faultDoc(t)
	junk := []byte("\r\n\x7f#q\xfe\r\nZZ\x10\r\n")
	for _, tc := range []struct {
		name string
		side sim.Side
		when func(e Event) bool
	}{
		{"sender-phase-B", sim.SideA, func(e Event) bool { _, ok := e.(Connected); return ok }},
		{"sender-page1", sim.SideA, func(e Event) bool { p, ok := e.(PageStarted); return ok && p.Page == 1 }},
		{"receiver-page1", sim.SideB, func(e Event) bool { p, ok := e.(PageStarted); return ok && p.Page == 1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := runFault(t, faultSetup{so: o, ro: o, doc: doc, onSend: func(c *faultCall, e Event) {
				if tc.when(e) {
					m := c.line.A()
					if tc.side == sim.SideB {
						m = c.line.B()
					}
					go func() {
						time.Sleep(500 * time.Millisecond)
						m.Garbage(junk)
					}()
				}
			}})
			c.check(t, doc)
			if c.sendRes.OK() {
				c.wantIdentical(t, doc)
			} else if c.sendRes.Reason != ReasonModem && c.sendRes.Reason != ReasonNoResponse && c.sendRes.Reason != ReasonLineDropped {
				t.Errorf("sender: %v (%v)", c.sendRes.Reason, c.sendRes.Err)
			}
			t.Logf("sender %v %d pages (%v); receiver %v %d", c.sendRes.Reason, c.sendRes.Pages, c.sendRes.Err, c.recvRes.Reason, c.recvRes.Pages)
		})
	}
}

// TestFaultSimCancel: the sender's or the receiver's context is cancelled
// mid-call: the cancelled side says so, and the pages confirmed before
// count at both ends.
func TestFaultSimCancel(t *testing.T) { forModes(t, testFaultSimCancel) }

func testFaultSimCancel(t *testing.T, o Options) {
	doc := faultDoc(t)
	t.Run("sender-phase-B", func(t *testing.T) {
		t.Parallel()
		c := runFault(t, faultSetup{so: o, ro: o, doc: doc, onSend: func(c *faultCall, e Event) {
			if _, ok := e.(Connected); ok {
				time.AfterFunc(2*time.Second, c.cancelSend)
			}
		}})
		c.check(t, doc)
		c.wantSender(t, ReasonCancelled, 0)
		c.wantReceiver(t, ReasonNoDocument, 0)
	})
	t.Run("sender-page2", func(t *testing.T) {
		t.Parallel()
		c := runFault(t, faultSetup{so: o, ro: o, doc: doc, onSend: func(c *faultCall, e Event) {
			if p, ok := e.(PageStarted); ok && p.Page == 2 {
				time.AfterFunc(500*time.Millisecond, c.cancelSend)
			}
		}})
		c.check(t, doc)
		c.wantSender(t, ReasonCancelled, 1)
		if c.sendRes.Text != "the call was cancelled during page 2" {
			t.Errorf("text %q", c.sendRes.Text)
		}
		// The cancel may come after the receiver heard EOP and confirmed
		// page 2 (the sender, cancelled before hearing MCF, counts 1): then
		// the receiver has the whole fax; otherwise a partial one.
		if c.recvRes.Pages == 2 {
			c.wantReceiver(t, ReasonOK, 2)
		} else {
			c.wantReceiver(t, ReasonPartial, 1)
		}
	})
	t.Run("receiver-page2", func(t *testing.T) {
		t.Parallel()
		c := runFault(t, faultSetup{so: o, ro: o, doc: doc, onRecv: func(c *faultCall, e Event) {
			if p, ok := e.(PageStarted); ok && p.Page == 2 {
				time.AfterFunc(500*time.Millisecond, c.cancelRecv)
			}
		}})
		c.check(t, doc)
		c.wantReceiver(t, ReasonCancelled, 1)
		if c.sendRes.Pages != 1 || c.sendRes.OK() {
			t.Errorf("sender %v with %d pages", c.sendRes.Reason, c.sendRes.Pages)
		}
	})
}

// TestFaultSimTraining: the training check fails at the higher rates
// (damaged between the line and the receiving engine): the sender falls
// back down the ladder and the pages arrive identical at the rate that
// trained; when no rate trains, the call ends with training-failed.
func TestFaultSimTraining(t *testing.T) { forModes(t, testFaultSimTraining) }

func testFaultSimTraining(t *testing.T, o Options) {
	doc := faultDoc(t)
	damageTCF := func(above int) func(c *faultCall, m Modem) Modem {
		return func(c *faultCall, m Modem) Modem {
			return &hookModem{Modem: m, sendData: func(mod modem.Modulation, data []byte) []byte {
				if !isTCF(data) || mod.Rate() <= above {
					return data
				}
				out := append([]byte(nil), data...)
				for i := 100; i < len(out); i += 200 {
					out[i] = 0x5a
				}
				return out
			}}
		}
	}
	t.Run("fallback-9600", func(t *testing.T) {
		t.Parallel()
		c := runFault(t, faultSetup{so: o, ro: o, doc: doc, wrapA: damageTCF(9600)})
		c.check(t, doc)
		c.wantIdentical(t, doc)
		if c.sendRes.BitRate != 9600 || c.recvRes.BitRate != 9600 {
			t.Fatalf("rate %d / %d, want 9600", c.sendRes.BitRate, c.recvRes.BitRate)
		}
		var got []string
		for _, e := range events[Training](&c.sendEv) {
			got = append(got, e.String())
		}
		want := []string{"training at 14400 bit/s: failed", "training at 12000 bit/s: failed", "training at 9600 bit/s: ok"}
		if strings.Join(got, "; ") != strings.Join(want, "; ") {
			t.Errorf("training events %q, want %q", got, want)
		}
		if r := events[Retrain](&c.sendEv); len(r) != 2 || r[0].BitRate != 12000 || r[1].BitRate != 9600 {
			t.Errorf("retrain events %v", r)
		}
	})
	t.Run("no-rate", func(t *testing.T) {
		t.Parallel()
		c := runFault(t, faultSetup{so: o, ro: o, doc: doc, wrapA: damageTCF(0)})
		c.check(t, doc)
		c.wantSender(t, ReasonTrainingFailed, 0)
		tr := events[Training](&c.sendEv)
		if len(tr) == 0 || tr[len(tr)-1].BitRate != 2400 || tr[len(tr)-1].OK {
			t.Errorf("training events %v", tr)
		}
		if c.recvRes.OK() || c.recvRes.Pages != 0 {
			t.Errorf("receiver %v %d", c.recvRes.Reason, c.recvRes.Pages)
		}
	})
}

// TestFaultSimRTN: page data damaged on its way (between the sending
// engine and its modem): the receiver answers RTN, the sender retrains one
// step slower and sends the page again; a page rejected three times ends
// the call with page-rejected and is never counted.
func TestFaultSimRTN(t *testing.T) {
	doc := faultDoc(t)
	noECM := Options{NoECM: true}
	// damage spoils the listed transmissions (1-based) of page data.
	damage := func(nth ...int) func(c *faultCall, m Modem) Modem {
		return func(c *faultCall, m Modem) Modem {
			n := 0
			return &hookModem{Modem: m, sendData: func(_ modem.Modulation, data []byte) []byte {
				if isTCF(data) {
					return data
				}
				n++
				for _, k := range nth {
					if k == n {
						return spoil(data)
					}
				}
				return data
			}}
		}
	}
	t.Run("once", func(t *testing.T) {
		t.Parallel()
		c := runFault(t, faultSetup{so: noECM, ro: noECM, doc: doc, wrapA: damage(1)})
		c.check(t, doc)
		c.wantIdentical(t, doc)
		if rj := events[PageRejected](&c.sendEv); len(rj) != 1 || rj[0] != (PageRejected{Page: 1, Try: 1}) {
			t.Errorf("rejections %v", rj)
		}
		if r := events[Retrain](&c.sendEv); len(r) != 1 || r[0].BitRate != 12000 {
			t.Errorf("retrain events %v", r)
		}
		if c.sendRes.BitRate != 12000 {
			t.Errorf("rate %d, want 12000 after the retrain", c.sendRes.BitRate)
		}
		q := events[PageReceived](&c.recvEv)
		if len(q) != 3 || q[0].Quality != QualityBad || q[1].Quality != QualityGood || q[2].Quality != QualityGood {
			t.Errorf("receiver verdicts %v", q)
		}
	})
	t.Run("page2-thrice", func(t *testing.T) {
		t.Parallel()
		c := runFault(t, faultSetup{so: noECM, ro: noECM, doc: doc, wrapA: damage(2, 3, 4)})
		c.check(t, doc)
		c.wantSender(t, ReasonPageRejected, 1)
		if want := "the remote machine could not read page 2, even after retrying slower"; c.sendRes.Text != want {
			t.Errorf("text %q", c.sendRes.Text)
		}
		if rj := events[PageRejected](&c.sendEv); len(rj) != 3 || rj[2] != (PageRejected{Page: 2, Try: 3}) {
			t.Errorf("rejections %v", rj)
		}
		for _, e := range events[PageConfirmed](&c.sendEv) {
			if e.Page == 2 {
				t.Errorf("page 2 confirmed")
			}
		}
		c.wantReceiver(t, ReasonPartial, 1)
	})
}

// TestFaultSimPPR: in ECM, page data damaged on its way makes the
// receiver ask for the bad frames again (PPR); the page arrives
// identical. Damaged four times, the sender continues one step slower
// (CTC); damaged every time, it gives the page up (EOR) at the lowest
// rate and counts it not.
func TestFaultSimPPR(t *testing.T) {
	doc := faultDoc(t)
	damage := func(every bool, nth ...int) func(c *faultCall, m Modem) Modem {
		return func(c *faultCall, m Modem) Modem {
			n := 0
			return &hookModem{Modem: m, sendData: func(_ modem.Modulation, data []byte) []byte {
				if isTCF(data) {
					return data
				}
				n++
				if every {
					return spoil(data)
				}
				for _, k := range nth {
					if k == n {
						return spoil(data)
					}
				}
				return data
			}}
		}
	}
	for _, tc := range []struct {
		name  string
		wrap  func(c *faultCall, m Modem) Modem
		rate  int
		fail  bool
		pages int
	}{
		{"once", damage(false, 1), 14400, false, 2},
		{"four-times", damage(false, 1, 2, 3, 4), 12000, false, 2},
		{"always", damage(true), 0, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			seen := map[string]int{}
			var mu sync.Mutex
			c := runFault(t, faultSetup{doc: doc, wrapA: tc.wrap,
				line: sim.LineConfig{FrameFault: frameFaults(sim.SideA, Null, sim.FaultNone, seen, &mu)}})
			c.check(t, doc)
			mu.Lock()
			defer mu.Unlock()
			if seen["B:PPR"] == 0 {
				t.Errorf("no PPR: %v", seen)
			}
			if tc.fail {
				c.wantSender(t, ReasonPageRejected, 0)
				if seen["A:EOR"] == 0 || seen["B:ERR"] == 0 {
					t.Errorf("no EOR/ERR: %v", seen)
				}
				t.Logf("frames %v; %q", seen, c.sendRes.Text)
				return
			}
			c.wantIdentical(t, doc)
			if tc.rate < 14400 && seen["B:CTR"] > 0 && c.sendRes.BitRate == 14400 {
				t.Errorf("after CTC/CTR at %d bit/s, Result.BitRate still says the DCS rate (14400): c.params.Rate is not updated on CTC (both ends)", tc.rate)
			}
			if !c.sendRes.ECM || c.sendRes.BitRate != tc.rate {
				t.Errorf("ECM %v at %d bit/s, want ECM at %d", c.sendRes.ECM, c.sendRes.BitRate, tc.rate)
			}
			if tc.rate < 14400 && (seen["A:CTC"] == 0 || seen["B:CTR"] == 0) {
				t.Errorf("no CTC/CTR: %v", seen)
			}
			t.Logf("frames %v", seen)
		})
	}
}

// TestFaultSimBitErrors: random bit errors on all high-speed data (TCF
// and pages) at rates that make training fail at the higher speeds and
// pages come back RTN. Whatever each seed brings, the rules hold; across
// the seeds, fallback and RTN both happen and some calls complete below
// 14400 bit/s.
func TestFaultSimBitErrors(t *testing.T) { forModes(t, testFaultSimBitErrors) }

func testFaultSimBitErrors(t *testing.T, o Options) {
	doc := Pages{chartPage(t, 1, 80), chartPage(t, 4, 60)}
	type outcome struct {
		reason        Reason
		rate          int
		ftt, rtn      int
		identicalPage bool
	}
	var mu sync.Mutex
	outcomes := map[string]outcome{}
	for _, ber := range []float64{1e-4, 3e-4} {
		for seed := uint64(1); seed <= 6; seed++ {
			name := fmt.Sprintf("ber%g-seed%d", ber, seed)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				c := runFault(t, faultSetup{so: o, ro: o, line: sim.LineConfig{BitErrorRate: ber, Seed: seed}, doc: doc})
				c.check(t, doc)
				switch c.sendRes.Reason {
				case ReasonOK, ReasonPageRejected, ReasonTrainingFailed:
				default:
					t.Errorf("sender: %v (%v)", c.sendRes.Reason, c.sendRes.Err)
				}
				ftt := 0
				for _, e := range events[Training](&c.sendEv) {
					if !e.OK {
						ftt++
					}
				}
				o := outcome{reason: c.sendRes.Reason, rate: c.sendRes.BitRate, ftt: ftt, rtn: len(events[PageRejected](&c.sendEv)), identicalPage: true}
				for i, rp := range c.received {
					if !rp.Page.Equal(doc[i]) {
						o.identicalPage = false
					}
				}
				// A retrain after RTN or FTT is always one step down.
				prev := 14400
				for _, e := range events[Retrain](&c.sendEv) {
					if e.BitRate >= prev && prev != 2400 {
						t.Errorf("retrain to %d after %d", e.BitRate, prev)
					}
					prev = e.BitRate
				}
				mu.Lock()
				outcomes[name] = o
				mu.Unlock()
				t.Logf("%v at %d bit/s, %d FTT, %d RTN, pages %d/%d, identical %v", o.reason, o.rate, o.ftt, o.rtn, c.sendRes.Pages, c.recvRes.Pages, o.identicalPage)
			})
		}
	}
	t.Cleanup(func() {
		var fallback, rtn, slowOK bool
		for _, o := range outcomes {
			fallback = fallback || o.ftt > 0
			rtn = rtn || o.rtn > 0
			slowOK = slowOK || o.reason == ReasonOK && o.rate < 14400
		}
		if len(outcomes) > 0 && (!fallback || !slowOK) {
			t.Errorf("across the seeds: fallback %v, success below 14400 %v: %v", fallback, slowOK, outcomes)
		}
		t.Logf("across the seeds: fallback %v, RTN %v, success below 14400 %v", fallback, rtn, slowOK)
	})
}

// TestFaultSimDelay: long one-way delays (a satellite hop and worse) and
// almost none: the turn-arounds still work.
func TestFaultSimDelay(t *testing.T) { forModes(t, testFaultSimDelay) }

func testFaultSimDelay(t *testing.T, o Options) {
	doc := faultDoc(t)
	for _, d := range []time.Duration{time.Microsecond, 300 * time.Millisecond, 700 * time.Millisecond} {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			c := runFault(t, faultSetup{so: o, ro: o, line: sim.LineConfig{Delay: d}, doc: doc})
			c.check(t, doc)
			c.wantIdentical(t, doc)
			t.Logf("%v connected", c.sendRes.Connected)
		})
	}
}

// burstPPS is a sender's modem that, after a PPR, counts in its PPS only
// the frames it resent, as spandsp 0.0.6 does: every PPS of a block after
// the first says one frame.
type burstPPS struct {
	Modem
	seen map[[2]byte]bool // page and block counters of the PPS sent
}

func (b *burstPPS) SendFrame(ctx context.Context, frame []byte, final bool) error {
	if len(frame) >= 7 && (frame[2] == PPS.Octet(false) || frame[2] == PPS.Octet(true)) {
		key := [2]byte{frame[4], frame[5]}
		if b.seen[key] {
			frame = append([]byte(nil), frame...)
			frame[6] = 0
		}
		b.seen[key] = true
	}
	return b.Modem.SendFrame(ctx, frame, final)
}

// TestFaultSimPPSBurstCount: in ECM, the last frames of a block damaged
// on their way are asked for again (PPR); the sender's PPS after the
// retransmission counts only the frames resent. The receiver keeps the
// block's frame count from its first PPS and the page arrives whole, not
// cut to the frames of the last burst.
func TestFaultSimPPSBurstCount(t *testing.T) {
	doc := Pages{chartPage(t, 1, 0)} // about 40 frames in one block
	wrap := func(c *faultCall, m Modem) Modem {
		n := 0
		return &burstPPS{seen: map[[2]byte]bool{}, Modem: &hookModem{Modem: m, sendData: func(_ modem.Modulation, data []byte) []byte {
			if isTCF(data) {
				return data
			}
			if n++; n > 1 || len(data) < 400 {
				return data
			}
			// Damage the end of the first block's last frame only.
			out := append([]byte(nil), data...)
			for i := len(out) - 200; i < len(out)-120; i += 8 {
				out[i] = ^out[i]
			}
			return out
		}}}
	}
	seen := map[string]int{}
	var mu sync.Mutex
	c := runFault(t, faultSetup{doc: doc, wrapA: wrap,
		line: sim.LineConfig{FrameFault: frameFaults(sim.SideA, Null, sim.FaultNone, seen, &mu)}})
	c.check(t, doc)
	mu.Lock()
	defer mu.Unlock()
	if seen["B:PPR"] == 0 {
		t.Errorf("no PPR: %v", seen)
	}
	c.wantIdentical(t, doc)
	t.Logf("frames %v", seen)
}
