package sip

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/emiago/sipgo"
	gosip "github.com/emiago/sipgo/sip"
)

// DialOptions choose how an outgoing call starts.
type DialOptions struct {
	// OfferT38 offers T.38 in the INVITE; if the far end refuses it (488,
	// 606) the call is placed again with audio. Otherwise the call starts
	// as audio with CNG and switches by re-INVITE (T.38 Annex D).
	OfferT38 bool
}

// Dial places a call to target ("sip:NUMBER@HOST[:PORT]"). It returns at
// once; what happens comes as the call's events.
func (a *Agent) Dial(target string, opt DialOptions) (*Call, error) {
	var uri gosip.Uri
	if err := gosip.ParseUri(target, &uri); err != nil {
		return nil, fmt.Errorf("sip: target %q: %w", target, err)
	}
	c := newCall(a, gosip.GenerateTagN(20)+"@faxbox", true)
	if err := a.addCall(c); err != nil {
		return nil, err
	}
	go func() {
		last, ok := c.dial(uri, opt)
		if ok {
			last = c.session()
		}
		c.finish(last)
	}()
	return c, nil
}

// dial sends the INVITE and sets up the answered call; ok false means the
// call ended with last.
func (c *Call) dial(uri gosip.Uri, opt DialOptions) (last Event, ok bool) {
	offers := []func() (*SDP, error){c.audioOffer}
	if opt.OfferT38 {
		offers = []func() (*SDP, error){c.t38Offer, c.audioOffer}
	}
	for i, mk := range offers {
		offer, err := mk()
		if err != nil {
			return failed(err), false
		}
		sess, err := c.invite(uri, offer)
		if err == nil {
			return c.answered(uri, offer, sess)
		}
		e := c.inviteFailed(err, offer.T38() != nil)
		if e.Reason != ReasonT38Refused || i+1 == len(offers) {
			return e, false
		}
		c.st.local = offer // the next offer's version follows this one
	}
	panic("unreachable")
}

// invite sends one INVITE and waits, at most RingTimeout, for its answer;
// a hangup or the timeout CANCELs it (RFC 3261 9.1).
func (c *Call) invite(uri gosip.Uri, offer *SDP) (*sipgo.DialogClientSession, error) {
	a := c.a
	req := gosip.NewRequest(gosip.INVITE, uri)
	from := gosip.FromHeader{Address: a.from(), Params: params("tag", gosip.GenerateTagN(10))}
	to := gosip.ToHeader{Address: gosip.Uri{Scheme: uri.Scheme, User: uri.User, Host: uri.Host, Port: uri.Port}}
	cid := gosip.CallIDHeader(c.id)
	req.AppendHeader(&from)
	req.AppendHeader(&to)
	req.AppendHeader(&cid)
	req.AppendHeader(gosip.NewHeader("Content-Type", "application/sdp"))
	c.sessionTimerHeaders(req)
	req.SetBody(offer.Marshal())
	a.route(req)

	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(a.cfg.RingTimeout))
	defer cancel()
	go func() {
		select {
		case <-c.hangup:
			cancel()
		case <-ctx.Done():
		}
	}()
	sess, err := a.dua.WriteInvite(ctx, req)
	if err != nil {
		return nil, err
	}
	err = sess.WaitAnswer(ctx, sipgo.AnswerOptions{Username: a.authUser(), Password: a.opt.Password})
	if err != nil {
		return nil, err
	}
	return sess, nil
}

// inviteFailed maps a failed INVITE to the call's last event.
func (c *Call) inviteFailed(err error, offeredT38 bool) Event {
	var dr *sipgo.ErrDialogResponse
	switch {
	case errors.As(err, &dr):
		code := dr.Res.StatusCode
		reason := statusReason(code)
		if reason == ReasonT38Refused && !offeredT38 {
			reason = ReasonRejected
		}
		return failed(&CallError{Reason: reason, Status: code, Err: errors.New(dr.Res.Reason)})
	case isClosed(c.hangup):
		return Event{Kind: EventHungUp, Reason: ReasonCancelled}
	case errors.Is(err, context.DeadlineExceeded):
		return failed(&CallError{Reason: ReasonNoAnswer, Err: err})
	}
	return failed(&CallError{Reason: ReasonTimeout, Err: err})
}

// answered ACKs the 2xx and starts the answered call's media.
func (c *Call) answered(uri gosip.Uri, offer *SDP, sess *sipgo.DialogClientSession) (Event, bool) {
	s := &c.st
	at := time.Now()
	s.sess, s.target, s.local = sess, uri, offer
	if ct := sess.InviteResponse.Contact(); ct != nil {
		s.target = ct.Address
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := sess.Ack(ctx); err != nil {
		return failed(&CallError{Reason: ReasonNetwork, Err: fmt.Errorf("ACK: %w", err)}), false
	}
	c.emit(Event{Kind: EventAnswered, At: at})
	c.sessionTimerResponse(sess.InviteResponse)
	ans, err := ParseSDP(sess.InviteResponse.Body())
	if err != nil {
		return c.bye(failed(&CallError{Reason: ReasonBadSDP, Err: err})), false
	}
	if offer.T38() != nil {
		return c.answeredT38(offer, ans)
	}
	m := ans.Audio()
	if m == nil {
		return c.bye(failed(&CallError{Reason: ReasonBadSDP, Err: errors.New("answer has no G.711 audio")})), false
	}
	s.remote = ans
	c.startAudio(ans.MediaAddr(m), m.Payloads[0])
	return Event{}, true
}

func (c *Call) answeredT38(offer, ans *SDP) (Event, bool) {
	s := &c.st
	m := ans.T38()
	if m == nil {
		return c.bye(failed(&CallError{Reason: ReasonT38Refused, Err: errors.New("answer refuses m=image")})), false
	}
	s.stopMedia()
	s.mode, s.remote = modeT38, ans
	s.t38 = T38Session{Conn: s.image, Remote: ans.MediaAddr(m), Params: Session(offer.T38().T38, m.T38, m.T38)}
	c.emitT38()
	return Event{}, true
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// from is our address in From: our number, else our user, at the domain.
func (a *Agent) from() gosip.Uri {
	u := a.aor()
	if a.cfg.Number != "" {
		u.User = a.cfg.Number
	}
	return u
}
