package t30

import (
	"bytes"
	"fmt"
	"os/exec"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"faxbox/modem"
	"faxbox/modem/sim"
	"faxbox/pages"
)

// chartPage returns the top rows of ITU chart n at fine resolution, from
// Debian's jbigkit-testdata (make test installs it).
func chartPage(t testing.TB, n, rows int) *pages.Page {
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
	if rows > 0 && rows < p.Height {
		q, _ := pages.NewPage(p.Width, rows)
		copy(q.Pix, p.Pix)
		p = q
	}
	p.XDPI, p.YDPI = 204, 196
	return p
}

// eventLog collects a call's events.
type eventLog struct {
	mu sync.Mutex
	ev []Event
}

func (l *eventLog) add(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ev = append(l.ev, e)
}

func (l *eventLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b bytes.Buffer
	for _, e := range l.ev {
		fmt.Fprintln(&b, e)
	}
	return b.String()
}

// simCall runs a send and a receive over a simulated line on fake time.
type simCall struct {
	line               *sim.Line
	a, b               *modem.Modem
	sendRes, recvRes   Result
	received           []ReceivedPage
	sendEvents, recvEv eventLog
	logA, logB         bytes.Buffer
	logMu              sync.Mutex
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func runSim(t *testing.T, lc sim.LineConfig, doc Document, so, ro Options, during func(c *simCall)) *simCall {
	t.Helper()
	c := &simCall{}
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		c.line = sim.NewLine(lc, sim.Config{}, sim.Config{})
		c.a = modem.New(c.line.A().Conn(), modem.Config{WireLog: modem.NewWireLog(lockedWriter{&c.logMu, &c.logA})})
		c.b = modem.New(c.line.B().Conn(), modem.Config{WireLog: modem.NewWireLog(lockedWriter{&c.logMu, &c.logB})})
		defer c.line.Close()
		defer c.a.Close()
		defer c.b.Close()
		if err := c.a.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		if err := c.b.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		so.OnEvent = c.sendEvents.add
		ro.OnEvent = c.recvEv.add
		ro.OnPage = func(p ReceivedPage) error { c.received = append(c.received, p); return nil }
		done := make(chan struct{})
		go func() {
			defer close(done)
			if _, err := c.b.WaitRing(ctx); err != nil {
				c.recvRes = Result{Reason: ReasonModem, Err: err}
				return
			}
			c.recvRes = Receive(ctx, c.b, ro)
		}()
		if during != nil {
			go during(c)
		}
		c.sendRes = Send(ctx, c.a, "5551234", doc, so)
		<-done
	})
	if t.Failed() || !c.sendRes.OK() {
		t.Logf("sender events:\n%s\nreceiver events:\n%s", c.sendEvents.String(), c.recvEv.String())
	}
	return c
}

func (c *simCall) dumpLogs(t *testing.T) {
	c.logMu.Lock()
	defer c.logMu.Unlock()
	t.Logf("wire log A:\n%s\nwire log B:\n%s", c.logA.String(), c.logB.String())
}

func TestSimSendReceive(t *testing.T) {
	doc := Pages{chartPage(t, 1, 0), chartPage(t, 2, 0), chartPage(t, 4, 600)}
	for _, tc := range []struct {
		name       string
		opts       Options
		wantCoding pages.Coding
		wantECM    bool
	}{
		{"ecm-mmr", Options{}, pages.MMR, true},
		{"ecm-mr", Options{NoMMR: true}, pages.MR, true},
		{"mr", Options{NoECM: true}, pages.MR, false},
		{"mh", Options{NoECM: true, NoMR: true}, pages.MH, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			so := tc.opts
			so.Ident = "+32 2 555 01 01"
			c := runSim(t, sim.LineConfig{Delay: 20 * time.Millisecond}, doc, so, Options{Ident: "+1 555 1234"}, nil)
			if !c.sendRes.OK() || c.sendRes.Pages != 3 {
				c.dumpLogs(t)
				t.Fatalf("send: %+v", c.sendRes)
			}
			if !c.recvRes.OK() || c.recvRes.Pages != 3 || len(c.received) != 3 {
				t.Fatalf("receive: %+v, %d pages", c.recvRes, len(c.received))
			}
			for i, rp := range c.received {
				if !rp.Page.Equal(doc[i]) {
					x, y, _ := rp.Page.FirstDifference(doc[i])
					t.Fatalf("page %d differs at (%d,%d)", i+1, x, y)
				}
			}
			r := c.sendRes
			if r.BitRate != 14400 || r.Coding != tc.wantCoding || r.ECM != tc.wantECM || r.RemoteIdent != "+1 555 1234" || c.recvRes.RemoteIdent != "+32 2 555 01 01" {
				t.Fatalf("negotiated %+v / %+v", c.sendRes, c.recvRes)
			}
			t.Logf("%s: connected %.1f s for %d pages", tc.name, r.Connected.Seconds(), r.Pages)
		})
	}
}

// TestSimTimeLimit: a call given MaxDuration ends cleanly when it is up:
// the sender reports time-limit with only the confirmed pages, the line is
// released, and the connected time does not exceed the limit by more than
// the hang-up.
func TestSimTimeLimit(t *testing.T) {
	doc := Pages{chartPage(t, 1, 0), chartPage(t, 2, 0), chartPage(t, 3, 0)}
	limit := 40 * time.Second
	c := runSim(t, sim.LineConfig{}, doc, Options{MaxDuration: limit}, Options{}, nil)
	r := c.sendRes
	if r.Reason != ReasonTimeLimit || r.Pages >= 3 || r.Pages < 1 {
		t.Fatalf("send: %+v", r)
	}
	if r.Connected > limit+hangupTimeout {
		t.Fatalf("connected %v with a limit of %v", r.Connected, limit)
	}
	if len(c.received) < r.Pages {
		t.Fatalf("sender counts %d pages, receiver stored %d", r.Pages, len(c.received))
	}
	t.Logf("%d pages in %v: %s", r.Pages, r.Connected, r.Text)
}
