package sip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"
)

// sipgo dials its own TCP connections, which nothing could trace. So
// before a request leaves over TCP, the Agent dials the destination
// itself and hands the traced connection to sipgo through the listener's
// Accept: sipgo then keeps it in its pool under the remote address and
// sends the request on it (RFC 3261 18.1.1 lets a client reuse or open a
// connection as it likes).

// traceListener is the TCP listener given to sipgo: it yields accepted
// connections and those the Agent dialed, all traced.
type traceListener struct {
	net.Listener
	a        *Agent
	conns    chan net.Conn
	errc     chan error
	closed   chan struct{}
	once     sync.Once
	mu       sync.Mutex
	dialed   map[string]*traceConn // by remote "ip:port"
	dialLock sync.Mutex            // one dial at a time
}

func newTraceListener(l net.Listener, a *Agent) *traceListener {
	tl := &traceListener{Listener: l, a: a, conns: make(chan net.Conn), errc: make(chan error, 1),
		closed: make(chan struct{}), dialed: map[string]*traceConn{}}
	go tl.acceptLoop()
	return tl
}

func (l *traceListener) acceptLoop() {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			l.errc <- err
			return
		}
		select {
		case l.conns <- newTraceConn(c, l.a):
		case <-l.closed:
			c.Close()
		}
	}
}

// Accept returns the next accepted or dialed connection.
func (l *traceListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case err := <-l.errc:
		l.errc <- err
		return nil, err
	}
}

// Close stops accepting; connections already given to sipgo are sipgo's.
func (l *traceListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// ensure makes sure sipgo has a traced connection to host:port, dialing
// it if need be, and returns once sipgo reads from it.
func (l *traceListener) ensure(ctx context.Context, hostport string) error {
	key, err := resolveHostPort(ctx, hostport)
	if err != nil {
		return err
	}
	l.dialLock.Lock()
	defer l.dialLock.Unlock()
	if l.has(key) {
		return nil
	}
	d := net.Dialer{Timeout: 10 * time.Second}
	raw, err := d.DialContext(ctx, "tcp", key)
	if err != nil {
		return fmt.Errorf("sip: tcp dial %s: %w", key, err)
	}
	c := newTraceConn(raw, l.a)
	select {
	case l.conns <- c:
	case <-l.closed:
		raw.Close()
		return ErrClosed
	}
	l.mu.Lock()
	l.dialed[key] = c
	l.mu.Unlock()
	select { // sipgo adds it to its pool before it starts reading it
	case <-c.reading:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// has tells whether a dialed connection to key is still open; a closed
// one is forgotten.
func (l *traceListener) has(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.dialed[key]
	if !ok {
		return false
	}
	// A connection sipgo closed fails a zero-length deadline check.
	if err := c.SetDeadline(time.Time{}); err != nil {
		delete(l.dialed, key)
		return false
	}
	return true
}

// resolveHostPort returns "ip:port" for host[:port], port 5060 if absent
// (RFC 3261 19.1.2), the form sipgo keys its pool with.
func resolveHostPort(ctx context.Context, hostport string) (string, error) {
	host, port, err := splitHostPort(hostport)
	if err != nil {
		return "", err
	}
	if port == 0 {
		port = 5060
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		ips, lerr := net.DefaultResolver.LookupNetIP(ctx, "ip4", host)
		if lerr != nil || len(ips) == 0 {
			return "", errors.Join(fmt.Errorf("sip: resolve %s", host), lerr)
		}
		ip = ips[0]
	}
	return net.JoinHostPort(ip.Unmap().String(), strconv.Itoa(port)), nil
}
