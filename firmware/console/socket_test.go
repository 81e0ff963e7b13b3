//go:build linux

package console_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"faxbox/firmware/console"
)

// serveSocket serves console sessions on a Unix socket, all sharing
// cfg's Guard, as faxd serve's console socket does, until the test ends.
func serveSocket(t *testing.T, cfg console.Config) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "console.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				console.Run(ctx, c, cfg)
			})
		}
	})
	t.Cleanup(func() {
		cancel()
		ln.Close()
		wg.Wait()
	})
	return path
}

// socketPeer is one session over the socket, at its PIN prompt.
type socketPeer struct {
	t *testing.T
	c net.Conn
}

func dialConsole(t *testing.T, path string) *socketPeer {
	t.Helper()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	p := &socketPeer{t: t, c: c}
	p.until("PIN: ")
	return p
}

// until reads until one of marks has been shown and returns what was.
func (p *socketPeer) until(marks ...string) string {
	p.t.Helper()
	var got bytes.Buffer
	buf := make([]byte, 256)
	p.c.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		for _, m := range marks {
			if strings.Contains(got.String(), m) {
				return got.String()
			}
		}
		n, err := p.c.Read(buf)
		got.Write(buf[:n])
		if err != nil {
			p.t.Fatalf("reading the console: %v after %q, want one of %q", err, got.String(), marks)
		}
	}
}

// burst types one PIN in each session at once and returns each
// session's answer: "wrong" (checked and wrong), "in" (the shell's
// prompt), "too soon" or "locked" (refused unchecked).
func burst(t *testing.T, peers []*socketPeer, pins []string) []string {
	t.Helper()
	answers := make([]string, len(peers))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, p := range peers {
		wg.Go(func() {
			<-start
			p.c.Write([]byte(pins[i] + "\r"))
		})
	}
	close(start)
	wg.Wait()
	for i, p := range peers {
		got := p.until("Wrong PIN.\r\n", "faxbox# ", "Too soon", "Locked after")
		switch {
		case strings.Contains(got, "Wrong PIN."):
			answers[i] = "wrong"
		case strings.Contains(got, "faxbox# "):
			answers[i] = "in"
		case strings.Contains(got, "Too soon"):
			answers[i] = "too soon"
		default:
			answers[i] = "locked"
		}
	}
	return answers
}

func count(answers []string, want string) int {
	n := 0
	for _, a := range answers {
		if a == want {
			n++
		}
	}
	return n
}

// TestParallelPINs sends PINs from 12 socket sessions at once. The guard
// decides them one at a time: within the delay after a wrong PIN no
// other PIN is checked, so of 11 wrong PINs and the right one sent
// together one wrong one is checked; and once MaxFailures wrong PINs have been
// counted, no PIN is checked, the right one included, until the lockout
// ends.
func TestParallelPINs(t *testing.T) {
	hash := bcryptHash(t, testPIN)
	t.Run("delay", func(t *testing.T) {
		g := &console.Guard{Delay: time.Minute, MaxFailures: 5, Lockout: time.Hour}
		path := serveSocket(t, console.Config{Backend: newFake(), PINHash: hash, Guard: g, Logger: discardLogger()})
		var peers []*socketPeer
		pins := []string{}
		for i := range 12 {
			peers = append(peers, dialConsole(t, path))
			pins = append(pins, "1111")
			if i == 11 {
				pins[i] = testPIN
			}
		}
		answers := burst(t, peers, pins)
		// One wrong PIN is checked; the others, sent within its delay,
		// are not. The right one is checked only if it came first (a
		// wrong one may follow it: the right PIN cleared the count).
		wrong, in := count(answers, "wrong"), count(answers, "in")
		if wrong != 1 || wrong+in+count(answers, "too soon") != 12 {
			t.Errorf("answers %q: want one wrong PIN checked, the others refused unchecked but for the right one if first", answers)
		}
	})
	t.Run("lockout", func(t *testing.T) {
		g := &console.Guard{Delay: time.Nanosecond, MaxDelay: time.Nanosecond, MaxFailures: 5, Lockout: time.Hour}
		path := serveSocket(t, console.Config{Backend: newFake(), PINHash: hash, Guard: g, Logger: discardLogger()})
		var peers []*socketPeer
		var pins []string
		for range 11 {
			peers = append(peers, dialConsole(t, path))
			pins = append(pins, "1111")
		}
		answers := burst(t, peers, pins)
		if count(answers, "wrong") != 5 || count(answers, "locked") != 6 {
			t.Errorf("answers %q: want 5 wrong PINs checked, then the rest refused by the lockout", answers)
		}
		// A session opened during the lockout is told so before any
		// prompt, and the right PIN typed then does not get in.
		c, err := net.Dial("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		late := &socketPeer{t: t, c: c}
		if got := late.until("Locked after", "PIN: "); !strings.Contains(got, "Locked after too many wrong PINs: try again in 1h0m0s") {
			t.Errorf("a session during the lockout shows %q", got)
		}
		c.Write([]byte(testPIN + "\r"))
		c.SetReadDeadline(time.Now().Add(time.Second))
		rest, _ := io.ReadAll(c)
		if strings.Contains(string(rest), "faxbox# ") || strings.Contains(string(rest), "PIN: ") {
			t.Errorf("during the lockout, after the right PIN: %q", rest)
		}
	})
}
