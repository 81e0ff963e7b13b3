package sipline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"faxbox/modem"
	"faxbox/sip"
	"faxbox/t38"
)

// Line is one call's worth of a SIP account: a fax modem for the T.30
// engine (t30.Modem) with Reset and WaitRing as the daemon's pool expects
// of a modem. Its modem methods are for one goroutine, the call's.
type Line struct {
	acct *Account
	name string

	mu      sync.Mutex // guards rec and pending
	rec     Record
	pending *sip.Call // an incoming call WaitRing reported, not answered
	rings   int
	caller  modem.CallerID

	// The call's goroutine only.
	call *sip.Call
	w    *watch
	t38  *t38.Line
}

// watch follows a call's events on a goroutine of its own.
type watch struct {
	t38  chan *sip.T38Session // the first T.38 session
	done chan struct{}        // closed after the last event
}

func newLine(a *Account, name string) *Line { return &Line{acct: a, name: name} }

// Name returns the line's name ("sip/1").
func (l *Line) Name() string { return l.name }

// Record returns what the line knows of its current or last call.
func (l *Line) Record() Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.rec
	r.SIP = append([]sip.TraceRecord(nil), r.SIP...)
	r.Packets = append([]PacketRun(nil), r.Packets...)
	return r
}

// Billed is the current or last call's time from 200 OK to BYE.
func (l *Line) Billed() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rec.Billed()
}

// Answered is when the current or last call was answered (the 200 OK),
// zero if it was not: the daemon's meter and credit limit run from then.
func (l *Line) Answered() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rec.Answered
}

func (l *Line) addSIP(r sip.TraceRecord) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rec.SIP = append(l.rec.SIP, r)
}

func (l *Line) addPacket(e t38.TraceEntry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rec.Packets = summarise(l.rec.Packets, e)
}

// target turns what the dial plan gives into a request URI: a SIP URI as
// it is, digits at the account's domain. The dial string's modem
// modifiers (T and P for tone or pulse, W, comma pauses and the like,
// ITU-T V.250 6.3.1) mean nothing on SIP and are dropped; digits, '+',
// '*' and '#' stay.
func (a *Account) target(number string) (string, error) {
	if strings.HasPrefix(number, "sip:") || strings.HasPrefix(number, "sips:") {
		return number, nil
	}
	number = strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r == '+' || r == '*' || r == '#' {
			return r
		}
		return -1
	}, number)
	if number == "" {
		return "", errors.New("sipline: no digits to call")
	}
	host := a.cfg.Domain
	if host == "" {
		host = a.cfg.Registrar
	}
	if host == "" {
		host = a.cfg.Proxy
	}
	if host == "" {
		return "", fmt.Errorf("sipline: %q is not a SIP URI and the account has no domain", number)
	}
	return "sip:" + number + "@" + host, nil
}

// Dial places a SIP call to number (a SIP URI, or digits at the account's
// domain), waits until it carries T.38, then starts the calling side of
// the fax (t38.Line.Dial). A call that ends before T.38 returns an
// *EndError.
func (l *Line) Dial(ctx context.Context, number string) error {
	l.finish(ctx)
	l.dropPending()
	target, err := l.acct.target(number)
	if err != nil {
		return errors.Join(modem.ErrNoDialTone, err)
	}
	c, err := l.acct.agent.Dial(target, sip.DialOptions{OfferT38: !l.acct.opt.AudioFirst})
	if err != nil {
		return fmt.Errorf("%w: %w", modem.ErrNoDialTone, err)
	}
	l.start(c, Record{Outgoing: true, Target: target})
	return l.connect(ctx, func(m *t38.Line) error { return m.Dial(ctx, number) })
}

// Answer takes the incoming call WaitRing reported, or the next one to
// come, waits until it carries T.38 and starts the called side of the fax
// (t38.Line.Answer). The account's Answer and AnswerAfter say when the
// SIP side sends its 200 OK.
func (l *Line) Answer(ctx context.Context) error {
	l.finish(ctx)
	l.mu.Lock()
	c := l.pending
	l.pending, l.rings = nil, 0
	l.mu.Unlock()
	if c == nil {
		var err error
		if c, err = l.acct.agent.Accept(ctx); err != nil {
			return fmt.Errorf("%w: waiting for a SIP call: %w", modem.ErrNoCarrier, err)
		}
	}
	l.start(c, Record{})
	return l.connect(ctx, func(m *t38.Line) error { return m.Answer(ctx) })
}

// start makes c the line's call and follows its events.
func (l *Line) start(c *sip.Call, rec Record) {
	rec.CallID = c.ID()
	l.mu.Lock()
	l.rec = rec
	l.mu.Unlock()
	l.acct.claim(c.ID(), l)
	l.call = c
	l.w = &watch{t38: make(chan *sip.T38Session, 1), done: make(chan struct{})}
	go l.follow(c, l.w)
}

// follow records c's events until its last.
func (l *Line) follow(c *sip.Call, w *watch) {
	defer close(w.done)
	for e := range c.Events() {
		l.mu.Lock()
		switch e.Kind {
		case sip.EventAnswered:
			if l.rec.Answered.IsZero() {
				l.rec.Answered = e.At
			}
		case sip.EventT38:
			if !l.rec.T38 {
				l.rec.T38, l.rec.Params = true, t38Params(e.T38.Params)
				w.t38 <- e.T38
			}
		default:
			l.rec.Final, l.rec.Reason, l.rec.Status, l.rec.Err, l.rec.Ended = e.Kind, e.Reason, e.Status, e.Err, e.At
		}
		l.mu.Unlock()
	}
}

// connect waits for the call's T.38 session and starts the fax on it.
func (l *Line) connect(ctx context.Context, begin func(*t38.Line) error) error {
	var s *sip.T38Session
	select {
	case s = <-l.w.t38:
	case <-l.w.done:
		return l.endError()
	case <-ctx.Done():
		l.finish(context.WithoutCancel(ctx))
		return fmt.Errorf("%w: waiting for T.38: %w", modem.ErrTimeout, ctx.Err())
	}
	cfg := l.acct.opt.T38
	cfg.Params = t38Params(s.Params)
	cfg.V0Corrigendum = l.acct.opt.CorrigendumV0
	cfg.Trace = l.addPacket
	m, err := t38.NewLine(s.Conn, net.UDPAddrFromAddrPort(s.Remote), cfg)
	if err != nil {
		l.finish(ctx)
		return fmt.Errorf("%w: %w", modem.ErrNoCarrier, err)
	}
	l.t38 = m
	return begin(m)
}

// EndError is a SIP call that ended before it carried T.38. It matches
// the modem error the T.30 engine files the failure under (modem.ErrBusy,
// ErrNoAnswer or ErrNoCarrier) and the *sip.CallError behind it.
type EndError struct {
	Reason sip.Reason
	Status int
	Err    error // the *sip.CallError, if any
	modem  error
}

func (e *EndError) Error() string {
	s := "sip call ended: " + e.Reason.Text()
	if e.Status != 0 {
		s += fmt.Sprintf(" (SIP %d)", e.Status)
	}
	return s
}

// Unwrap returns the modem error and the SIP error.
func (e *EndError) Unwrap() []error { return []error{e.modem, e.Err} }

func (l *Line) endError() error {
	l.mu.Lock()
	r := l.rec
	l.mu.Unlock()
	l.finish(context.Background())
	e := &EndError{Reason: r.Reason, Status: r.Status, Err: r.Err, modem: modem.ErrNoCarrier}
	switch r.Reason {
	case sip.ReasonBusy:
		e.modem = modem.ErrBusy
	case sip.ReasonNoAnswer, sip.ReasonTimeout:
		e.modem = modem.ErrNoAnswer
	case sip.ReasonNetwork, sip.ReasonAuth:
		e.modem = modem.ErrNoDialTone
	}
	if e.Reason == sip.ReasonNone || e.Reason == sip.ReasonRemoteBye {
		e.Reason = sip.ReasonNoFax // answered, hung up without T.38
	}
	return e
}

// finish ends the line's call, if any: no-signal and stop on the T.38
// side, BYE (or CANCEL) on the SIP side, and waits for the call's end
// until ctx ends.
func (l *Line) finish(ctx context.Context) error {
	var err error
	if l.t38 != nil {
		err = l.t38.HangUp(ctx)
		st := l.t38.Stats()
		l.mu.Lock()
		l.rec.Stats = st
		l.mu.Unlock()
		l.t38 = nil
	}
	if l.call == nil {
		return err
	}
	select {
	case <-l.w.done:
		err = nil // the far end hung up first: nothing of ours failed
	default:
		l.call.Hangup()
		select {
		case <-l.w.done:
		case <-ctx.Done():
		}
	}
	l.acct.release(l.call.ID())
	l.call, l.w = nil, nil
	return err
}

// HangUp ends the call (BYE, or CANCEL while it rings).
func (l *Line) HangUp(ctx context.Context) error { return l.finish(ctx) }

// Reset ends any call left over and forgets an unanswered incoming one.
// A SIP line has no hardware to bring back: it is ready once its agent is.
func (l *Line) Reset(ctx context.Context) error {
	l.finish(ctx)
	l.dropPending()
	return nil
}

func (l *Line) dropPending() {
	l.mu.Lock()
	c := l.pending
	l.pending, l.rings = nil, 0
	l.mu.Unlock()
	if c != nil {
		c.Hangup()
	}
}

// ringCadence is how often an incoming call that is not answered rings
// again, as a telephone line's ring does (ITU-T E.180: about 6 s).
const ringCadence = 6 * time.Second

// WaitRing waits for an incoming SIP call and reports it as a modem's
// RING, with the caller's number from the INVITE's From header; a call
// that is left unanswered rings again every ringCadence until it ends.
// When ctx ends it returns modem.ErrTimeout, as a modem does.
func (l *Line) WaitRing(ctx context.Context) (modem.Ring, error) {
	l.mu.Lock()
	p := l.pending
	l.mu.Unlock()
	if p != nil {
		t := time.NewTimer(ringCadence)
		defer t.Stop()
		select {
		case <-t.C:
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.pending == p {
				l.rings++
				return modem.Ring{Count: l.rings, CallerID: l.caller}, nil
			}
			return modem.Ring{Count: 1, CallerID: l.caller}, nil
		case <-p.Done():
			l.dropPending()
		case <-ctx.Done():
			return modem.Ring{}, fmt.Errorf("%w: %w", modem.ErrTimeout, ctx.Err())
		}
	}
	c, err := l.acct.agent.Accept(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return modem.Ring{}, fmt.Errorf("%w: %w", modem.ErrTimeout, ctx.Err())
		}
		return modem.Ring{}, fmt.Errorf("%w: %w", modem.ErrClosed, err)
	}
	from := l.acct.inviteFrom(c.ID())
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending, l.rings, l.caller = c, 1, modem.CallerID{Number: from}
	return modem.Ring{Count: 1, CallerID: l.caller}, nil
}

// inviteFrom returns the user part of the From header of the INVITE that
// began call id, from the trace not yet claimed.
func (a *Account) inviteFrom(id string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, r := range a.orphans {
		if !r.Sent && callID(r.Msg) == id && bytes.HasPrefix(r.Msg, []byte("INVITE ")) {
			return fromUser(r.Msg)
		}
	}
	return ""
}

// fromUser returns the user part of a message's From URI (RFC 3261 20.20,
// compact form "f").
func fromUser(msg []byte) string {
	for _, line := range strings.Split(string(msg), "\r\n") {
		name, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		n := strings.TrimSpace(name)
		if !strings.EqualFold(n, "From") && !strings.EqualFold(n, "f") {
			continue
		}
		_, uri, ok := strings.Cut(val, "sip:")
		if !ok {
			return ""
		}
		user, _, ok := strings.Cut(uri, "@")
		if !ok {
			return ""
		}
		return user
	}
	return ""
}

// The rest of t30.Modem is the T.38 line's once the call carries T.38.

func (l *Line) modem() (*t38.Line, error) {
	if l.t38 == nil {
		return nil, fmt.Errorf("%w: no SIP call carries T.38", modem.ErrNoCarrier)
	}
	return l.t38, nil
}

// SendFrame implements t30.Modem.
func (l *Line) SendFrame(ctx context.Context, frame []byte, final bool) error {
	m, err := l.modem()
	if err != nil {
		return err
	}
	return m.SendFrame(ctx, frame, final)
}

// ReceiveFrame implements t30.Modem.
func (l *Line) ReceiveFrame(ctx context.Context, buf []byte) ([]byte, error) {
	m, err := l.modem()
	if err != nil {
		return nil, err
	}
	return m.ReceiveFrame(ctx, buf)
}

// SendData implements t30.Modem.
func (l *Line) SendData(ctx context.Context, mod modem.Modulation, r io.Reader) (int64, error) {
	m, err := l.modem()
	if err != nil {
		return 0, err
	}
	return m.SendData(ctx, mod, r)
}

// ReceiveData implements t30.Modem.
func (l *Line) ReceiveData(ctx context.Context, mod modem.Modulation, w io.Writer) (int64, error) {
	m, err := l.modem()
	if err != nil {
		return 0, err
	}
	return m.ReceiveData(ctx, mod, w)
}

// ReceiveDataReportingLoss is ReceiveData that also says where T.38 page
// data was lost beyond recovery (t38.Line.ReceiveDataReportingLoss); the
// T.30 engine uses it, when present, to count the lost rows against the
// page's copy quality.
func (l *Line) ReceiveDataReportingLoss(ctx context.Context, mod modem.Modulation, w io.Writer, lost func(octets int)) (int64, error) {
	m, err := l.modem()
	if err != nil {
		return 0, err
	}
	return m.ReceiveDataReportingLoss(ctx, mod, w, lost)
}

// Silence implements t30.Modem.
func (l *Line) Silence(ctx context.Context, d time.Duration) error {
	m, err := l.modem()
	if err != nil {
		return err
	}
	return m.Silence(ctx, d)
}

// WaitSilence implements t30.Modem.
func (l *Line) WaitSilence(ctx context.Context, d time.Duration) error {
	m, err := l.modem()
	if err != nil {
		return err
	}
	return m.WaitSilence(ctx, d)
}

// Modulations returns the modulations the call's T.38 session allows
// (t38.Line.Modulations), nil before the call carries T.38: the T.30
// engine asks after Dial or Answer and keeps below the T38MaxBitRate
// agreed in SDP.
func (l *Line) Modulations() []modem.Modulation {
	if l.t38 == nil {
		return nil
	}
	return l.t38.Modulations()
}

// ReceiveFrameStarting bounds the wait for a frame to begin apart from its
// reception, as t38.Line does (the T.30 engine uses it when present).
func (l *Line) ReceiveFrameStarting(ctx context.Context, buf []byte, start time.Duration) ([]byte, error) {
	m, err := l.modem()
	if err != nil {
		return nil, err
	}
	return m.ReceiveFrameStarting(ctx, buf, start)
}

// WriteCallTrace writes the current or last call's trace (Record.WriteTrace),
// for the daemon's attempt traces.
func (l *Line) WriteCallTrace(w io.Writer) error {
	r := l.Record()
	return r.WriteTrace(w)
}
