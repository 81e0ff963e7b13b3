package sip

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// rtpCapture receives the RTP we send to a far end that sipp stands for.
type rtpCapture struct {
	conn net.PacketConn
	pkts chan []byte
}

func newRTPCapture(t *testing.T) *rtpCapture {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &rtpCapture{conn: c, pkts: make(chan []byte, 1000)}
	t.Cleanup(func() { c.Close() })
	go func() {
		for {
			b := make([]byte, 1500)
			n, _, err := c.ReadFrom(b)
			if err != nil {
				close(r.pkts)
				return
			}
			select {
			case r.pkts <- b[:n]:
			default:
			}
		}
	}()
	return r
}

func (r *rtpCapture) port() int { return r.conn.LocalAddr().(*net.UDPAddr).Port }

// packets returns what has arrived so far.
func (r *rtpCapture) packets() [][]byte {
	var out [][]byte
	for {
		select {
		case p, ok := <-r.pkts:
			if !ok {
				return out
			}
			out = append(out, p)
		default:
			return out
		}
	}
}

// checkTone checks received G.711 RTP: one stream, consecutive sequence
// numbers and timestamps, the tone's frequency while on and silence while
// off, with the tone's cadence.
func checkTone(t *testing.T, pkts [][]byte, tone Tone, min int) {
	t.Helper()
	if len(pkts) < min {
		t.Fatalf("%d RTP packets received, want at least %d", len(pkts), min)
	}
	freq, on, off := tone.cadence()
	other := 2100.0
	if freq == 2100 {
		other = 1100
	}
	for i, p := range pkts {
		if len(p) != rtpHeaderLen+frameSamples || p[0] != 0x80 || p[1]&0x7f != PayloadPCMU {
			t.Fatalf("packet %d: %d bytes, header % x", i, len(p), p[:2])
		}
		if i > 0 && binary.BigEndian.Uint16(p[2:])-binary.BigEndian.Uint16(pkts[i-1][2:]) != 1 {
			t.Fatalf("packet %d: sequence gap", i)
		}
		samples := make([]int16, 0, frameSamples)
		for _, c := range p[rtpHeaderLen:] {
			samples = append(samples, ulawDecode(c))
		}
		pos := i * frameSamples
		if off > 0 {
			pos %= on + off
		}
		want := pos < on
		got := goertzel(samples, freq) > 1e9 && goertzel(samples, freq) > 100*goertzel(samples, other)
		if got != want {
			t.Fatalf("packet %d (%.2f s): %.0f Hz on = %v, want %v", i, float64(i)*0.02, freq, got, want)
		}
	}
}

type dialCase struct {
	scenario      string
	offerT38      bool
	reinviteAfter time.Duration
	want          string
	status        int
	check         func(t *testing.T, tl *traceLog, evs []Event, rtp *rtpCapture)
}

func TestDial(t *testing.T) {
	for _, tc := range []dialCase{
		{scenario: "uas-busy", offerT38: true, want: "failed(busy)", status: 486},
		{scenario: "uas-noanswer", offerT38: true, want: "failed(no-answer)", check: sentCancel},
		{scenario: "uas-far-switch", want: "answered t38 remote-bye(remote-bye)", check: checkCNG},
		{scenario: "uas-we-switch", reinviteAfter: 300 * time.Millisecond, want: "answered t38 remote-bye(remote-bye)"},
		{scenario: "uas-reinvite-488", reinviteAfter: 300 * time.Millisecond, want: "answered failed(t38-refused)", status: 488},
		{scenario: "uas-glare", reinviteAfter: 300 * time.Millisecond, want: "answered t38 remote-bye(remote-bye)", check: glareWaited},
		{scenario: "uas-session-timer", offerT38: true, want: "answered t38 remote-bye(remote-bye)", check: refreshKeptT38},
		{scenario: "uas-t38-488-audio", offerT38: true, reinviteAfter: 300 * time.Millisecond, want: "answered t38 remote-bye(remote-bye)"},
		{scenario: "uas-session-expired", offerT38: true, want: "answered t38 failed(session-expired)"},
		{scenario: "uas-update-refresh", offerT38: true, want: "answered t38 remote-bye(remote-bye)"},
	} {
		t.Run(tc.scenario, func(t *testing.T) { runDial(t, tc) })
	}
}

func runDial(t *testing.T, tc dialCase) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	rtp := newRTPCapture(t)
	sp := startSipp(t, tc.scenario, "", "-key", "rtpport", fmt.Sprint(rtp.port()))
	cfg := testConfig(t)
	cfg.T38.ReinviteAfter = Duration(tc.reinviteAfter)
	a, tl := newTestAgent(t, cfg)
	c, err := a.Dial("sip:123@"+sp.addr(), DialOptions{OfferT38: tc.offerT38})
	if err != nil {
		t.Fatal(err)
	}
	evs := collect(ctx, t, c)
	if last := evs[len(evs)-1]; last.Status != tc.status {
		t.Errorf("last event status = %d, want %d", last.Status, tc.status)
	}
	endCase(ctx, t, sp, tl, evs, tc.want, func() {
		if tc.check != nil {
			tc.check(t, tl, evs, rtp)
		}
	})
}

// endCase checks the events and waits for sipp's verdict, then runs check
// and shows the trace if something failed.
func endCase(ctx context.Context, t *testing.T, sp *sipp, tl *traceLog, evs []Event, want string, check func()) {
	t.Helper()
	wantKinds(t, evs, want)
	sp.wait(ctx)
	check()
	if t.Failed() || testing.Verbose() {
		t.Logf("trace:\n%s", strings.Join(tl.firstLines(), "\n"))
	}
}

// sentCancel checks that the no-answer timeout sent CANCEL (RFC 3261 9.1).
func sentCancel(t *testing.T, tl *traceLog, _ []Event, _ *rtpCapture) {
	if !strings.Contains(strings.Join(tl.firstLines(), "\n"), "> CANCEL ") {
		t.Error("no CANCEL in the trace")
	}
}

// checkCNG checks the CNG we sent while the call was audio.
func checkCNG(t *testing.T, _ *traceLog, _ []Event, rtp *rtpCapture) {
	checkTone(t, rtp.packets(), ToneCNG, 50)
}

// glareWaited checks that after the 491 we waited at least 2.1 s, as the
// owner of the Call-ID must (RFC 3261 14.1), before re-INVITEing again.
func glareWaited(t *testing.T, tl *traceLog, _ []Event, _ *rtpCapture) {
	var got491 time.Time
	if !strings.Contains(strings.Join(tl.firstLines(), "\n"), "> SIP/2.0 491") {
		t.Error("we did not answer the crossing re-INVITE with 491 (RFC 3261 14.2)")
	}
	for _, r := range tl.records() {
		line, _, _ := strings.Cut(string(r.Msg), "\r\n")
		switch {
		case !r.Sent && strings.HasPrefix(line, "SIP/2.0 491") && bytes.Contains(r.Msg, []byte("INVITE\r\n")):
			got491 = r.Time
		case r.Sent && strings.HasPrefix(line, "INVITE ") && !got491.IsZero():
			if d := r.Time.Sub(got491); d < 2100*time.Millisecond {
				t.Errorf("re-INVITE again %v after 491, want at least 2.1 s", d)
			}
			return
		}
	}
	t.Error("no 491 then INVITE in the trace")
}

// refreshKeptT38 checks that our session refresh offered the same T.38
// description, version included (RFC 3264 8), and that we answered the far
// end's refresh with it too.
func refreshKeptT38(t *testing.T, tl *traceLog, evs []Event, _ *rtpCapture) {
	var bodies []string
	for _, r := range tl.records() {
		if r.Sent && (bytes.HasPrefix(r.Msg, []byte("INVITE ")) || bytes.HasPrefix(r.Msg, []byte("SIP/2.0 200"))) {
			if _, body, ok := bytes.Cut(r.Msg, []byte("\r\n\r\n")); ok && len(body) > 0 {
				bodies = append(bodies, string(body))
			}
		}
	}
	if len(bodies) != 3 {
		t.Fatalf("%d SDP bodies sent, want 3 (INVITE, refresh, answer to the far refresh)", len(bodies))
	}
	for _, b := range bodies[1:] {
		if b != bodies[0] {
			t.Errorf("refresh SDP differs:\n%s\n---\n%s", bodies[0], b)
		}
	}
	if n := strings.Count(kinds(evs), "t38"); n != 1 {
		t.Errorf("%d T.38 events, want 1: the stream must not change", n)
	}
}

type acceptCase struct {
	scenario      string
	answerAfter   time.Duration
	reinviteAfter time.Duration
	hangupOnT38   bool
	want          string
	check         func(t *testing.T, tl *traceLog, evs []Event, rtp *rtpCapture)
}

func TestAccept(t *testing.T) {
	for _, tc := range []acceptCase{
		{scenario: "uac-t38", want: "answered t38 remote-bye(remote-bye)"},
		{scenario: "uac-t38-we-bye", hangupOnT38: true, want: "answered t38 hung-up"},
		{scenario: "uac-far-switch", want: "answered t38 remote-bye(remote-bye)", check: checkCED},
		{scenario: "uac-we-switch", reinviteAfter: 300 * time.Millisecond, want: "answered t38 remote-bye(remote-bye)"},
		{scenario: "uac-cancel", answerAfter: 3 * time.Second, want: "failed(cancelled)"},
	} {
		t.Run(tc.scenario, func(t *testing.T) { runAccept(t, tc) })
	}
}

func runAccept(t *testing.T, tc acceptCase) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	rtp := newRTPCapture(t)
	cfg := testConfig(t)
	cfg.AnswerAfter = Duration(tc.answerAfter)
	cfg.T38.ReinviteAfter = Duration(tc.reinviteAfter)
	a, tl := newTestAgent(t, cfg)
	sp := startSipp(t, tc.scenario, a.Addr().String(), "-key", "rtpport", fmt.Sprint(rtp.port()))
	c, err := a.Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var evs []Event
	for e := range c.Events() {
		evs = append(evs, e)
		if e.Kind == EventT38 && tc.hangupOnT38 {
			c.Hangup()
		}
	}
	endCase(ctx, t, sp, tl, evs, tc.want, func() {
		if tc.check != nil {
			tc.check(t, tl, evs, rtp)
		}
	})
}

// checkCED checks the CED we sent while the incoming call was audio.
func checkCED(t *testing.T, _ *traceLog, _ []Event, rtp *rtpCapture) {
	checkTone(t, rtp.packets(), ToneCED, 50)
}

// TestTCP places and accepts a T.38 call over TCP (RFC 3261 18).
func TestTCP(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cfg := testConfig(t)
	cfg.Transport = TCP
	a, tl := newTestAgent(t, cfg)

	out := startSipp(t, "uas-t38", "", "-t", "t1")
	c, err := a.Dial("sip:123@"+out.addr(), DialOptions{OfferT38: true})
	if err != nil {
		t.Fatal(err)
	}
	wantKinds(t, collect(ctx, t, c), "answered t38 remote-bye(remote-bye)")
	out.wait(ctx)

	in := startSipp(t, "uac-t38", a.Addr().String(), "-t", "t1")
	if c, err = a.Accept(ctx); err != nil {
		t.Fatal(err)
	}
	wantKinds(t, collect(ctx, t, c), "answered t38 remote-bye(remote-bye)")
	in.wait(ctx)
	lines := strings.Join(tl.firstLines(), "\n")
	for _, want := range []string{"< INVITE sip:service@", "> SIP/2.0 200 OK", "< BYE "} {
		if !strings.Contains(lines, want) {
			t.Errorf("TCP trace lacks %q:\n%s", want, lines)
		}
	}
	if testing.Verbose() {
		t.Logf("trace:\n%s", lines)
	}
}

// TestDialAuth answers the trunk's digest challenge to the INVITE; sipp
// checks the credentials.
func TestDialAuth(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	sp := startSipp(t, "uas-auth-t38", "")
	cfg := testConfig(t)
	tl := &traceLog{}
	a, err := NewAgent(cfg, Options{Password: "s3cret", Trace: tl.add})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { a.Close(); checkNoGoroutines(t) }()
	c, err := a.Dial("sip:123@"+sp.addr(), DialOptions{OfferT38: true})
	if err != nil {
		t.Fatal(err)
	}
	endCase(ctx, t, sp, tl, collect(ctx, t, c), "answered t38 remote-bye(remote-bye)", func() {})
}

// TestMaxCalls refuses a call beyond max_calls with ReasonBusy.
func TestMaxCalls(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	sp := startSipp(t, "uas-noanswer", "")
	cfg := testConfig(t)
	cfg.MaxCalls = 1
	a, _ := newTestAgent(t, cfg)
	c, err := a.Dial("sip:123@"+sp.addr(), DialOptions{OfferT38: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Dial("sip:124@"+sp.addr(), DialOptions{}); ReasonOf(err) != ReasonBusy {
		t.Errorf("second Dial = %v, want %s", err, ReasonBusy)
	}
	wantKinds(t, collect(ctx, t, c), "failed(no-answer)")
	sp.wait(ctx)
}
