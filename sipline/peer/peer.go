//go:build spandsp

// Package peer is a test-only SIP and T.38 fax peer built from two
// independent implementations: sipp (Debian sip-tester) does the SIP
// signalling from a scenario, and spandsp's T.38 terminal (package
// t38/spandsp) sends or receives the fax over UDPTL. A relay between the
// two learns the far end's media address from its first datagram, since
// sipp cannot hand the address from the SDP to the terminal.
//
// It needs cgo and the build tag "spandsp", so it never enters the
// product binary; a missing sipp fails the test, never skips it.
package peer

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

	"faxbox/t38/spandsp"
)

// Peer is a running sipp scenario with spandsp's T.38 terminal behind it.
type Peer struct {
	t     testing.TB
	port  int
	cmd   *exec.Cmd
	out   bytes.Buffer
	done  chan error
	term  *spandsp.Terminal
	relay *relay
}

// Start runs scenario (sipp XML, one call) on a free loopback port, with
// the keyword [image_port] set to the relay's port; target is the SIP
// address sipp calls, "" when sipp answers. term configures spandsp's
// terminal.
func Start(t testing.TB, scenario, target string, term spandsp.TerminalConfig) *Peer {
	t.Helper()
	bin, err := exec.LookPath("sipp")
	if err != nil {
		t.Fatalf("sipp (Debian sip-tester) is needed: %v", err)
	}
	r := newRelay(t)
	p := &Peer{t: t, relay: r}
	p.term, err = spandsp.StartTerminal(r.term, r.outer.LocalAddr(), term)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.term.Close)
	dir := t.TempDir()
	xml := filepath.Join(dir, "scenario.xml")
	if err := os.WriteFile(xml, []byte(scenario), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if p.run(bin, dir, xml, target, strings.Contains(scenario, "[audio_port]")) {
			return p
		}
	}
	t.Fatal("sipp found no free port in 5 tries")
	return nil
}

// run starts sipp; false if its port was taken in the meantime.
func (p *Peer) run(bin, dir, xml, target string, audio bool) bool {
	p.port = FreeUDPPort(p.t)
	p.out.Reset()
	args := []string{"-sf", xml, "-i", "127.0.0.1", "-p", fmt.Sprint(p.port), "-m", "1", "-nostdin",
		"-timeout", "120s", "-timeout_error", "-key", "image_port", fmt.Sprint(p.relay.port()),
		"-trace_err", "-error_file", filepath.Join(dir, "errors.log"), "-trace_msg", "-message_file", filepath.Join(dir, "msg.log")}
	if audio { // nobody listens there: the audio before T.38 goes nowhere
		args = append(args, "-key", "audio_port", fmt.Sprint(FreeUDPPort(p.t)))
	}
	if target != "" {
		args = append(args, "-s", "4420", target)
	}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	if err := p.cmd.Start(); err != nil {
		p.t.Fatalf("sipp: %v", err)
	}
	p.done = make(chan error, 1)
	go func(c *exec.Cmd, done chan error) { done <- c.Wait() }(p.cmd, p.done)
	if err := p.waitBound(); err != nil {
		if strings.Contains(p.out.String(), "Address already in use") {
			return false
		}
		p.t.Fatal(err)
	}
	p.t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if p.t.Failed() {
			for _, f := range []string{"errors.log", "msg.log"} {
				b, _ := os.ReadFile(filepath.Join(dir, f))
				p.t.Logf("sipp %s:\n%s", f, b)
			}
		}
	})
	return true
}

// waitBound waits until sipp holds its UDP port.
func (p *Peer) waitBound() error {
	for range 300 {
		select {
		case err := <-p.done:
			p.done <- err
			return fmt.Errorf("sipp exited at once: %v\n%s", err, p.out.String())
		default:
		}
		c, err := net.ListenPacket("udp", p.Addr())
		if err != nil {
			return nil
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("sipp did not bind %s", p.Addr())
}

// Addr is sipp's SIP address, host:port.
func (p *Peer) Addr() string { return fmt.Sprintf("127.0.0.1:%d", p.port) }

// Wait waits for the fax and the scenario to end; it fails the test if
// sipp's scenario did not pass.
func (p *Peer) Wait(ctx context.Context) spandsp.Result {
	p.t.Helper()
	res, err := p.term.Wait(ctx)
	if err != nil {
		p.t.Fatalf("spandsp's terminal: %v", err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			p.t.Errorf("sipp scenario failed: %v\n%s", err, tail(p.out.String(), 3000))
		}
	case <-ctx.Done():
		p.t.Errorf("sipp still running: %v\n%s", ctx.Err(), tail(p.out.String(), 3000))
	}
	return res
}

// MediaPeer is the address the far end sent its first UDPTL datagram
// from (nil if none came).
func (p *Peer) MediaPeer() net.Addr { return p.relay.peer() }

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// FreeUDPPort returns a loopback UDP port that was free a moment ago.
func FreeUDPPort(t testing.TB) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// relay joins the terminal's socket to the address sipp advertises: what
// comes to outer from the far end goes to the terminal, and what the
// terminal sends to outer goes to the far end, once known.
type relay struct {
	outer, term *net.UDPConn
	mu          sync.Mutex
	far         *net.UDPAddr
}

func newRelay(t testing.TB) *relay {
	r := &relay{outer: listenUDP(t), term: listenUDP(t)}
	go r.run()
	return r
}

func listenUDP(t testing.TB) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func (r *relay) port() int { return r.outer.LocalAddr().(*net.UDPAddr).Port }

func (r *relay) peer() net.Addr {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.far == nil {
		return nil
	}
	return r.far
}

func (r *relay) run() {
	termAddr := r.term.LocalAddr().(*net.UDPAddr)
	buf := make([]byte, 65536)
	for {
		n, from, err := r.outer.ReadFromUDP(buf)
		if err != nil {
			return
		}
		if from.Port == termAddr.Port && from.IP.Equal(termAddr.IP) {
			if far := r.peer(); far != nil {
				_, _ = r.outer.WriteTo(buf[:n], far)
			}
			continue
		}
		r.mu.Lock()
		if r.far == nil {
			r.far = from
		}
		r.mu.Unlock()
		_, _ = r.outer.WriteToUDP(buf[:n], termAddr)
	}
}

// Scenario returns the sipp scenario testdata/name.xml of this package:
// uas-t38-fax (answers T.38, waits for BYE), uas-488-far-switch (488 to
// T.38, audio, then its own re-INVITE to T.38, waits for BYE) and
// uac-t38-fax (calls with T.38, waits for BYE).
func Scenario(t testing.TB, name string) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(file), "testdata", name+".xml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
