package sip

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
)

// Options are what an Agent takes from its caller besides Config.
type Options struct {
	Password string            // digest password (Config.ReadPassword)
	Trace    func(TraceRecord) // every SIP message sent and received; nil for none
	Log      *slog.Logger      // nil discards
	// OnRegister reports each registration attempt's outcome; nil for none.
	OnRegister func(RegStatus)
	// After waits for registration refreshes and retries; nil is
	// time.After. Tests inject it to check and skip the waits.
	After func(time.Duration) <-chan time.Time
}

// Agent is one SIP account: it listens on one local port, registers, and
// places and accepts calls. Its methods are safe for concurrent use.
type Agent struct {
	cfg   Config
	opt   Options
	ua    *sipgo.UserAgent
	srv   *sipgo.Server
	cli   *sipgo.Client
	dua   *sipgo.DialogUA
	addr  netip.AddrPort // where we listen and what we advertise
	lis   io.Closer
	media *portPool

	mu       sync.Mutex
	calls    map[string]*Call // by Call-ID
	closed   bool
	incoming chan *Call
	wg       sync.WaitGroup // serving goroutines and calls
}

// NewAgent validates cfg, binds the first free port of cfg.SIPPorts and
// starts serving SIP on it. Close releases everything.
func NewAgent(cfg Config, opt Options) (*Agent, error) {
	if err := cfg.Validate("sip"); err != nil {
		return nil, err
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.After == nil {
		opt.After = time.After
	}
	a := &Agent{cfg: cfg, opt: opt, calls: map[string]*Call{}, incoming: make(chan *Call, cfg.MaxCalls)}
	ip := advertisedIP(cfg)
	a.media = &portPool{ip: ip, r: cfg.MediaPorts}
	if err := a.listen(ip); err != nil {
		return nil, err
	}
	if err := a.newStack(); err != nil {
		a.lis.Close()
		return nil, err
	}
	a.handle()
	a.serve()
	a.waitServing()
	return a, nil
}

// waitServing waits until sipgo's UDP transport has the listener in its
// connection pool, which its serving goroutine does: until then requests
// would try to bind the same port again.
func (a *Agent) waitServing() {
	pc, ok := a.lis.(net.PacketConn)
	if !ok {
		return
	}
	for range 500 {
		if c, _ := a.ua.TransportLayer().GetConnection("udp", pc.LocalAddr().String()); c != nil {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// advertisedIP is the address put in Via, Contact and SDP: Listen, or for
// an unspecified Listen the source address the kernel picks towards the
// registrar or proxy (a UDP connect sends nothing), or loopback.
func advertisedIP(cfg Config) netip.Addr {
	ip := netip.MustParseAddr(cfg.Listen)
	if !ip.IsUnspecified() {
		return ip
	}
	for _, hp := range []string{cfg.Proxy, cfg.Registrar} {
		host, port, err := splitHostPort(hp)
		if err != nil || host == "" {
			continue
		}
		if port == 0 {
			port = 5060
		}
		if c, err := net.Dial("udp", net.JoinHostPort(host, strconv.Itoa(port))); err == nil {
			defer c.Close()
			return c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap()
		}
	}
	return netip.MustParseAddr("127.0.0.1")
}

// listen binds the first free port of SIPPorts with the configured
// transport, wrapped so that sent messages are traced.
func (a *Agent) listen(ip netip.Addr) error {
	var errs []error
	for p := a.cfg.SIPPorts.Lo; p <= a.cfg.SIPPorts.Hi; p++ {
		hp := netip.AddrPortFrom(netip.MustParseAddr(a.cfg.Listen), uint16(p)).String()
		var err error
		if a.cfg.Transport == TCP {
			var l net.Listener
			if l, err = net.Listen("tcp", hp); err == nil {
				a.lis = &traceListener{Listener: l, a: a}
			}
		} else {
			var c net.PacketConn
			if c, err = net.ListenPacket("udp", hp); err == nil {
				a.lis = &tracePacketConn{PacketConn: c, a: a}
			}
		}
		if err == nil {
			a.addr = netip.AddrPortFrom(ip, uint16(p))
			return nil
		}
		errs = append(errs, err)
	}
	return fmt.Errorf("sip: no free SIP port in %d-%d: %w", a.cfg.SIPPorts.Lo, a.cfg.SIPPorts.Hi, errors.Join(errs...))
}

// newStack builds sipgo's user agent, server and client. Received
// messages are traced by the transport layer's read filter; sent ones by
// the wrapped listener (UDP requests leave through it too).
func (a *Agent) newStack() error {
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("Faxbox"), sipgo.WithUserAgentHostname(a.addr.Addr().String()),
		sipgo.WithUserAgentTransportLayerOptions(gosip.WithTransportLayerReadFilter(a.traceRead)))
	if err != nil {
		return fmt.Errorf("sip: user agent: %w", err)
	}
	copts := []sipgo.ClientOption{sipgo.WithClientHostname(a.addr.Addr().String()),
		sipgo.WithClientPort(int(a.addr.Port())), sipgo.WithClientLogger(a.opt.Log)}
	if a.cli, err = sipgo.NewClient(ua, copts...); err == nil {
		a.cli.TxRequester = &listenerRequester{a: a, ua: ua}
		a.srv, err = sipgo.NewServer(ua, sipgo.WithServerLogger(a.opt.Log))
	}
	if err != nil {
		ua.Close()
		return fmt.Errorf("sip: client/server: %w", err)
	}
	a.ua = ua
	a.dua = &sipgo.DialogUA{Client: a.cli, ContactHDR: a.contact()}
	return nil
}

// contact is our Contact header (RFC 3261 8.1.1.8).
func (a *Agent) contact() gosip.ContactHeader {
	uri := gosip.Uri{Scheme: "sip", User: a.cfg.User, Host: a.addr.Addr().String(), Port: int(a.addr.Port())}
	if a.cfg.Transport == TCP {
		uri.UriParams = params("transport", "tcp")
	}
	return gosip.ContactHeader{Address: uri}
}

func (a *Agent) serve() {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		var err error
		switch l := a.lis.(type) {
		case net.PacketConn:
			err = a.srv.ServeUDP(l)
		case net.Listener:
			err = a.srv.ServeTCP(l)
		}
		a.opt.Log.Debug("sip: serving ended", "err", err)
	}()
}

// Addr returns the address the Agent listens on and advertises.
func (a *Agent) Addr() netip.AddrPort { return a.addr }

// Accept returns the next incoming call, or an error when ctx ends or the
// Agent is closed.
func (a *Agent) Accept(ctx context.Context) (*Call, error) {
	select {
	case c, ok := <-a.incoming:
		if !ok {
			return nil, ErrClosed
		}
		return c, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close hangs up every call, waits for them to end, and releases the
// ports.
func (a *Agent) Close() error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil
	}
	a.closed = true
	calls := make([]*Call, 0, len(a.calls))
	for _, c := range a.calls {
		calls = append(calls, c)
	}
	a.mu.Unlock()
	for _, c := range calls {
		c.Hangup()
	}
	for _, c := range calls {
		<-c.Done()
	}
	err := a.lis.Close()
	a.ua.Close()
	a.wg.Wait()
	close(a.incoming)
	return err
}

// addCall registers c under its Call-ID unless the Agent is closed or full.
func (a *Agent) addCall(c *Call) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case a.closed:
		return ErrClosed
	case len(a.calls) >= a.cfg.MaxCalls:
		return &CallError{Reason: ReasonBusy, Err: errors.New("max_calls reached")}
	}
	a.calls[c.id] = c
	a.wg.Add(1)
	return nil
}

func (a *Agent) removeCall(c *Call) {
	a.mu.Lock()
	delete(a.calls, c.id)
	a.mu.Unlock()
	a.wg.Done()
}

func (a *Agent) call(req *gosip.Request) *Call {
	id := req.CallID()
	if id == nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls[string(*id)]
}

// listenerRequester sends every client request, ACK included, from the
// UDP listener, so that the far end sees one address and the trace sees
// every message (RFC 3261 18.1.1 lets a client pick its source).
type listenerRequester struct {
	a  *Agent
	ua *sipgo.UserAgent
}

func (r *listenerRequester) Request(ctx context.Context, req *gosip.Request) (gosip.ClientTransaction, error) {
	if pc, ok := r.a.lis.(net.PacketConn); ok {
		ap := pc.LocalAddr().(*net.UDPAddr)
		req.Laddr = gosip.Addr{IP: ap.IP, Port: ap.Port}
	}
	if req.IsAck() {
		return nil, r.ua.TransportLayer().WriteMsg(req)
	}
	tx, err := r.ua.TransactionLayer().Request(ctx, req)
	if err != nil {
		return nil, err
	}
	return tx, nil
}

// params returns SIP header parameters from key, value pairs.
func params(kv ...string) gosip.HeaderParams {
	p := gosip.NewParams()
	for i := 0; i+1 < len(kv); i += 2 {
		p.Add(kv[i], kv[i+1])
	}
	return p
}
