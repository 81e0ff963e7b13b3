//go:build spandsp

package spandsp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"faxbox/t38"
)

// Port is a harness's end of a UDPTL flow: its socket, the far end, the
// encoder of what it sends, and the channels that its run loop and its
// Close share. Terminal and package gateway's harness embed it.
type Port struct {
	conn     net.PacketConn
	remote   net.Addr
	enc      t38.Encoder
	finished chan struct{} // closed by Ended when the run loop is over
	quit     chan struct{} // closed by Stop
	quitOnce sync.Once
}

// NewPort returns the port of a harness talking to remote over conn; what
// it sends carries redundancy (T.38 clause 9.1).
func NewPort(conn net.PacketConn, remote net.Addr) *Port {
	p := &Port{conn: conn, remote: remote, finished: make(chan struct{}), quit: make(chan struct{})}
	p.enc.Mode = t38.ECRedundancy
	return p
}

// Quit is closed when Stop asks the run loop to end.
func (p *Port) Quit() <-chan struct{} { return p.quit }

// Ended tells Stop and Await that the run loop is over; the run loop
// defers it.
func (p *Port) Ended() { close(p.finished) }

// Read sends a copy of each datagram the socket receives to in, until the
// socket fails for good or the run loop ends or is stopped; a read
// timeout (the deadline Stop sets to wake the read) is retried unless one
// of them happened.
func (p *Port) Read(in chan<- []byte) {
	buf := make([]byte, 65536)
	for {
		n, _, err := p.conn.ReadFrom(buf)
		if err != nil {
			select {
			case <-p.finished:
				return
			case <-p.quit:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		select {
		case in <- append([]byte(nil), buf[:n]...):
		case <-p.finished:
			return
		}
	}
}

// Send sends one IFP packet b from spandsp as a UDPTL datagram with
// redundancy earlier packets, count times (spandsp's own repetition of
// indicators), each copy the same datagram. It reports whether the packet
// was encoded, and the first error.
func (p *Port) Send(b []byte, redundancy, count int) (bool, error) {
	d, err := p.enc.Encode(b, redundancy)
	if err != nil {
		return false, fmt.Errorf("UDPTL encode: %w", err)
	}
	var first error
	for range max(count, 1) {
		if _, err := p.conn.WriteTo(d, p.remote); err != nil && first == nil {
			first = fmt.Errorf("send: %w", err)
		}
	}
	return true, first
}

// Await waits until the run loop is over, or returns ctx's error.
func (p *Port) Await(ctx context.Context) error {
	select {
	case <-p.finished:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stop asks the run loop to end, wakes the read, and waits for the run
// loop.
func (p *Port) Stop() {
	p.quitOnce.Do(func() { close(p.quit) })
	_ = p.conn.SetReadDeadline(time.Now())
	<-p.finished
}
