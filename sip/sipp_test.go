package sip

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// sipp is a running sipp scenario: the independent SIP peer of these tests.
type sipp struct {
	t    *testing.T
	tcp  bool
	port int
	cmd  *exec.Cmd
	out  bytes.Buffer
	done chan error
}

// freeUDPPort returns a loopback UDP port that was free a moment ago.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// startSipp runs testdata/<scenario>.xml for one call on a fresh loopback
// port; target is our address for scenarios where sipp calls. It fails
// the test, never skips it, if sipp is missing.
func startSipp(t *testing.T, scenario, target string, extra ...string) *sipp {
	t.Helper()
	bin, err := exec.LookPath("sipp")
	if err != nil {
		t.Fatalf("sipp (Debian sip-tester) is needed: %v", err)
	}
	s := &sipp{t: t, port: freeUDPPort(t), done: make(chan error, 1), tcp: strings.Contains(strings.Join(extra, " "), "-t t1")}
	dir := t.TempDir()
	args := []string{"-sf", filepath.Join("testdata", scenario+".xml"), "-i", "127.0.0.1",
		"-p", fmt.Sprint(s.port), "-m", "1", "-nostdin", "-timeout", "40s", "-timeout_error",
		"-trace_err", "-error_file", filepath.Join(dir, "errors.log"), "-trace_msg", "-message_file", filepath.Join(dir, "msg.log")}
	if xml, err := os.ReadFile(filepath.Join("testdata", scenario+".xml")); err != nil {
		t.Fatal(err)
	} else if !bytes.Contains(xml, []byte("[rtpport]")) {
		extra = withoutKey(extra, "rtpport") // sipp refuses a keyword its scenario lacks
	}
	args = append(args, extra...)
	if target != "" {
		args = append(args, target)
	}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Stdout, s.cmd.Stderr = &s.out, &s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("sipp: %v", err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.cmd.Process.Kill()
			<-s.done
		}
		if t.Failed() {
			for _, f := range []string{"errors.log", "msg.log"} {
				b, _ := os.ReadFile(filepath.Join(dir, f))
				t.Logf("sipp %s:\n%s", f, b)
			}
		}
	})
	s.waitBound()
	return s
}

// withoutKey drops "-key name value" from args.
func withoutKey(args []string, name string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		if args[i] == "-key" && i+1 < len(args) && args[i+1] == name {
			i += 2
			continue
		}
		out = append(out, args[i])
	}
	return out
}

// waitBound waits until sipp holds its port, so that we never send to it
// before it listens.
func (s *sipp) waitBound() {
	for range 200 {
		select {
		case err := <-s.done:
			s.done <- err
			s.t.Fatalf("sipp exited at once: %v\n%s", err, s.out.String())
		default:
		}
		if s.tcp {
			if c, err := net.Dial("tcp", s.addr()); err == nil {
				c.Close()
				return
			}
		} else {
			c, err := net.ListenPacket("udp", s.addr())
			if err != nil {
				return
			}
			c.Close()
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.t.Fatalf("sipp did not bind 127.0.0.1:%d", s.port)
}

// addr is sipp's SIP address.
func (s *sipp) addr() string { return fmt.Sprintf("127.0.0.1:%d", s.port) }

// wait waits for sipp to finish its scenario and fails if it did not pass.
func (s *sipp) wait(ctx context.Context) {
	s.t.Helper()
	select {
	case err := <-s.done:
		if err != nil {
			s.t.Errorf("sipp scenario failed: %v\n%s", err, tail(s.out.String(), 3000))
		}
	case <-ctx.Done():
		s.t.Errorf("sipp still running: %v\n%s", ctx.Err(), tail(s.out.String(), 3000))
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// testConfig is a line on loopback with short timers for tests.
func testConfig(t *testing.T) Config {
	c := Default()
	c.Listen = "127.0.0.1"
	p := freeUDPPort(t)
	c.SIPPorts = PortRange{p, p}
	c.MediaPorts = PortRange{41000, 41999}
	c.User, c.Number = "fax", "4420"
	c.RingTimeout = Duration(2 * time.Second)
	c.T38.ReinviteAfter = 0
	return c
}

// traceLog collects the agent's trace.
type traceLog struct {
	mu   sync.Mutex
	recs []TraceRecord
}

func (l *traceLog) add(r TraceRecord) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recs = append(l.recs, r)
}

// firstLines returns the start line of every message, "> " sent, "< " received.
func (l *traceLog) firstLines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.recs {
		dir := "< "
		if r.Sent {
			dir = "> "
		}
		line, _, _ := strings.Cut(string(r.Msg), "\r\n")
		out = append(out, dir+line)
	}
	return out
}

func newTestAgent(t *testing.T, cfg Config) (*Agent, *traceLog) {
	t.Helper()
	tl := &traceLog{}
	a, err := NewAgent(cfg, Options{Trace: tl.add})
	if err != nil {
		t.Fatalf("NewAgent: %v", err)
	}
	t.Cleanup(func() {
		a.Close()
		checkNoGoroutines(t)
	})
	return a, tl
}

// checkNoGoroutines fails if a goroutine of this package outlives its
// agent (sipgo's own transaction timers are not ours to check).
func checkNoGoroutines(t *testing.T) {
	t.Helper()
	var leaked string
	for range 100 {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		leaked = ""
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "faxbox/sip.") && !strings.Contains(g, "faxbox/sip.Test") &&
				!strings.Contains(g, "_test.go") {
				leaked += g + "\n\n"
			}
		}
		if leaked == "" {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("goroutines left behind:\n%s", leaked)
}

// collect reads a call's events until the channel closes.
func collect(ctx context.Context, t *testing.T, c *Call) []Event {
	t.Helper()
	var evs []Event
	for {
		select {
		case e, ok := <-c.Events():
			if !ok {
				return evs
			}
			evs = append(evs, e)
		case <-ctx.Done():
			t.Fatalf("call did not end: %v; events so far %v", ctx.Err(), kinds(evs))
		}
	}
}

func kinds(evs []Event) string {
	var s []string
	for _, e := range evs {
		k := e.Kind.String()
		if e.Reason != "" {
			k += "(" + string(e.Reason) + ")"
		}
		s = append(s, k)
	}
	return strings.Join(s, " ")
}

func wantKinds(t *testing.T, evs []Event, want string) {
	t.Helper()
	if got := kinds(evs); got != want {
		t.Errorf("events = %q, want %q", got, want)
		for _, e := range evs {
			if e.Err != nil {
				t.Logf("%s: %v", e.Kind, e.Err)
			}
		}
	}
}

func TestDialT38Direct(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	sp := startSipp(t, "uas-t38", "")
	a, tl := newTestAgent(t, testConfig(t))
	c, err := a.Dial("sip:123@"+sp.addr(), DialOptions{OfferT38: true})
	if err != nil {
		t.Fatal(err)
	}
	evs := collect(ctx, t, c)
	wantKinds(t, evs, "answered t38 remote-bye(remote-bye)")
	if len(evs) > 1 && evs[1].T38 != nil {
		s := evs[1].T38
		want := T38Params{Version: 0, MaxBitRate: 9600, RateManagement: TransferredTCF, MaxBuffer: 262,
			MaxDatagram: 176, UDPEC: ECRedundancy}
		if s.Params != want || s.Remote.String() != "127.0.0.1:7000" || s.Conn == nil {
			t.Errorf("T38 session = %+v", *s)
		}
	}
	sp.wait(ctx)
	t.Logf("trace:\n%s", strings.Join(tl.firstLines(), "\n"))
}

func (l *traceLog) records() []TraceRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]TraceRecord(nil), l.recs...)
}
