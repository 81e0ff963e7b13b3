package sip

import (
	"context"
	"errors"
	"time"

	"github.com/emiago/sipgo"
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
	select { // before ReadAck, which releases answer(): it may want the body
	case c.acks <- req:
	default:
	}
	if sess := c.srvSess.Load(); sess != nil {
		_ = sess.ReadAck(req, tx) // confirms the dialog of an incoming call; others fail the CSeq check
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
	var offer *SDP // nil: the offer is ours, in the 200 (RFC 3261 13.2.1)
	if len(req.Body()) > 0 {
		var err error
		offer, err = ParseSDP(req.Body())
		if err != nil || (offer.T38() == nil && offer.Audio() == nil) {
			reject(488, "Not Acceptable Here") // RFC 3261 13.3.1.3
			return
		}
	}
	c := newCall(a, string(*req.CallID()), false)
	if err := a.addCall(c); err != nil {
		if ReasonOf(err) == ReasonRejected {
			reject(482, "Loop Detected")
		} else {
			reject(486, "Busy Here")
		}
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
	if last, ok := c.ring(sess); !ok {
		return last, false
	}
	if offer == nil {
		return c.answerDelayed(sess)
	}
	ans, _, err := c.answerOffer(offer)
	if err != nil {
		_ = sess.Respond(488, "Not Acceptable Here", nil)
		return failed(err), false
	}
	c.st.remote = offer
	if last, ok := c.sendOK(sess, ans); !ok {
		return last, false
	}
	if c.st.mode == modeT38 {
		c.emitT38()
	}
	return Event{}, true
}

// ring sends 180 and waits AnswerAfter, unless the caller cancels or we
// hang up.
func (c *Call) ring(sess *sipgo.DialogServerSession) (Event, bool) {
	_ = sess.Respond(180, "Ringing", nil)
	select {
	case <-time.After(time.Duration(c.a.cfg.AnswerAfter)):
		return Event{}, true
	case <-sess.Context().Done(): // CANCEL: the transaction layer sent 487
		return failed(&CallError{Reason: ReasonCancelled, Status: 487}), false
	case <-c.hangup:
		_ = sess.Respond(603, "Decline", nil)
		return Event{Kind: EventHungUp, Reason: ReasonCancelled}, false
	}
}

// sendOK sends our 200 with sdp and waits for its ACK.
func (c *Call) sendOK(sess *sipgo.DialogServerSession, sdp *SDP) (Event, bool) {
	res := gosip.NewResponseFromRequest(sess.InviteRequest, 200, "OK", sdp.Marshal())
	res.AppendHeader(gosip.NewHeader("Content-Type", "application/sdp"))
	for _, h := range c.sessionTimerAnswer(sess.InviteRequest) {
		res.AppendHeader(h)
	}
	c.st.local = sdp
	at := time.Now() // billing starts at our 200 OK
	if err := sess.WriteResponse(res); err != nil {
		return c.answerFailed(err), false
	}
	c.emit(Event{Kind: EventAnswered, At: at})
	return Event{}, true
}

// answerDelayed answers an INVITE without SDP: our offer, audio, goes in
// the 200 and the answer comes in the ACK (RFC 3261 13.2.1).
func (c *Call) answerDelayed(sess *sipgo.DialogServerSession) (Event, bool) {
	ours, err := c.audioOffer()
	if err != nil {
		_ = sess.Respond(503, "Service Unavailable", nil)
		return failed(err), false
	}
	if last, ok := c.sendOK(sess, ours); !ok {
		return last, false
	}
	var ack *gosip.Request
	select {
	case ack = <-c.acks:
	case <-time.After(time.Second):
	}
	var ans *SDP
	if ack != nil {
		ans, err = ParseSDP(ack.Body())
	}
	if ans == nil || ans.Audio() == nil {
		return c.bye(failed(&CallError{Reason: ReasonBadSDP, Err: errors.Join(errors.New("no audio answer in the ACK"), err)})), false
	}
	m := ans.Audio()
	c.st.remote = ans
	c.startAudio(ans.MediaAddr(m), m.Payloads[0])
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
