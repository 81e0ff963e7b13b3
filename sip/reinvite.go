package sip

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// purpose is why we send a re-INVITE.
type purpose uint8

const (
	pSwitch  purpose = iota // audio to T.38 (T.38 Annex D)
	pRefresh                // session refresh (RFC 4028 7.4)
)

// maxGlare is how many 491s in a row we take before giving up.
const maxGlare = 3

// reinvite is our re-INVITE: in progress, or waiting to be retried after
// 491.
type reinvite struct {
	purpose purpose
	offer   *SDP
	running bool
	cancel  context.CancelFunc
}

type reinviteResult struct {
	req *gosip.Request
	res *gosip.Response
	err error
}

// startSwitch offers T.38 on an audio call.
func (c *Call) startSwitch() {
	s := &c.st
	if s.mode != modeAudio || s.reinv != nil {
		return
	}
	offer, err := c.t38Offer()
	if err != nil {
		c.a.opt.Log.Warn("sip: no media port for T.38", "call", c.id, "err", err)
		return
	}
	c.startReinvite(pSwitch, offer)
}

// refresh re-sends our current description to keep the session (RFC 4028
// 7.4); a switch in progress counts as a refresh.
func (c *Call) refresh() {
	s := &c.st
	if s.reinv != nil {
		s.set(tRefresh, time.Second)
		return
	}
	c.startReinvite(pRefresh, s.local)
}

// startReinvite sends a re-INVITE with offer in its own goroutine; the
// result comes back on reinvDone.
func (c *Call) startReinvite(p purpose, offer *SDP) {
	s := &c.st
	req := gosip.NewRequest(gosip.INVITE, s.target)
	req.SetBody(offer.Marshal())
	req.AppendHeader(gosip.NewHeader("Content-Type", "application/sdp"))
	c.sessionTimerHeaders(req)
	if p == pRefresh && s.se > 0 {
		req.ReplaceHeader(gosip.NewHeader("Session-Expires", strconv.Itoa(int(s.se/time.Second))+";refresher=uac"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 64*gosip.T1+5*time.Second)
	s.reinv = &reinvite{purpose: p, offer: offer, running: true, cancel: cancel}
	sess, done := s.sess, s.reinvDone
	go func() {
		defer cancel()
		res, err := transact(ctx, sess, req)
		done <- reinviteResult{req: req, res: res, err: err}
	}()
}

// transact sends an in-dialog request and waits for its final response.
func transact(ctx context.Context, sess dialogSession, req *gosip.Request) (*gosip.Response, error) {
	tx, err := sess.TransactionRequest(ctx, req)
	if err != nil {
		return nil, err
	}
	defer tx.Terminate()
	for {
		select {
		case res := <-tx.Responses():
			if !res.IsProvisional() {
				return res, nil
			}
		case <-tx.Done():
			return nil, fmt.Errorf("transaction ended: %w", errors.Join(tx.Err(), errors.New("no final response")))
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// onReinviteResult handles the final response to our re-INVITE (RFC 3261
// 14.1): 2xx is ACKed and applied, 491 retried after glareWait, anything
// else leaves the session as it was, which for a switch to T.38 means the
// line refuses T.38.
func (c *Call) onReinviteResult(r reinviteResult) (Event, bool) {
	s := &c.st
	ri := s.reinv
	ri.running = false
	switch {
	case r.err != nil:
		s.reinv = nil
		return c.bye(failed(&CallError{Reason: ReasonTimeout, Err: fmt.Errorf("re-INVITE: %w", r.err)})), true
	case r.res.IsSuccess():
		s.reinv, s.glares = nil, 0
		c.ackReinvite(r.req)
		return c.onReinviteAnswer(ri, r.res)
	case r.res.StatusCode == 491:
		if s.glares++; s.glares > maxGlare {
			s.reinv = nil
			return c.bye(failed(&CallError{Reason: ReasonGlare, Status: 491})), true
		}
		s.set(tGlare, glareWait(c.out))
		return Event{}, false
	}
	s.reinv = nil
	code := r.res.StatusCode
	if ri.purpose == pRefresh {
		if code == 408 || code == 481 { // RFC 4028 10: the session is gone
			return c.bye(failed(&CallError{Reason: ReasonSessionExpired, Status: code})), true
		}
		return Event{}, false
	}
	return c.bye(failed(&CallError{Reason: ReasonT38Refused, Status: code, Err: errors.New(r.res.Reason)})), true
}

// ackReinvite sends the ACK for a 2xx to our re-INVITE (RFC 3261 13.2.2.4):
// a new transaction with the re-INVITE's CSeq number.
func (c *Call) ackReinvite(inv *gosip.Request) {
	ack := gosip.NewRequest(gosip.ACK, inv.Recipient)
	ack.AppendHeader(&gosip.CSeqHeader{SeqNo: inv.CSeq().SeqNo, MethodName: gosip.ACK})
	if err := c.st.sess.WriteRequest(ack); err != nil {
		c.a.opt.Log.Warn("sip: ACK failed", "call", c.id, "err", err)
	}
}

// onReinviteAnswer applies the answer to our re-INVITE.
func (c *Call) onReinviteAnswer(ri *reinvite, res *gosip.Response) (Event, bool) {
	s := &c.st
	c.sessionTimerResponse(res)
	if ri.purpose == pRefresh {
		return Event{}, false
	}
	ans, err := ParseSDP(res.Body())
	if err != nil {
		return c.bye(failed(&CallError{Reason: ReasonBadSDP, Err: err})), true
	}
	m := ans.T38()
	if m == nil {
		return c.bye(failed(&CallError{Reason: ReasonT38Refused, Status: res.StatusCode,
			Err: errors.New("answer without an accepted m=image udptl t38")})), true
	}
	s.stopMedia()
	s.mode, s.local, s.remote = modeT38, ri.offer, ans
	s.t38 = T38Session{Conn: s.image, Remote: ans.MediaAddr(m), Params: Session(ri.offer.T38().T38, m.T38, m.T38)}
	s.stop(tSwitch)
	s.stop(tNoFax)
	c.emitT38()
	return Event{}, false
}
