// Package teststream collects what a reader produces so that a test can
// wait for a text with a time limit: a console session's prompts, a
// client's output. It is for tests only.
package teststream

import (
	"bytes"
	"io"
	"testing"
	"time"
)

// Timeout is how long Expect waits for its text.
const Timeout = 60 * time.Second

// Stream is what a reader produced and the test has not yet consumed.
type Stream struct {
	t   testing.TB
	ch  chan []byte
	buf []byte
}

// New reads r in the background until it fails or ends.
func New(t testing.TB, r io.Reader) *Stream {
	s := &Stream{t: t, ch: make(chan []byte, 64)}
	go func() {
		defer close(s.ch)
		for {
			b := make([]byte, 4096)
			n, err := r.Read(b)
			if n > 0 {
				s.ch <- b[:n]
			}
			if err != nil {
				return
			}
		}
	}()
	return s
}

// Expect waits for want and returns everything up to it, consumed; it
// fails the test when the output ends or Timeout passes first.
func (s *Stream) Expect(want string) string {
	s.t.Helper()
	timeout := time.After(Timeout)
	for {
		if i := bytes.Index(s.buf, []byte(want)); i >= 0 {
			got := string(s.buf[:i+len(want)])
			s.buf = s.buf[i+len(want):]
			return got
		}
		select {
		case b, ok := <-s.ch:
			if !ok {
				s.t.Fatalf("waiting for %q: the output ended; got %q", want, s.buf)
			}
			s.buf = append(s.buf, b...)
		case <-timeout:
			s.t.Fatalf("waiting for %q: timeout; got %q", want, s.buf)
		}
	}
}
