package sip

import (
	"context"
	"errors"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// handle installs the server's request handlers.
func (a *Agent) handle() {
	a.srv.OnInvite(a.onInvite)
	a.srv.OnAck(a.onAck)
	for _, m := range []gosip.RequestMethod{gosip.BYE, gosip.UPDATE, gosip.INFO} {
		a.srv.OnRequest(m, a.inDialog)
	}
	a.srv.OnOptions(func(req *gosip.Request, tx gosip.ServerTransaction) {
		if a.call(req) == nil || !a.call(req).deliver(req, tx) {
			_ = tx.Respond(gosip.NewResponseFromRequest(req, 200, "OK", nil)) // RFC 3261 11.2
		}
	})
	a.srv.OnCancel(func(req *gosip.Request, tx gosip.ServerTransaction) {
		// A CANCEL that matched an INVITE was answered by the transaction
		// layer; this one matches nothing (RFC 3261 9.2).
		_ = tx.Respond(gosip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
	})
}

// inDialog gives a request to its call, or answers 481 (RFC 3261 12.2.2).
func (a *Agent) inDialog(req *gosip.Request, tx gosip.ServerTransaction) {
	if c := a.call(req); c != nil && c.deliver(req, tx) {
		return
	}
	_ = tx.Respond(gosip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
}

func (a *Agent) onAck(req *gosip.Request, tx gosip.ServerTransaction) {
	c := a.call(req)
	if c == nil {
		return
	}
	if sess := c.srvSess.Load(); sess != nil {
		_ = sess.ReadAck(req, tx) // confirms the dialog of an incoming call; others fail the CSeq check
	}
	select {
	case c.acks <- req:
	default:
	}
}

func (a *Agent) onInvite(req *gosip.Request, tx gosip.ServerTransaction) {
	if to := req.To(); to != nil && to.Params.Has("tag") {
		a.inDialog(req, tx) // re-INVITE
		return
	}
	reject := func(code int, reason string) {
		_ = tx.Respond(gosip.NewResponseFromRequest(req, code, reason, nil))
	}
	if a.cfg.Answer == AnswerNever {
		reject(480, "Temporarily Unavailable")
		return
	}
	offer, err := ParseSDP(req.Body())
	if err != nil || (offer.T38() == nil && offer.Audio() == nil) {
		reject(488, "Not Acceptable Here") // RFC 3261 13.3.1.3
		return
	}
	c := newCall(a, string(*req.CallID()), false)
	if err := a.addCall(c); err != nil {
		reject(486, "Busy Here")
		return
	}
	if !a.startIncoming(c, req, tx, offer) {
		c.abandon()
		reject(486, "Busy Here")
		return
	}
	select { // the server terminates tx when this handler returns
	case <-c.answeredIn:
	case <-c.done:
	}
}

// startIncoming creates the dialog, queues c for Accept and starts its
// goroutine; false if nobody can take the call.
func (a *Agent) startIncoming(c *Call, req *gosip.Request, tx gosip.ServerTransaction, offer *SDP) bool {
	sess, err := a.dua.ReadInvite(req, tx)
	if err != nil {
		a.opt.Log.Warn("sip: incoming INVITE", "err", err)
		return false
	}
	c.srvSess.Store(sess)
	c.st.sess, c.st.target = sess, req.Contact().Address
	select {
	case a.incoming <- c:
	default:
		return false
	}
	go func() {
		last, ok := c.answer(offer)
		if ok {
			last = c.session()
		}
		c.finish(last)
	}()
	return true
}

// answer rings for AnswerAfter, then answers the INVITE (RFC 3261 13.3.1.4)
// and waits for the ACK; ok false means the call ended with last.
func (c *Call) answer(offer *SDP) (last Event, ok bool) {
	defer close(c.answeredIn)
	sess := c.srvSess.Load()
	_ = sess.Respond(180, "Ringing", nil)
	select {
	case <-time.After(time.Duration(c.a.cfg.AnswerAfter)):
	case <-sess.Context().Done(): // CANCEL: the transaction layer sent 487
		return failed(&CallError{Reason: ReasonCancelled, Status: 487}), false
	case <-c.hangup:
		_ = sess.Respond(603, "Decline", nil)
		return Event{Kind: EventHungUp, Reason: ReasonCancelled}, false
	}
	ans, _, err := c.answerOffer(offer)
	if err != nil {
		_ = sess.Respond(488, "Not Acceptable Here", nil)
		return failed(err), false
	}
	res := gosip.NewResponseFromRequest(sess.InviteRequest, 200, "OK", ans.Marshal())
	res.AppendHeader(gosip.NewHeader("Content-Type", "application/sdp"))
	if h := c.sessionTimerAnswer(sess.InviteRequest); h != nil {
		res.AppendHeader(h)
	}
	c.st.local, c.st.remote = ans, offer
	at := time.Now() // billing starts at our 200 OK
	if err := sess.WriteResponse(res); err != nil {
		return c.answerFailed(err), false
	}
	c.emit(Event{Kind: EventAnswered, At: at})
	if c.st.mode == modeT38 {
		c.emitT38()
	}
	return Event{}, true
}

// answerFailed maps a 200 that got no ACK, or a CANCEL that crossed it.
func (c *Call) answerFailed(err error) Event {
	if errors.Is(err, gosip.ErrTransactionCanceled) {
		return failed(&CallError{Reason: ReasonCancelled, Err: err})
	}
	if isClosed(c.hangup) || errors.Is(err, context.Canceled) {
		return Event{Kind: EventHungUp, Reason: ReasonCancelled}
	}
	return c.bye(failed(&CallError{Reason: ReasonTimeout, Err: err}))
}
