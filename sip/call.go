package sip

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
)

// EventKind says what happened on a call.
type EventKind uint8

// Call events. A call's last event is EventRemoteBye, EventHungUp or
// EventFailed; then its Events channel is closed.
const (
	EventAnswered  EventKind = iota // 200 OK received (outgoing) or ACKed (incoming): billing starts
	EventT38                        // the call carries T.38 now (again, if the far end moved it)
	EventRemoteBye                  // the far end sent BYE: billing ends
	EventHungUp                     // we ended the call with BYE (or CANCEL before an answer)
	EventFailed                     // the call ended for Reason
)

var eventNames = [...]string{"answered", "t38", "remote-bye", "hung-up", "failed"}

func (k EventKind) String() string {
	if int(k) < len(eventNames) {
		return eventNames[k]
	}
	return "event?"
}

// Event is one thing that happened on a call.
type Event struct {
	Kind   EventKind
	At     time.Time
	Reason Reason      // EventFailed, and EventRemoteBye/EventHungUp after a failure
	Status int         // SIP status behind Reason, 0 if none
	Err    error       // *CallError for EventFailed
	T38    *T38Session // EventT38
}

// T38Session is an established T.38 stream (T.38 Annex D). Conn stays
// bound until the call ends, when the call closes it; the T.38 layer
// reads and writes UDPTL on it to Remote.
type T38Session struct {
	Conn   net.PacketConn
	Remote netip.AddrPort
	Params T38Params
}

// mode is what a call's media is.
type mode uint8

const (
	modeNone  mode = iota // not answered yet
	modeAudio             // G.711, sending CNG or CED
	modeT38               // handed over to the T.38 layer
)

// inRequest is a request within the call's dialog, given to the call's
// goroutine; done is closed once it has been answered.
type inRequest struct {
	req  *gosip.Request
	tx   gosip.ServerTransaction
	done chan struct{}
}

// dialogSession is what a call needs of sipgo's client and server dialog
// sessions.
type dialogSession interface {
	TransactionRequest(ctx context.Context, req *gosip.Request) (gosip.ClientTransaction, error)
	WriteRequest(req *gosip.Request) error
	WriteBye(ctx context.Context, bye *gosip.Request) error
	Context() context.Context
}

// Call is one SIP call. One goroutine owns its state; the methods below
// only signal it.
type Call struct {
	a      *Agent
	id     string
	out    bool // we placed it: we own the Call-ID (RFC 3261 14.1)
	events chan Event
	hangup chan struct{}
	once   sync.Once
	done   chan struct{}
	reqs   chan inRequest
	acks   chan *gosip.Request

	// Incoming calls: the server session, for ACKs, and a channel closed
	// once the INVITE has its final response.
	srvSess    atomic.Pointer[sipgo.DialogServerSession]
	answeredIn chan struct{}

	// Owned by the call's goroutine.
	st callState
}

// Events returns the call's events. Read them: the channel holds 16.
func (c *Call) Events() <-chan Event { return c.events }

// Done is closed when the call has ended and released its ports.
func (c *Call) Done() <-chan struct{} { return c.done }

// Hangup ends the call: CANCEL before the answer, BYE after. It returns at
// once; the last event follows.
func (c *Call) Hangup() { c.once.Do(func() { close(c.hangup) }) }

// ID returns the call's Call-ID.
func (c *Call) ID() string { return c.id }

func newCall(a *Agent, id string, out bool) *Call {
	return &Call{a: a, id: id, out: out, events: make(chan Event, 16), hangup: make(chan struct{}),
		done: make(chan struct{}), reqs: make(chan inRequest), acks: make(chan *gosip.Request, 4),
		answeredIn: make(chan struct{}), st: callState{reinvDone: make(chan reinviteResult, 1)}}
}

func (c *Call) emit(e Event) {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	select {
	case c.events <- e:
	default:
		c.a.opt.Log.Warn("sip: call event dropped, nobody reads", "call", c.id, "event", e.Kind)
	}
}

// emitT38 tells that the call carries T.38 now, with a copy of the
// session the receiver may keep.
func (c *Call) emitT38() {
	t := c.st.t38
	c.emit(Event{Kind: EventT38, T38: &t})
}

// deliver hands an in-dialog request to the call's goroutine and waits
// until it has been answered; false if the call has ended.
func (c *Call) deliver(req *gosip.Request, tx gosip.ServerTransaction) bool {
	r := inRequest{req: req, tx: tx, done: make(chan struct{})}
	select {
	case c.reqs <- r:
	case <-c.done:
		return false
	}
	select {
	case <-r.done:
	case <-c.done:
	}
	return true
}

// finish ends the call: releases media and timers, sends the last event
// and unregisters it.
func (c *Call) finish(last Event) {
	c.st.stopMedia()
	c.st.stopTimers()
	c.st.waitReinvite()
	if c.st.image != nil {
		c.st.image.Close()
	}
	c.emit(last)
	close(c.events)
	c.a.removeCall(c)
	close(c.done)
}

// abandon unregisters a call whose goroutine never started.
func (c *Call) abandon() {
	c.st.stopMedia()
	close(c.events)
	c.a.removeCall(c)
	close(c.done)
}

// failed is the last event for an error.
func failed(err error) Event {
	e := Event{Kind: EventFailed, Reason: ReasonOf(err), Err: err}
	if ce, ok := err.(*CallError); ok {
		e.Status = ce.Status
	}
	return e
}

// respond answers an in-dialog request and traces nothing itself (the
// transport does).
func respond(r inRequest, code int, reason string, body []byte, hdrs ...gosip.Header) {
	res := gosip.NewResponseFromRequest(r.req, code, reason, body)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	_ = r.tx.Respond(res)
}
