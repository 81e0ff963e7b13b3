// Package modemtest has fakes for testing code that drives a modem: a
// Playback that replays a recorded exchange byte for byte and a Record
// that captures one (after periph.io's conntest).
package modemtest

import (
	"bytes"
	"fmt"
	"io"
	"sync"
)

// IO is one step of an exchange: the bytes the driver writes (W), then the
// bytes the modem answers (R).
type IO struct {
	W []byte
	R []byte
}

// Playback is an io.ReadWriteCloser that replays Ops: each write must
// continue the expected W bytes, and once a step's W is complete its R
// becomes readable. Close fails if steps remain. Reads block on channels,
// so Playback works inside a testing/synctest bubble.
type Playback struct {
	Ops []IO

	mu      sync.Mutex
	pos     int    // current step
	written int    // bytes of Ops[pos].W written so far
	out     []byte // readable bytes
	err     error  // first mismatch
	ready   chan struct{}
	done    chan struct{}
	once    sync.Once
	init    sync.Once
}

func (p *Playback) setup() {
	p.init.Do(func() {
		p.ready = make(chan struct{}, 1)
		p.done = make(chan struct{})
		// Step 0 may start with the modem talking.
		p.advance()
	})
}

// advance releases the R of every step whose W is complete. Called with
// p.mu held, or from setup.
func (p *Playback) advance() {
	for p.pos < len(p.Ops) && p.written == len(p.Ops[p.pos].W) {
		p.out = append(p.out, p.Ops[p.pos].R...)
		p.pos++
		p.written = 0
	}
	if len(p.out) > 0 {
		select {
		case p.ready <- struct{}{}:
		default:
		}
	}
}

// Write checks b against the expected bytes.
func (p *Playback) Write(b []byte) (int, error) {
	p.setup()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return 0, p.err
	}
	for n := 0; n < len(b); {
		if p.pos >= len(p.Ops) {
			p.err = fmt.Errorf("modemtest: unexpected write %q after the last step", b[n:])
			return n, p.err
		}
		want := p.Ops[p.pos].W[p.written:]
		k := min(len(want), len(b)-n)
		if !bytes.Equal(b[n:n+k], want[:k]) {
			p.err = fmt.Errorf("modemtest: step %d: wrote %q, want %q", p.pos, b[n:n+k], want[:k])
			return n, p.err
		}
		n += k
		p.written += k
		p.advance()
	}
	return len(b), nil
}

// Read returns the modem's bytes as their steps come due.
func (p *Playback) Read(b []byte) (int, error) {
	p.setup()
	for {
		p.mu.Lock()
		if len(p.out) > 0 {
			n := copy(b, p.out)
			p.out = p.out[n:]
			if len(p.out) > 0 {
				select {
				case p.ready <- struct{}{}:
				default:
				}
			}
			p.mu.Unlock()
			return n, nil
		}
		p.mu.Unlock()
		select {
		case <-p.ready:
		case <-p.done:
			return 0, io.EOF
		}
	}
}

// Close ends the playback. It reports a mismatch seen by Write, or the
// steps that were never played.
func (p *Playback) Close() error {
	p.setup()
	p.once.Do(func() { close(p.done) })
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return p.err
	}
	if p.pos < len(p.Ops) {
		return fmt.Errorf("modemtest: %d of %d steps not played, next writes %q", len(p.Ops)-p.pos, len(p.Ops), p.Ops[p.pos].W)
	}
	return nil
}

// Record wraps a real modem connection and records the exchange into Ops,
// for saving as a Playback script: a write after a read starts a step.
type Record struct {
	RW io.ReadWriteCloser

	mu  sync.Mutex
	Ops []IO
}

// Write records the bytes and writes them to RW. It records first: the
// answer may be read before RW.Write returns.
func (r *Record) Write(b []byte) (int, error) {
	r.mu.Lock()
	if len(r.Ops) == 0 || len(r.Ops[len(r.Ops)-1].R) > 0 {
		r.Ops = append(r.Ops, IO{})
	}
	op := &r.Ops[len(r.Ops)-1]
	op.W = append(op.W, b...)
	r.mu.Unlock()
	return r.RW.Write(b)
}

// Read reads from RW and records the bytes.
func (r *Record) Read(b []byte) (int, error) {
	n, err := r.RW.Read(b)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.Ops) == 0 {
		r.Ops = append(r.Ops, IO{})
	}
	op := &r.Ops[len(r.Ops)-1]
	op.R = append(op.R, b[:n]...)
	return n, err
}

// Close closes RW.
func (r *Record) Close() error { return r.RW.Close() }

// Steps returns a copy of the recorded steps.
func (r *Record) Steps() []IO {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]IO(nil), r.Ops...)
}
