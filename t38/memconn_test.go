package t38_test

import (
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"time"
)

// memAddr is the address of one end of a memConn pair.
type memAddr string

func (a memAddr) Network() string { return "mem" }
func (a memAddr) String() string  { return string(a) }

type datagram struct {
	b    []byte
	from net.Addr
	at   time.Time
}

// memConn is an in-memory net.PacketConn for tests under testing/synctest:
// what one end writes the other reads, after a delay, with a chosen
// share of datagrams lost and the others sometimes swapped with the next.
type memConn struct {
	addr, peerAddr memAddr
	peer           *memConn
	in             chan datagram
	wire           chan datagram // in order, to the peer after the delay
	kick           chan struct{}
	kickOnce       sync.Once
	closed         chan struct{}
	closeOnce      sync.Once

	mu      sync.Mutex
	rng     *rand.Rand
	loss    float64
	swap    float64
	delay   time.Duration
	held    *datagram
	written int
}

func memPair(loss, swap float64, delay time.Duration, seed uint64) (*memConn, *memConn) {
	a := &memConn{addr: "a", peerAddr: "b", in: make(chan datagram, 1<<14), kick: make(chan struct{}), closed: make(chan struct{})}
	b := &memConn{addr: "b", peerAddr: "a", in: make(chan datagram, 1<<14), kick: make(chan struct{}), closed: make(chan struct{})}
	a.peer, b.peer = b, a
	for i, c := range []*memConn{a, b} {
		c.rng = rand.New(rand.NewPCG(seed, uint64(i)))
		c.loss, c.swap, c.delay = loss, swap, delay
		c.wire = make(chan datagram, 1<<14)
		go c.carry()
	}
	return a, b
}

// carry delivers written datagrams to the peer in order, each after the
// delay, until the conn is closed.
func (c *memConn) carry() {
	for {
		select {
		case d := <-c.wire:
			select {
			case <-time.After(time.Until(d.at)):
			case <-c.closed:
				return
			}
			select {
			case c.peer.in <- d:
			default:
			}
		case <-c.closed:
			return
		}
	}
}

func (c *memConn) ReadFrom(p []byte) (int, net.Addr, error) {
	select {
	case d := <-c.in:
		return copy(p, d.b), d.from, nil
	case <-c.kick:
		return 0, nil, os.ErrDeadlineExceeded
	}
}

func (c *memConn) WriteTo(p []byte, _ net.Addr) (int, error) {
	d := datagram{b: append([]byte(nil), p...), from: c.addr}
	c.mu.Lock()
	c.written++
	var out []datagram
	switch {
	case c.rng.Float64() < c.loss:
	case c.held != nil:
		out = []datagram{d, *c.held}
		c.held = nil
	case c.rng.Float64() < c.swap:
		c.held = &d
	default:
		out = []datagram{d}
	}
	c.mu.Unlock()
	for _, d := range out {
		d.at = time.Now().Add(c.delay)
		select {
		case c.wire <- d:
		default:
		}
	}
	return len(p), nil
}

func (c *memConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return nil
}
func (c *memConn) LocalAddr() net.Addr              { return c.addr }
func (c *memConn) SetDeadline(time.Time) error      { return nil }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }

// SetReadDeadline with any time unblocks readers for good: enough for a
// Line, which sets one only to stop reading.
func (c *memConn) SetReadDeadline(t time.Time) error {
	if !t.IsZero() {
		c.kickOnce.Do(func() { close(c.kick) })
	}
	return nil
}
