package mailgw

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"
)

// connLimiter admits connections: at most max at once, and per client
// address a token bucket of burst tokens refilled at perMinute a minute.
type connLimiter struct {
	now       func() time.Time
	max       int
	burst     float64
	perSecond float64

	mu      sync.Mutex
	active  int
	buckets map[netip.Addr]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// maxBuckets bounds the addresses remembered; full buckets are forgotten
// first.
const maxBuckets = 4096

func newConnLimiter(max, burst, perMinute int, now func() time.Time) *connLimiter {
	return &connLimiter{now: now, max: max, burst: float64(burst), perSecond: float64(perMinute) / 60,
		buckets: make(map[netip.Addr]*bucket)}
}

// admit takes a token of ip's bucket and a connection slot, or returns
// why the connection is refused. Refused connections cost a token too, so
// that a client hammering a full gateway is slowed down by its rate.
func (l *connLimiter) admit(ip netip.Addr) (refusal string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[ip]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			l.forgetFull(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[ip] = b
	}
	b.refill(now, l.perSecond, l.burst)
	if b.tokens < 1 {
		return fmt.Sprintf("too many connections from %s", ip)
	}
	b.tokens--
	if l.active >= l.max {
		return "too many connections to the fax gateway"
	}
	l.active++
	return ""
}

// release gives back a connection slot.
func (l *connLimiter) release() {
	l.mu.Lock()
	l.active--
	l.mu.Unlock()
}

func (b *bucket) refill(now time.Time, perSecond, burst float64) {
	if d := now.Sub(b.last).Seconds(); d > 0 {
		b.tokens = min(burst, b.tokens+d*perSecond)
	}
	b.last = now
}

// forgetFull drops the buckets that have refilled completely; if none
// has, it drops them all rather than grow without bound.
func (l *connLimiter) forgetFull(now time.Time) {
	for ip, b := range l.buckets {
		if b.refill(now, l.perSecond, l.burst); b.tokens >= l.burst {
			delete(l.buckets, ip)
		}
	}
	if len(l.buckets) >= maxBuckets {
		clear(l.buckets)
	}
}

// limitedListener answers connections the limiter refuses with 421 4.7.0
// and closes them; the others come out of Accept and give their slot back
// when closed.
type limitedListener struct {
	net.Listener
	lim  *connLimiter
	host string
	log  *slog.Logger
}

// refusalWriteTimeout bounds the write of a 421 reply to a refused client.
const refusalWriteTimeout = time.Second

// Accept returns the next admitted connection.
func (l *limitedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := remoteIP(c.RemoteAddr())
		if why := l.lim.admit(ip); why != "" {
			// The reply fits the socket buffer of a new connection, so
			// this does not block the accept loop for long.
			c.SetWriteDeadline(time.Now().Add(refusalWriteTimeout))
			fmt.Fprintf(c, "421 4.7.0 %s: %s; try again in a minute\r\n", l.host, why)
			c.Close()
			l.log.Warn("mailgw: connection refused", "client", ip, "reason", why)
			continue
		}
		return &limitedConn{Conn: c, release: sync.OnceFunc(l.lim.release)}, nil
	}
}

// limitedConn gives its slot back when closed, once.
type limitedConn struct {
	net.Conn
	release func()
}

// Close closes the connection and releases its slot.
func (c *limitedConn) Close() error {
	c.release()
	return c.Conn.Close()
}

// remoteIP is the client address of a connection, unmapped from IPv6; the
// zero Addr when it is not an IP address.
func remoteIP(a net.Addr) netip.Addr {
	if ta, ok := a.(*net.TCPAddr); ok {
		ip, _ := netip.AddrFromSlice(ta.IP)
		return ip.Unmap()
	}
	if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}
