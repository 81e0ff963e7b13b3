package console_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"faxbox/firmware/console"
)

// pipePeer is the installer's end of a net.Pipe inside a synctest
// bubble, where time is fake: waits of minutes pass at once.
// A goroutine reads the pipe into recv (a pipe is synchronous: the
// console's echo would otherwise block the typing); expect takes from it,
// and a test that stops calling expect stalls the console's writes.
type pipePeer struct {
	t    *testing.T
	c    net.Conn
	recv chan []byte
	out  []byte
	done chan struct{} // closed when Run has returned
	err  error         // what Run returned
}

func newPeer(t *testing.T, c net.Conn) *pipePeer {
	p := &pipePeer{t: t, c: c, recv: make(chan []byte), done: make(chan struct{})}
	go func() {
		defer close(p.recv)
		for {
			buf := make([]byte, 1024)
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			p.recv <- buf[:n]
		}
	}()
	t.Cleanup(func() {
		c.Close()
		for range p.recv {
		}
	})
	return p
}

// startPipe runs Run on one end of a net.Pipe until it returns and
// gives the other end.
func startPipe(t *testing.T, cfg console.Config) *pipePeer {
	a, b := net.Pipe()
	p := newPeer(t, b)
	go func() {
		p.err = console.Run(context.Background(), a, cfg)
		a.Close()
		close(p.done)
	}()
	return p
}

// expect reads until the output contains want.
func (p *pipePeer) expect(want string) string {
	p.t.Helper()
	for {
		if i := bytes.Index(p.out, []byte(want)); i >= 0 {
			got := string(p.out[:i+len(want)])
			p.out = p.out[i+len(want):]
			return got
		}
		b, ok := <-p.recv
		if !ok {
			p.t.Fatalf("waiting for %q: the pipe closed; got %q", want, p.out)
		}
		p.out = append(p.out, b...)
	}
}

func (p *pipePeer) typ(s string) {
	p.t.Helper()
	if _, err := p.c.Write([]byte(s)); err != nil {
		p.t.Fatalf("typing %q: %v", s, err)
	}
}

// TestPINDelayAndLockout checks that each wrong PIN makes the next
// attempt wait longer, that the fourth locks the console for the lockout,
// and that the guard's count is shared by later sessions.
func TestPINDelayAndLockout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := &console.Guard{Delay: time.Second, MaxDelay: 3 * time.Second, MaxFailures: 4, Lockout: 5 * time.Minute}
		cfg := console.Config{Backend: newFake(), PINHash: bcryptHash(t, testPIN), Guard: g, Logger: discardLogger()}
		p := startPipe(t, cfg)
		p.expect("PIN: ")
		var waits []time.Duration
		for range 3 {
			p.typ("0000\r")
			p.expect("Wrong PIN.\r\n")
			start := time.Now()
			p.typ("9") // typed during the delay: thrown away
			p.expect("PIN: ")
			waits = append(waits, time.Since(start))
		}
		want := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}
		for i := range want {
			if waits[i] != want[i] {
				t.Errorf("waits after wrong PINs %v, want %v", waits, want)
				break
			}
		}
		p.typ("0000\r")
		got := p.expect("\r\n")
		got += p.expect("\r\n")
		got += p.expect("\r\n")
		if got != "****\r\nWrong PIN.\r\nLocked after too many wrong PINs: try again in 5m0s.\r\n" {
			t.Errorf("fourth wrong PIN: %q", got)
		}
		// The lockout applies to another session as well.
		p.c.Close()
		<-p.done
		for range p.recv {
		}
		time.Sleep(time.Minute)
		q := startPipe(t, cfg)
		start := time.Now()
		got = q.expect("PIN: ")
		if !strings.Contains(got, "try again in 4m") || time.Since(start) != 4*time.Minute {
			t.Errorf("second session: %q after %v", got, time.Since(start))
		}
		q.typ(testPIN + "\r")
		q.expect("faxbox# ")
		q.typ("quit\r")
		q.expect("Logged out.")
		<-q.done
	})
}

// TestIdleTimeout checks that a session without input is logged out.
func TestIdleTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := console.Config{Backend: newFake(), PINHash: bcryptHash(t, testPIN), IdleTimeout: 10 * time.Minute, Logger: discardLogger()}
		p := startPipe(t, cfg)
		p.expect("PIN: ")
		p.typ(testPIN + "\r")
		p.expect("faxbox# ")
		start := time.Now()
		p.expect("Idle for 10m0s: logged out.\r\n")
		<-p.done
		if d := time.Since(start); d != 10*time.Minute {
			t.Errorf("logged out after %v", d)
		}
		if p.err != nil {
			t.Errorf("Run: %v", p.err)
		}
	})
}

// TestStalledPeer checks that a peer that stops reading ends the session
// after the write timeout instead of hanging it.
func TestStalledPeer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := newFake()
		fake.LogLines = 1000
		cfg := console.Config{Backend: fake, NoPIN: true, WriteTimeout: 30 * time.Second, Logger: discardLogger()}
		p := startPipe(t, cfg)
		p.expect("faxbox# ")
		p.typ("log 1000\r")
		p.expect("log line 1\r\n")
		start := time.Now()
		<-p.done // no more reading
		if d := time.Since(start); d != 30*time.Second {
			t.Errorf("session ended after %v, want the write timeout", d)
		}
		if !errors.Is(p.err, console.ErrHangUp) {
			t.Errorf("Run: %v, want a hang-up", p.err)
		}
	})
}

// TestRepeat checks that on a serial port (Config.Repeat) a logout
// brings the banner and the PIN prompt back, and that the end of ctx ends
// Run.
func TestRepeat(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := net.Pipe()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- console.Run(ctx, a, console.Config{Backend: newFake(), PINHash: bcryptHash(t, testPIN), Repeat: true, Logger: discardLogger()})
		}()
		p := newPeer(t, b)
		for range 2 {
			p.expect("Faxbox installer console\r\nPIN: ")
			p.typ(testPIN + "\r")
			p.expect("faxbox# ")
			p.typ("quit\r")
			p.expect("Logged out.\r\n")
		}
		p.expect("PIN: ")
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run after cancel: %v", err)
		}
		a.Close()
	})
}

func TestNoPIN(t *testing.T) {
	err := console.Run(context.Background(), &bytes.Buffer{}, console.Config{Backend: newFake()})
	if !errors.Is(err, console.ErrNoPIN) {
		t.Errorf("Run without a PIN: %v, want ErrNoPIN", err)
	}
}
