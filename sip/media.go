package sip

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
)

// portPool hands out UDP sockets for RTP and UDPTL from a port range,
// even ports only (RFC 3550 11).
type portPool struct {
	ip   netip.Addr
	r    PortRange
	mu   sync.Mutex
	next int
}

// bind returns a socket on the next free even port.
func (p *portPool) bind() (net.PacketConn, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	lo := p.r.Lo + p.r.Lo%2
	n := (p.r.Hi-lo)/2 + 1
	var errs []error
	for i := range n {
		port := lo + 2*((p.next+i)%n)
		c, err := net.ListenPacket("udp", netip.AddrPortFrom(p.ip, uint16(port)).String())
		if err == nil {
			p.next = (p.next + i + 1) % n
			return c, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("sip: no free media port in %d-%d: %w", p.r.Lo, p.r.Hi, errors.Join(errs...))
}

// portOf returns the local port of a socket from bind.
func portOf(c net.PacketConn) int { return c.LocalAddr().(*net.UDPAddr).Port }
