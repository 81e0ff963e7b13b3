//go:build spandsp

package t38_test

// Calls between Faxbox's T.30 engine over a t38.Line and spandsp 0.0.6's
// T.38 terminal over loopback UDP, in real time, optionally through a
// relay that loses and reorders datagrams.

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	msp "faxbox/modem/spandsp"
	"faxbox/pages"
	"faxbox/t30"
	"faxbox/t38"
	"faxbox/t38/spandsp"
)

func listenUDP(t testing.TB) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// relay forwards datagrams between two loopback sockets, losing a share
// of them and swapping some with the next one.
type relay struct {
	loss, swap float64
	mu         sync.Mutex
	rng        *rand.Rand
	dropped    int
	swapped    int
}

// start forwards what arrives on in (from either end) to out's peer.
func (r *relay) forward(in *net.UDPConn, out *net.UDPConn, to *net.UDPAddr) {
	buf := make([]byte, 65536)
	var held []byte
	for {
		_ = in.SetReadDeadline(time.Now().Add(40 * time.Millisecond))
		n, _, err := in.ReadFromUDP(buf)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			if held != nil {
				_, _ = out.WriteToUDP(held, to)
				held = nil
			}
			continue
		}
		if err != nil {
			return
		}
		p := append([]byte(nil), buf[:n]...)
		r.mu.Lock()
		lose, swap := r.rng.Float64() < r.loss, r.rng.Float64() < r.swap
		if lose {
			r.dropped++
		} else if swap && held == nil {
			r.swapped++
		}
		r.mu.Unlock()
		switch {
		case lose:
		case held != nil:
			_, _ = out.WriteToUDP(p, to)
			_, _ = out.WriteToUDP(held, to)
			held = nil
		case swap:
			held = p
		default:
			_, _ = out.WriteToUDP(p, to)
		}
	}
}

// link is the network between the Line and spandsp's terminal.
type link struct {
	ours, theirs     *net.UDPConn
	oursTo, theirsTo net.Addr
	relay            *relay
	theirsCapture    *captureConn // spandsp's socket: what it sends, before any loss
}

func newLink(t testing.TB, loss, swap float64, seed uint64) *link {
	l := &link{ours: listenUDP(t), theirs: listenUDP(t)}
	l.theirsCapture = &captureConn{PacketConn: l.theirs}
	if loss == 0 && swap == 0 {
		l.oursTo, l.theirsTo = l.theirs.LocalAddr(), l.ours.LocalAddr()
		return l
	}
	ra, rb := listenUDP(t), listenUDP(t)
	l.relay = &relay{loss: loss, swap: swap, rng: rand.New(rand.NewPCG(seed, 7))}
	go l.relay.forward(ra, rb, l.theirs.LocalAddr().(*net.UDPAddr))
	go l.relay.forward(rb, ra, l.ours.LocalAddr().(*net.UDPAddr))
	l.oursTo, l.theirsTo = ra.LocalAddr(), rb.LocalAddr()
	return l
}

func spandspModems(rate int) msp.Modems {
	switch {
	case rate <= 4800:
		return msp.V27ter
	case rate <= 9600:
		return msp.V27ter | msp.V29
	}
	return msp.V27ter | msp.V29 | msp.V17
}

// callCase is one call between Faxbox and spandsp's T.38 terminal.
type callCase struct {
	name       string
	rate       int
	ecm        bool
	version    int
	loss, swap float64
	// bare: spandsp sends UDPTL without redundancy, so that each datagram
	// lost is lost for good.
	bare bool
}

func (tc callCase) params() (t38.Params, t38.Config) {
	p := t38.Default()
	p.Version, p.MaxBitRate = tc.version, tc.rate
	return p, t38.Config{Params: p}
}

func (tc callCase) terminal(role msp.Role, file string, calling bool) spandsp.TerminalConfig {
	red := 2
	if tc.bare {
		red = 0
	}
	return spandsp.TerminalConfig{
		Fax:     msp.FaxConfig{Role: role, File: file, Ident: "+44 20 7946 0000", ECM: tc.ecm, Modems: spandspModems(tc.rate)},
		Calling: calling, Version: tc.version, MaxRate: tc.rate, Redundancy: red,
	}
}

var callCases = []callCase{
	{name: "ecm-14400-v3", rate: 14400, ecm: true, version: 3},
	{name: "14400-v0", rate: 14400, version: 0},
	{name: "ecm-9600-v0", rate: 9600, ecm: true, version: 0},
	{name: "9600-v3", rate: 9600, version: 3},
	{name: "ecm-4800-v3", rate: 4800, ecm: true, version: 3},
	{name: "4800-v0", rate: 4800, version: 0},
}

var lossyCases = []callCase{
	{name: "ecm-loss2", rate: 14400, ecm: true, version: 3, loss: 0.02, swap: 0.02},
	{name: "ecm-loss5", rate: 14400, ecm: true, version: 0, loss: 0.05, swap: 0.05},
	// At 10 %, blocks come back PPR often; spandsp then counts in its PPS
	// only the frames it resent (t30/ecm.go keeps the block's count).
	{name: "ecm-loss10", rate: 14400, ecm: true, version: 3, loss: 0.10, swap: 0.10},
}

func samePages(t testing.TB, got []*pages.Page, want t30.Pages) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d pages, want %d", len(got), len(want))
	}
	for i := range want {
		if !got[i].Equal(want[i]) {
			x, y, _ := got[i].FirstDifference(want[i])
			t.Fatalf("page %d differs at (%d,%d), %dx%d", i+1, x, y, got[i].Width, got[i].Height)
		}
	}
}

// sendCall is Faxbox calling spandsp's T.38 terminal to send.
type sendCall struct {
	tc      callCase
	lk      *link
	out     string
	term    *spandsp.Terminal
	line    *t38.Line
	capture *captureConn
	so      t30.Options
	res     t30.Result
	sr      spandsp.Result
	err     error
}

// startSend sets up the sockets, spandsp's terminal and the Line (on the
// test's goroutine); run may then go on another. With T38TRACE set in the
// environment, every IFP packet and the T.30 engine's debug log are shown.
func startSend(t testing.TB, tc callCase) *sendCall {
	c := &sendCall{tc: tc, lk: newLink(t, tc.loss, tc.swap, 1), out: filepath.Join(t.TempDir(), "rx.tif")}
	var err error
	c.term, err = spandsp.StartTerminal(c.lk.theirsCapture, c.lk.theirsTo, tc.terminal(msp.Receive, c.out, false))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.term.Close)
	params, cfg := tc.params()
	if os.Getenv("T38TRACE") != "" {
		cfg.Trace = func(e t38.TraceEntry) {
			t.Logf("%s sent=%v seq=%d %v rec=%v", e.At.Format("05.000"), e.Sent, e.Seq, e.Packet, e.Recovered)
		}
	}
	c.capture = &captureConn{PacketConn: c.lk.ours}
	if c.line, err = t38.NewLine(c.capture, c.lk.oursTo, cfg); err != nil {
		t.Fatal(err)
	}
	c.so = t30.Options{Ident: "+32 2 555 01 01", NoECM: !tc.ecm, Modulations: params.Modulations()}
	if os.Getenv("T38TRACE") != "" {
		c.so.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return c
}

// run places the call and waits for both ends.
func (c *sendCall) run(doc t30.Pages) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	c.res = t30.Send(ctx, c.line, "", doc, c.so)
	c.sr, c.err = c.term.Wait(ctx)
}

// check asserts that the call went through with identical pages.
func (c *sendCall) check(t testing.TB, doc t30.Pages) {
	t.Helper()
	if c.err != nil {
		t.Fatal(c.err)
	}
	if !c.res.OK() || c.res.Pages != len(doc) || !c.sr.OK() || c.sr.Pages != len(doc) {
		t.Fatalf("faxd: %+v %+v\nspandsp: %+v", c.res, c.line.Stats(), c.sr)
	}
	checkNegotiated(t, c.tc, c.res, c.sr)
	samePages(t, readTIFF(t, c.out), doc)
}

// faxdSends: Faxbox calls and sends; spandsp's T.38 terminal receives.
func faxdSends(t *testing.T, tc callCase, doc t30.Pages) {
	c := startSend(t, tc)
	c.run(doc)
	c.check(t, doc)
	report(t, tc, c.res, c.line.Stats(), c.sr, c.lk)
	c.capture.checkTsharkWithSpandsp(t, tc.version == 0, c.lk.theirsCapture)
}

// rxCall is a call in which spandsp's T.38 terminal sends and Faxbox
// receives.
type rxCall struct {
	res     t30.Result
	sr      spandsp.Result
	got     []*pages.Page      // the pages Faxbox confirmed
	judged  []t30.PageReceived // every page Faxbox judged, confirmed or not
	stats   t38.LineStats
	lk      *link
	capture *captureConn
}

// receiveFromSpandsp: spandsp's T.38 terminal calls and sends doc;
// Faxbox answers and receives.
func receiveFromSpandsp(t *testing.T, tc callCase, doc t30.Pages) rxCall {
	c := rxCall{lk: newLink(t, tc.loss, tc.swap, 2)}
	in := filepath.Join(t.TempDir(), "tx.tif")
	writeTIFF(t, in, doc)
	params, cfg := tc.params()
	if os.Getenv("T38TRACE") != "" {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	c.capture = &captureConn{PacketConn: c.lk.ours}
	line, err := t38.NewLine(c.capture, c.lk.oursTo, cfg)
	if err != nil {
		t.Fatal(err)
	}
	term, err := spandsp.StartTerminal(c.lk.theirsCapture, c.lk.theirsTo, tc.terminal(msp.Send, in, true))
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	o := t30.Options{Ident: "+32 2 555 01 01", NoECM: !tc.ecm, Modulations: params.Modulations()}
	if os.Getenv("T38TRACE") != "" {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	o.OnPage = func(p t30.ReceivedPage) error { c.got = append(c.got, p.Page); return nil }
	o.OnEvent = func(e t30.Event) {
		if pr, ok := e.(t30.PageReceived); ok {
			c.judged = append(c.judged, pr)
		}
	}
	c.res = t30.Receive(ctx, line, o)
	if c.sr, err = term.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	c.stats = line.Stats()
	return c
}

// faxdReceives: spandsp's T.38 terminal calls and sends; Faxbox answers
// and receives.
func faxdReceives(t *testing.T, tc callCase, doc t30.Pages) {
	c := receiveFromSpandsp(t, tc, doc)
	if !c.res.OK() || c.res.Pages != len(doc) || !c.sr.OK() || c.sr.Pages != len(doc) {
		t.Fatalf("faxd: %+v\nspandsp: %+v", c.res, c.sr)
	}
	checkNegotiated(t, tc, c.res, c.sr)
	samePages(t, c.got, doc)
	report(t, tc, c.res, c.stats, c.sr, c.lk)
	c.capture.checkTsharkWithSpandsp(t, tc.version == 0, c.lk.theirsCapture)
}

func checkNegotiated(t testing.TB, tc callCase, res t30.Result, sr spandsp.Result) {
	t.Helper()
	if res.BitRate != tc.rate || sr.BitRate != tc.rate || res.ECM != tc.ecm || sr.ECM != tc.ecm {
		t.Fatalf("negotiated faxd %d bit/s ECM %v, spandsp %d bit/s ECM %v; want %d, %v",
			res.BitRate, res.ECM, sr.BitRate, sr.ECM, tc.rate, tc.ecm)
	}
	// The TSI is optional and goes before the DCS in one message: at 10 %
	// loss it may be lost beyond redundancy while the DCS arrives.
	if res.RemoteIdent != "+44 20 7946 0000" && (tc.loss < 0.1 || res.RemoteIdent != "") {
		t.Fatalf("remote ident %q", res.RemoteIdent)
	}
}

func report(t *testing.T, tc callCase, res t30.Result, ls t38.LineStats, sr spandsp.Result, lk *link) {
	t.Helper()
	msg := fmt.Sprintf("%s: %d pages %v at %d bit/s in %.1f s; faxd %+v; spandsp sent %d received %d recovered %d",
		tc.name, res.Pages, res.Coding, res.BitRate, res.Connected.Seconds(), ls, sr.Sent, sr.Received, sr.Recovered)
	if lk.relay != nil {
		msg += fmt.Sprintf("; relay dropped %d swapped %d", lk.relay.dropped, lk.relay.swapped)
		if lk.relay.dropped == 0 {
			t.Errorf("the relay lost nothing")
		}
	}
	t.Log(msg)
}

func readTIFF(t testing.TB, path string) []*pages.Page {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ps, _, err := pages.ReadTIFF(data)
	if err != nil {
		t.Fatalf("spandsp's TIFF: %v", err)
	}
	return ps
}

func writeTIFF(t *testing.T, path string, doc t30.Pages) {
	t.Helper()
	var b bytes.Buffer
	if err := pages.WriteTIFF(&b, doc, pages.EncoderOptions{Coding: pages.MH}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestSpandspT38 runs Faxbox against spandsp's T.38 terminal both ways,
// ECM on and off, at 14400, 9600 and 4800 bit/s, T.38 versions 0
// (pre-corrigendum syntax) and 3; every page must arrive pixel-identical.
func TestSpandspT38(t *testing.T) {
	doc := t30.Pages{chart(t, 1, 350), chart(t, 2, 250)}
	for _, tc := range callCases {
		t.Run("faxd-sends/"+tc.name, func(t *testing.T) {
			t.Parallel()
			faxdSends(t, tc, doc)
		})
		t.Run("faxd-receives/"+tc.name, func(t *testing.T) {
			t.Parallel()
			faxdReceives(t, tc, doc)
		})
	}
}

// TestSpandspT38Lossy: with 2 %, 5 % and 10 % of datagrams lost and as
// many reordered, both ways, ECM calls complete with identical pages:
// UDPTL redundancy fills most gaps, ECM resends the rest.
func TestSpandspT38Lossy(t *testing.T) {
	doc := t30.Pages{chart(t, 1, 350), chart(t, 2, 250)}
	for _, tc := range lossyCases {
		t.Run("faxd-sends/"+tc.name, func(t *testing.T) {
			t.Parallel()
			faxdSends(t, tc, doc)
		})
		t.Run("faxd-receives/"+tc.name, func(t *testing.T) {
			t.Parallel()
			faxdReceives(t, tc, doc)
		})
	}
}
