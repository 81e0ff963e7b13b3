package sip

import (
	"net"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// TraceRecord is one SIP message as it crossed the wire.
type TraceRecord struct {
	Time      time.Time
	Sent      bool   // false: received
	Transport string // "UDP" or "TCP"
	Local     string
	Remote    string
	Msg       []byte
}

func (a *Agent) trace(sent bool, transport string, local, remote net.Addr, b []byte) {
	if a.opt.Trace == nil || len(b) == 0 {
		return
	}
	r := TraceRecord{Time: time.Now(), Sent: sent, Transport: transport, Msg: append([]byte(nil), b...)}
	if local != nil {
		r.Local = local.String()
	}
	if remote != nil {
		r.Remote = remote.String()
	}
	a.opt.Trace(r)
}

// traceRead is sipgo's transport read filter: it sees every received
// datagram or stream chunk before parsing and passes it on unchanged.
func (a *Agent) traceRead(p gosip.TransportReadProps, data []byte) ([]byte, error) {
	a.trace(false, p.Transport, p.LocalAddr, p.RemoteAddr, data)
	return data, nil
}

// tracePacketConn traces what is sent on the UDP listener.
type tracePacketConn struct {
	net.PacketConn
	a *Agent
}

// WriteTo traces before sending, so that a reply traced by the reader
// never comes before its request.
func (c *tracePacketConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	c.a.trace(true, "UDP", c.LocalAddr(), addr, b)
	return c.PacketConn.WriteTo(b, addr)
}

// traceListener traces what is sent on accepted TCP connections.
type traceListener struct {
	net.Listener
	a *Agent
}

func (l *traceListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &traceConn{Conn: c, a: l.a}, nil
}

type traceConn struct {
	net.Conn
	a *Agent
}

func (c *traceConn) Write(b []byte) (int, error) {
	c.a.trace(true, "TCP", c.LocalAddr(), c.RemoteAddr(), b)
	return c.Conn.Write(b)
}
