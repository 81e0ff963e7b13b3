package t30

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"faxbox/modem"
	"faxbox/pages"
)

// Send places a call to number and sends doc as the calling station
// (T.30 phases A to E, Figure 5-2), in error correction mode (Annex A)
// when both ends have it. It returns when the call is over; Result.Pages
// counts only the pages the receiver confirmed.
func Send(ctx context.Context, m Modem, number string, doc Document, o Options) Result {
	s := &sender{call: newCall(m, o), number: number, doc: doc}
	return s.run(ctx)
}

// sendState is a node of the calling station's flow (T.30 Figure 5-2).
type sendState uint8

const (
	sDial     sendState = iota // phase A: dial, wait for the answer
	sPhaseB                    // wait for NSF/CSI/DIS
	sDCS                       // send TSI/DCS and TCF
	sTraining                  // wait for CFR or FTT
	sPage                      // phase C: send a page
	sPPM                       // phase D: send MPS/EOM/EOP, wait for the verdict
	sECMBlock                  // phase C in ECM: send a block's pending frames
	sECMPPS                    // phase D in ECM: PPS, and PPR/MCF/RNR/CTR/ERR
	sDone                      // phase E: DCN, hang up
	sFail                      // the call failed: s.reason says why
)

var sendStateNames = [...]string{"dial", "phase B", "DCS", "training", "page", "post-page", "ECM block", "ECM PPS", "done", "fail"}

func (s sendState) String() string { return sendStateNames[s] }

// sender is the calling station's call state.
type sender struct {
	*call
	number string
	doc    Document

	caps      Capabilities
	rates     rateSet
	mod       modem.Modulation // current rate, long-training code
	next      int              // 0-based index of the page to send next
	prepared  *pages.Page      // that page, fitted to the parameters
	coded     []byte
	tries     int // repetitions of the current command
	rtn       int // RTNs received for the current page
	confirmed int
	ppm       FCF           // the post-page message of the page just sent
	pageTime  time.Duration // phase C time of the page just sent
	ecm       ecmSend

	reason Reason
	err    error
	dcn    bool // send DCN before hanging up on failure
}

func (s *sender) run(parent context.Context) Result {
	st := sDial
	ctx, release := parent, func() {}
	defer func() { release() }()
	for st != sDone && st != sFail {
		if ctx == parent && !s.connectedAt.IsZero() {
			ctx, release = s.limit(parent)
		}
		prev := st
		switch st {
		case sDial:
			st = s.dial(ctx)
		case sPhaseB:
			st = s.phaseB(ctx)
		case sDCS:
			st = s.sendDCS(ctx)
		case sTraining:
			st = s.training(ctx)
		case sPage:
			st = s.sendPage(ctx)
		case sPPM:
			st = s.postPage(ctx)
		case sECMBlock:
			st = s.sendECMBlock(ctx)
		case sECMPPS:
			st = s.ecmPPS(ctx)
		}
		if ctx.Err() != nil && st != sDone {
			// Cancelled, or out of time: that is why the call ends,
			// whatever the state made of it; end it cleanly.
			st = s.fail(ended(ctx), context.Cause(ctx))
			s.dcn = true
		}
		if st != prev {
			s.log.Debug("t30 sender state", "from", prev.String(), "to", st.String())
		}
	}
	if st == sFail {
		if !s.connectedAt.IsZero() {
			s.hangUp(s.dcn, true)
		}
		return s.result(s.reason, s.confirmed, s.err)
	}
	s.hangUp(true, true)
	return s.result(ReasonOK, s.confirmed, nil)
}

// fail records why the call failed.
func (s *sender) fail(r Reason, err error) sendState {
	s.reason, s.err = r, err
	return sFail
}

// failModem maps a modem error during the call.
func (s *sender) failModem(ctx context.Context, err error) sendState {
	if ctx.Err() != nil {
		return s.fail(ended(ctx), context.Cause(ctx))
	}
	return s.fail(s.callFailure(ctx, err), err)
}

func (s *sender) dial(ctx context.Context) sendState {
	if s.doc.Len() == 0 {
		return s.fail(ReasonNoDocument, errors.New("t30: nothing to send"))
	}
	s.emit(Dialing{Number: s.number})
	err := s.m.Dial(ctx, s.number)
	switch {
	case err == nil:
		s.connected()
		return sPhaseB
	case errors.Is(err, modem.ErrBusy):
		return s.fail(ReasonBusy, err)
	case errors.Is(err, modem.ErrNoAnswer):
		return s.fail(ReasonNoAnswer, err)
	case errors.Is(err, modem.ErrNoDialTone):
		return s.fail(ReasonNoDialTone, err)
	case errors.Is(err, modem.ErrNoCarrier), errors.Is(err, modem.ErrTimeout):
		// Answered, but no fax tone: a person, a voice line or nothing;
		// unless our own modem stopped answering.
		if ctx.Err() == nil && !s.modemAlive() {
			return s.fail(ReasonModem, err)
		}
		return s.fail(ReasonNotFax, err)
	}
	return s.failModem(ctx, err)
}

// phaseB waits for the called station's DIS (T.30 5.3.6.2.1) for T1.
func (s *sender) phaseB(ctx context.Context) sendState {
	deadline := time.Now().Add(timerT1)
	for time.Now().Before(deadline) {
		msg, err := s.recv(ctx, time.Until(deadline))
		if errors.Is(err, errNoFrame) {
			break
		}
		if err != nil {
			return s.failModem(ctx, err)
		}
		if f, ok := find(msg, CSI).(*IdentFrame); ok {
			s.remote = f.Ident
			s.emit(RemoteIdent{Ident: f.Ident})
		}
		switch f := find(msg, DIS, DTC, DCN).(type) {
		case *DISFrame:
			if f.FCF == DTC {
				s.dcn = true
				return s.fail(ReasonIncompatible, errors.New("t30: the remote station wants to poll, not receive"))
			}
			if !f.Caps.ReadyToReceive {
				s.dcn = true
				return s.fail(ReasonRefused, errors.New("t30: the remote station is not ready to receive"))
			}
			return s.negotiate(f.Caps)
		case *SignalFrame:
			return s.fail(ReasonRefused, errors.New("t30: DCN in phase B"))
		}
	}
	if ctx.Err() == nil && !s.modemAlive() {
		return s.fail(ReasonModem, fmt.Errorf("t30: no DIS within T1: %w", modem.ErrNotResponding))
	}
	return s.fail(ReasonNotFax, errors.New("t30: no DIS within T1"))
}

// negotiate takes a DIS and sets the first rate.
func (s *sender) negotiate(caps Capabilities) sendState {
	s.caps = caps
	s.sent.announced(caps)
	s.rates = newRateSet(s.o.modulations(), remoteModulations(caps))
	if s.mod == 0 {
		s.mod = s.rates.first(s.o.MaxRate)
	} else if !s.rates[s.mod] {
		// Back in phase B after EOM: keep the rate if the DIS allows it.
		s.mod = s.rates.first(s.mod.Rate())
	}
	if s.mod == 0 {
		s.dcn = true
		return s.fail(ReasonIncompatible, errors.New("t30: no bit rate in common"))
	}
	s.tries = 0
	return sDCS
}

// sendDCS chooses the parameters for the next page and sends TSI, DCS and
// the training check (T.30 5.3.6.2.3, 5.3.6.1.6).
func (s *sender) sendDCS(ctx context.Context) sendState {
	p, err := s.doc.Page(s.next)
	if err != nil {
		s.dcn = true
		return s.fail(ReasonIncompatible, fmt.Errorf("t30: page %d: %w", s.next+1, err))
	}
	ps, err := s.o.choose(s.caps, s.mod, p)
	if err != nil {
		s.dcn = true
		return s.fail(ReasonIncompatible, err)
	}
	if s.prepared, err = s.sent.prepare(s.next, p, ps); err != nil {
		s.dcn = true
		return s.fail(ReasonIncompatible, err)
	}
	if !s.paramsSet || s.params != ps {
		s.params, s.paramsSet = ps, true
		s.emit(Negotiated{Params: ps})
	}
	s.coded = nil
	frames := []Frame{}
	if s.o.Ident != "" {
		frames = append(frames, &IdentFrame{FrameHeader: FrameHeader{FCF: TSI, X: true}, Ident: s.o.Ident})
	}
	frames = append(frames, &DCSFrame{FrameHeader: FrameHeader{FCF: DCS, X: true}, Params: ps})
	if err := s.send(ctx, frames...); err != nil {
		return s.failModem(ctx, err)
	}
	if err := s.m.Silence(ctx, silence); err != nil {
		return s.failModem(ctx, err)
	}
	if _, err := s.m.SendData(ctx, s.mod, &zeros{n: tcfBytes(s.mod)}); err != nil {
		return s.failModem(ctx, err)
	}
	return sTraining
}

// training waits for the verdict on TCF (T.30 5.3.6.2.4).
func (s *sender) training(ctx context.Context) sendState {
	msg, err := s.recv(ctx, timerT4+frameAllowance)
	if err != nil && !errors.Is(err, errNoFrame) {
		return s.failModem(ctx, err)
	}
	switch last(msg) {
	case CFR:
		s.emit(Training{BitRate: s.mod.Rate(), OK: true})
		s.tries = 0
		return sPage
	case FTT:
		s.emit(Training{BitRate: s.mod.Rate(), OK: false})
		s.tries = 0
		next := s.rates.below(s.mod)
		if next == 0 {
			s.dcn = true
			return s.fail(ReasonTrainingFailed, errors.New("t30: FTT at the lowest rate"))
		}
		s.mod = next
		s.emit(Retrain{BitRate: next.Rate()})
		return sDCS
	case DCN:
		return s.fail(ReasonRefused, errors.New("t30: DCN after DCS"))
	case DIS:
		// The receiver did not take our DCS and offers again (T.30 5.4.3.1).
		if f, ok := find(msg, DIS).(*DISFrame); ok {
			s.caps = f.Caps
		}
	}
	// No answer, CRP, or DIS again: repeat DCS and TCF (T.30 5.4.3.1).
	s.tries++
	if s.tries >= maxTries {
		s.dcn = true
		if last(msg) == DIS {
			return s.fail(ReasonProtocol, errors.New("t30: DIS received 3 times; DCS not recognized"))
		}
		return s.fail(ReasonNoResponse, errors.New("t30: no response to DCS repeated 3 times"))
	}
	return sDCS
}

// sendPage codes the page for the negotiated mode and sends it (phase C).
func (s *sender) sendPage(ctx context.Context) sendState {
	c := s.call
	s.page = s.next + 1
	if s.coded == nil {
		k := 2
		if s.params.Resolution != ResStandard {
			k = 4
		}
		o := pages.EncoderOptions{
			Coding:   pagesCoding(s.params.Coding),
			K:        k,
			RTC:      true,
			BitOrder: pages.LSBFirst,
		}
		if !s.params.ECM {
			// Without ECM each line lasts the receiver's minimum scan
			// line time; ECM frames are buffered, so it does not apply.
			o.MinLineBytes = MinLineBytes(s.params.ScanTime, s.params.Rate)
		}
		coded, err := pages.Encode(s.prepared, o)
		if err != nil {
			s.dcn = true
			return s.fail(ReasonIncompatible, fmt.Errorf("t30: coding page %d: %w", s.page, err))
		}
		s.coded = coded
	}
	c.emit(PageStarted{Page: s.page, Of: s.doc.Len()})
	// The post-page message: more pages with the same parameters (MPS), a
	// new negotiation for the next (EOM), or the end (EOP).
	s.ppm = EOP
	if s.next+1 < s.doc.Len() {
		s.ppm = MPS
		if np, err := s.doc.Page(s.next + 1); err == nil {
			if ps, err := s.o.choose(s.caps, s.mod, np); err == nil && ps != s.params {
				s.ppm = EOM
			}
		}
	}
	s.tries = 0
	s.pageTime = 0
	if s.params.ECM {
		s.ecm.frameSize = s.params.FrameSize()
		s.ecm.block = 0
		s.ecm.ppr = 0
		s.ecm.markAll()
		return sECMBlock
	}
	if err := s.m.Silence(ctx, silence); err != nil {
		return s.failModem(ctx, err)
	}
	start := time.Now()
	if _, err := s.m.SendData(ctx, shortTrain(s.mod), s.pageProgress(bytes.NewReader(s.coded), len(s.coded), 0, len(s.coded))); err != nil {
		return s.failModem(ctx, err)
	}
	s.pageTime = time.Since(start)
	return sPPM
}

// pageConfirmed counts the page the receiver confirmed with resp (MCF,
// RTP or PIP) and moves on as the post-page message said.
func (s *sender) pageConfirmed(resp FCF) sendState {
	s.confirmed++
	s.emit(PageConfirmed{Page: s.page, Bytes: len(s.coded), Duration: s.pageTime})
	s.next++
	s.rtn = 0
	s.coded = nil
	switch {
	case s.ppm == EOP:
		return sDone
	case s.ppm == EOM:
		// Back to phase B for the next page's parameters; the rate stays
		// where training left it.
		return sPhaseB
	case resp != MCF:
		// RTP: retrain before the next page (T.30 5.3.6.2.6).
		s.emit(Retrain{BitRate: s.mod.Rate()})
		return sDCS
	}
	np, err := s.doc.Page(s.next)
	if err != nil {
		s.dcn = true
		return s.fail(ReasonIncompatible, fmt.Errorf("t30: page %d: %w", s.next+1, err))
	}
	if s.prepared, err = s.sent.prepare(s.next, np, s.params); err != nil {
		s.dcn = true
		return s.fail(ReasonIncompatible, err)
	}
	return sPage
}

// postPage sends the post-page message and acts on the verdict (T.30
// 5.3.6.2.5, 5.3.6.2.6).
func (s *sender) postPage(ctx context.Context) sendState {
	if err := s.m.Silence(ctx, silence); err != nil {
		return s.failModem(ctx, err)
	}
	if err := s.send(ctx, signal(s.ppm, true)); err != nil {
		return s.failModem(ctx, err)
	}
	msg, err := s.recv(ctx, timerT4+frameAllowance)
	if err != nil && !errors.Is(err, errNoFrame) {
		return s.failModem(ctx, err)
	}
	switch last(msg) {
	case MCF, RTP, PIP:
		return s.pageConfirmed(last(msg))
	case RTN, PIN:
		s.rtn++
		s.emit(PageRejected{Page: s.page, Try: s.rtn})
		if s.rtn >= maxTries {
			s.dcn = true
			return s.fail(ReasonPageRejected, fmt.Errorf("t30: RTN for page %d %d times", s.page, s.rtn))
		}
		// Retrain one step slower and send the page again.
		if next := s.rates.below(s.mod); next != 0 {
			s.mod = next
		}
		s.emit(Retrain{BitRate: s.mod.Rate()})
		s.coded = nil
		return sDCS
	case DCN:
		return s.fail(ReasonLineDropped, errors.New("t30: DCN instead of a post-page response"))
	}
	s.tries++
	if s.tries >= maxTries {
		s.dcn = true
		return s.fail(ReasonNoResponse, fmt.Errorf("t30: no response to %v repeated 3 times", s.ppm))
	}
	return sPPM
}
