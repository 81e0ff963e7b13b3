package sip

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// session runs an answered call until it ends and returns its last event.
func (c *Call) session() Event {
	s := &c.st
	for {
		select {
		case <-c.hangup:
			return c.bye(Event{Kind: EventHungUp})
		case r := <-c.reqs:
			if e, end := c.onRequest(r); end {
				return e
			}
		case ack := <-c.acks:
			c.onAck(ack)
		case r := <-s.reinvDone:
			if e, end := c.onReinviteResult(r); end {
				return e
			}
		case <-s.c(tSwitch):
			s.timers[tSwitch] = nil
			c.startSwitch()
		case <-s.c(tGlare):
			s.timers[tGlare] = nil
			c.startReinvite(s.reinv.purpose, s.reinv.offer)
		case <-s.c(tRefresh):
			s.timers[tRefresh] = nil
			c.refresh()
		case <-s.c(tExpire):
			return c.bye(failed(&CallError{Reason: ReasonSessionExpired}))
		case <-s.c(tNoFax):
			return c.bye(failed(&CallError{Reason: ReasonNoFax}))
		case <-s.c(tOK):
			if e, end := c.retransmitOK(); end {
				return e
			}
		}
	}
}

// onRequest answers a request within the dialog.
func (c *Call) onRequest(r inRequest) (Event, bool) {
	defer close(r.done)
	switch r.req.Method {
	case gosip.BYE:
		respond(r, 200, "OK", nil)
		return Event{Kind: EventRemoteBye, Reason: ReasonRemoteBye, At: time.Now()}, true
	case gosip.INVITE, gosip.UPDATE:
		c.onOffer(r)
	default: // OPTIONS, INFO: keep-alives
		respond(r, 200, "OK", nil)
	}
	return Event{}, false
}

// onOffer answers a re-INVITE or UPDATE (RFC 3261 14.2, RFC 3311 5.2): a
// switch to T.38 (T.38 Annex D), a session refresh (RFC 4028 9), or a
// change we refuse with 488, which leaves the session as it was.
func (c *Call) onOffer(r inRequest) {
	s := &c.st
	if s.reinv != nil && s.reinv.running {
		respond(r, 491, "Request Pending", nil) // RFC 3261 14.2: glare
		return
	}
	if s.okRes != nil {
		respond(r, 500, "Server Internal Error", nil, gosip.NewHeader("Retry-After", "1"))
		return
	}
	if r.req.Method == gosip.UPDATE && len(r.req.Body()) == 0 {
		c.answerRefresh(r) // RFC 3311 5.2: no offer, no answer
		return
	}
	ans, switched := s.local, false
	if body := r.req.Body(); len(body) > 0 { // no body: our 200 re-offers what we have
		offer, err := ParseSDP(body)
		if err != nil {
			respond(r, 400, "Bad Request", nil)
			return
		}
		if ans, switched, err = c.answerOffer(offer); err != nil {
			respond(r, 488, "Not Acceptable Here", nil)
			return
		}
	}
	c.answerRequest(r, ans)
	if switched {
		if s.reinv != nil { // our switch was waiting after 491: no longer needed
			s.reinv = nil
			s.stop(tGlare)
		}
		c.emitT38()
	}
}

// answerRequest sends 200 with our SDP and the session timer, and for an
// INVITE over UDP keeps retransmitting it until the ACK (RFC 3261
// 13.3.1.4).
func (c *Call) answerRequest(r inRequest, ans *SDP) {
	s := &c.st
	res := gosip.NewResponseFromRequest(r.req, 200, "OK", ans.Marshal())
	res.AppendHeader(gosip.NewHeader("Content-Type", "application/sdp"))
	contact := c.a.contact()
	res.AppendHeader(&contact)
	for _, h := range c.sessionTimerAnswer(r.req) {
		res.AppendHeader(h)
	}
	_ = r.tx.Respond(res)
	s.local = ans
	if r.req.Method == gosip.INVITE && c.a.cfg.Transport == UDP {
		s.okRes, s.okTx, s.okWait, s.okElapsed = res, r.tx, gosip.T1, 0
		s.set(tOK, gosip.T1)
	}
}

// answerRefresh answers an UPDATE without offer: a session refresh
// (RFC 4028 9).
func (c *Call) answerRefresh(r inRequest) {
	res := gosip.NewResponseFromRequest(r.req, 200, "OK", nil)
	for _, h := range c.sessionTimerAnswer(r.req) {
		res.AppendHeader(h)
	}
	_ = r.tx.Respond(res)
}

// onAck stops retransmitting our 2xx once its ACK arrived.
func (c *Call) onAck(ack *gosip.Request) {
	s := &c.st
	if s.okRes != nil && ack.CSeq() != nil && ack.CSeq().SeqNo == s.okRes.CSeq().SeqNo {
		s.okRes, s.okTx = nil, nil
		s.stop(tOK)
	}
}

// retransmitOK resends our 2xx at T1, 2T1... up to T2, and gives up with
// BYE after 64*T1 (RFC 3261 13.3.1.4).
func (c *Call) retransmitOK() (Event, bool) {
	s := &c.st
	s.timers[tOK] = nil
	s.okElapsed += s.okWait
	if s.okElapsed >= 64*gosip.T1 {
		s.okRes = nil
		return c.bye(failed(&CallError{Reason: ReasonTimeout, Err: errors.New("no ACK for 200 to re-INVITE")})), true
	}
	_ = s.okTx.Respond(s.okRes)
	s.okWait = min(2*s.okWait, gosip.T2)
	s.set(tOK, s.okWait)
	return Event{}, false
}

// bye ends the call with BYE (RFC 3261 15.1.1) and returns last. While
// the BYE waits for its response, requests keep being answered: a BYE
// from the far end hanging up at the same moment gets its 200 (RFC 3261
// 15.1.2), anything else 481, as the dialog is ending; otherwise two ends
// that hang up together each wait for the other until the BYE times out.
func (c *Call) bye(last Event) Event {
	last.At = time.Now() // billing ends at our BYE
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := gosip.NewRequest(gosip.BYE, c.st.target)
	sent := make(chan error, 1)
	go func() { sent <- c.st.sess.WriteBye(ctx, req) }()
	for {
		select {
		case err := <-sent:
			if err != nil {
				c.a.opt.Log.Warn("sip: BYE failed", "call", c.id, "err", err)
			}
			return last
		case r := <-c.reqs:
			if r.req.Method == gosip.BYE {
				respond(r, 200, "OK", nil)
			} else {
				respond(r, 481, "Call/Transaction Does Not Exist", nil)
			}
			close(r.done)
		}
	}
}

// glareWait is how long to wait before retrying a re-INVITE that got 491
// (RFC 3261 14.1): 2.1 to 4 s if we own the Call-ID, else 0 to 2 s, in
// units of 10 ms.
func glareWait(owner bool) time.Duration {
	if owner {
		return time.Duration(210+rand.IntN(191)) * 10 * time.Millisecond
	}
	return time.Duration(rand.IntN(201)) * 10 * time.Millisecond
}
