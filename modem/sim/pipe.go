package sim

import (
	"io"
	"sync"
)

// pipe is a one-way byte pipe with a bounded buffer, like a tty's queue:
// Write blocks while it is full, which is how the simulator applies flow
// control to the DTE. Unlike io.Pipe it is not synchronous. Waiting is done
// on channels (the mutex is held only briefly), so goroutines blocked on a
// pipe count as durably blocked in a testing/synctest bubble.
type pipe struct {
	mu     sync.Mutex
	buf    []byte
	size   int
	closed bool
	rd     chan struct{} // data may be available
	wr     chan struct{} // room may be available
	done   chan struct{} // closed by close
}

func newPipe(size int) *pipe {
	return &pipe{
		buf:  make([]byte, 0, size),
		size: size,
		rd:   make(chan struct{}, 1),
		wr:   make(chan struct{}, 1),
		done: make(chan struct{}),
	}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

func (p *pipe) Write(b []byte) (int, error) {
	n := 0
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return n, io.ErrClosedPipe
		}
		k := min(len(b)-n, p.size-len(p.buf))
		p.buf = append(p.buf, b[n:n+k]...)
		n += k
		p.mu.Unlock()
		if k > 0 {
			signal(p.rd)
		}
		if n == len(b) {
			return n, nil
		}
		select {
		case <-p.wr:
		case <-p.done:
		}
	}
}

func (p *pipe) Read(b []byte) (int, error) {
	for {
		p.mu.Lock()
		if len(p.buf) > 0 {
			n := copy(b, p.buf)
			p.buf = p.buf[:copy(p.buf, p.buf[n:])]
			p.mu.Unlock()
			signal(p.wr)
			return n, nil
		}
		if p.closed {
			p.mu.Unlock()
			return 0, io.EOF
		}
		p.mu.Unlock()
		select {
		case <-p.rd:
		case <-p.done:
		}
	}
}

func (p *pipe) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.closed = true
		close(p.done)
	}
}

// conn is the DTE's end of an in-process simulated modem: it reads what
// the modem sends and writes what the modem reads.
type conn struct {
	m    *Modem
	in   *pipe // modem to DTE
	out  *pipe // DTE to modem
	once sync.Once
}

func (c *conn) Read(b []byte) (int, error)  { return c.in.Read(b) }
func (c *conn) Write(b []byte) (int, error) { return c.out.Write(b) }

// Close closes both directions; the modem then stops.
func (c *conn) Close() error {
	c.once.Do(func() {
		c.in.close()
		c.out.close()
	})
	return nil
}

// SetDTR drops or raises DTR. A drop hangs up and returns the modem to
// command state silently, as a modem set with AT&D2 does.
func (c *conn) SetDTR(on bool) error {
	if !on {
		c.m.control(func(k *core) { k.dtrDrop() })
	}
	return nil
}
