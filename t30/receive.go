package t30

import (
	"bytes"
	"context"
	"errors"
	"time"

	"faxbox/modem"
	"faxbox/pages"
)

// Receive answers a call that the modem reported ringing and receives a
// fax as the called station (T.30 phases A to E, Figure 5-2), in error
// correction mode (Annex A) when the sender chooses it.
// Each page is judged by its copy quality and handed to Options.OnPage
// before it is confirmed; Result.Pages counts the confirmed pages.
func Receive(ctx context.Context, m Modem, o Options) Result {
	r := &receiver{call: newCall(m, o)}
	return r.run(ctx)
}

// recvState is a node of the called station's flow (T.30 Figure 5-2).
type recvState uint8

const (
	rAnswer   recvState = iota // phase A: answer
	rDIS                       // phase B: send CSI/DIS
	rCommand                   // wait for TSI/DCS, or a repeated command
	rTCF                       // receive and judge the training check
	rPage                      // phase C: receive a page
	rPost                      // phase D: wait for MPS/EOM/EOP, answer
	rEnd                       // after EOP: wait for DCN
	rECMBlock                  // phase C in ECM: receive a block's frames
	rECMPost                   // phase D in ECM: PPS, CTC, EOR, RR
	rDone
	rFail
)

var recvStateNames = [...]string{"answer", "DIS", "command", "TCF", "page", "post-page", "end", "ECM block", "ECM post", "done", "fail"}

func (s recvState) String() string { return recvStateNames[s] }

// receiver is the called station's call state.
type receiver struct {
	*call
	firstDIS  time.Time // when DIS was first sent, for T1
	mod       modem.Modulation
	data      bytes.Buffer // the page being received
	rx        *pages.Page
	stats     pages.Stats
	received  int
	lastResp  FCF // the last post-page response, sent again for a repeated command
	tries     int
	gotEOP    bool
	ecm       ecmRecv
	ecmBroken bool // a block of the page was given up (EOR)
	gotData   bool // some page data (or ECM frame) arrived

	reason Reason
	err    error

	// losses are the holes in the page data the line reported (loss.go).
	losses []dataLoss
}

func (r *receiver) run(parent context.Context) Result {
	st := rAnswer
	ctx, release := parent, func() {}
	defer func() { release() }()
	for st != rDone && st != rFail {
		if ctx == parent && !r.connectedAt.IsZero() {
			ctx, release = r.limit(parent)
		}
		prev := st
		switch st {
		case rAnswer:
			st = r.answer(ctx)
		case rDIS:
			st = r.sendDIS(ctx)
		case rCommand:
			st = r.command(ctx)
		case rTCF:
			st = r.tcf(ctx)
		case rPage:
			st = r.receivePage(ctx)
		case rPost:
			st = r.postPage(ctx)
		case rEnd:
			st = r.end(ctx)
		case rECMBlock:
			st = r.receiveECMBlock(ctx)
		case rECMPost:
			st = r.ecmPost(ctx)
		}
		if ctx.Err() != nil && st != rDone {
			st = r.fail(ended(ctx), context.Cause(ctx))
		}
		if st != prev {
			r.log.Debug("t30 receiver state", "from", prev.String(), "to", st.String())
		}
	}
	if !r.connectedAt.IsZero() {
		r.hangUp(st == rFail && r.reason != ReasonLineDropped, false)
	}
	if st == rFail {
		return r.result(r.reason, r.received, r.err)
	}
	return r.result(ReasonOK, r.received, nil)
}

// fail ends the call; with pages already received the outcome is partial,
// and a line that dropped before any page data came sent no document.
func (r *receiver) fail(reason Reason, err error) recvState {
	switch {
	case r.received > 0 && reason != ReasonCancelled && reason != ReasonTimeLimit && reason != ReasonModem:
		reason = ReasonPartial
	case reason == ReasonLineDropped && !r.gotData:
		reason = ReasonNoDocument
	}
	r.reason, r.err = reason, err
	return rFail
}

func (r *receiver) failModem(ctx context.Context, err error) recvState {
	if ctx.Err() != nil {
		return r.fail(ended(ctx), context.Cause(ctx))
	}
	return r.fail(r.callFailure(ctx, err), err)
}

func (r *receiver) answer(ctx context.Context) recvState {
	if err := r.m.Answer(ctx); err != nil {
		if errors.Is(err, modem.ErrNoCarrier) {
			return r.fail(ReasonNoDocument, err)
		}
		return r.failModem(ctx, err)
	}
	r.connected()
	r.firstDIS = time.Now()
	return rDIS
}

// sendDIS says who we are and what we take (T.30 5.3.6.2.1).
func (r *receiver) sendDIS(ctx context.Context) recvState {
	if time.Since(r.firstDIS) > timerT1 {
		return r.fail(ReasonNoDocument, errors.New("t30: no DCS within T1"))
	}
	var frames []Frame
	if r.o.Ident != "" {
		frames = append(frames, &IdentFrame{FrameHeader: FrameHeader{FCF: CSI}, Ident: r.o.Ident})
	}
	frames = append(frames, &DISFrame{FrameHeader: FrameHeader{FCF: DIS}, Caps: r.o.ourDIS()})
	if err := r.send(ctx, frames...); err != nil {
		return r.failModem(ctx, err)
	}
	return rCommand
}

// respond waits for the line to fall silent, then sends a response.
func (r *receiver) respond(ctx context.Context, fcf FCF) error {
	if err := r.m.WaitSilence(ctx, silence); err != nil && !errors.Is(err, modem.ErrTimeout) {
		return err
	}
	return r.send(ctx, signal(fcf, false))
}

// command waits for the calling station's command: TSI/DCS, a repeated
// post-page command whose answer was lost, or DCN.
func (r *receiver) command(ctx context.Context) recvState {
	msg, err := r.recv(ctx, commandWait)
	if errors.Is(err, errNoFrame) && r.heardCarrier && r.tries < 2*maxTries {
		// A training check or page went by without the DCS before it
		// reaching us: the sender will repeat DCS when CFR does not come.
		// Sending DIS now would talk over it (T.30 5.4.3.1).
		r.tries++
		return rCommand
	}
	if errors.Is(err, errNoFrame) {
		if r.paramsSet {
			// We are past phase B: keep listening up to T2 three times.
			r.tries++
			if r.tries >= maxTries {
				return r.fail(ReasonLineDropped, errors.New("t30: no command after the response"))
			}
			return rCommand
		}
		return rDIS // DIS again until T1 (T.30 5.4.3.1)
	}
	if err != nil {
		return r.failModem(ctx, err)
	}
	r.tries = 0
	if f, ok := find(msg, TSI).(*IdentFrame); ok && f.Ident != r.remote {
		r.remote = f.Ident
		r.emit(RemoteIdent{Ident: f.Ident})
	}
	switch f := find(msg, DCS, DCN, MPS, EOP, EOM, PRIMPS, PRIEOP, PRIEOM, CRP).(type) {
	case *DCSFrame:
		return r.acceptDCS(f.Params)
	case *SignalFrame:
		switch f.FCF {
		case DCN:
			if r.gotEOP {
				return rDone
			}
			if r.received == 0 {
				return r.fail(ReasonNoDocument, errors.New("t30: DCN before any page"))
			}
			return r.fail(ReasonLineDropped, errors.New("t30: DCN before EOP"))
		case CRP:
			return rDIS
		default:
			// A post-page command again: our answer was lost; repeat it.
			if r.lastResp != Null {
				if err := r.respond(ctx, r.lastResp); err != nil {
					return r.failModem(ctx, err)
				}
				return r.afterResponse(f.FCF, r.lastResp)
			}
		}
	}
	return rCommand
}

// acceptDCS takes the sender's choice; the training check follows.
func (r *receiver) acceptDCS(p Params) recvState {
	if !p.Rate.Valid() || p.Coding == CodingMMR && !p.ECM || p.ECM {
		r.log.Debug("t30 DCS we cannot follow", "params", p.String())
	}
	if !r.paramsSet || r.params != p {
		r.params, r.paramsSet = p, true
		r.emit(Negotiated{Params: p})
	}
	r.mod = modulationOf(p.Rate)
	r.ecm.resetBlock()
	r.ecm.page.Reset()
	r.ecm.block = 0
	return rTCF
}

// tcf receives the training check and answers CFR or FTT.
func (r *receiver) tcf(ctx context.Context) recvState {
	r.data.Reset()
	_, err := r.receiveData(ctx, r.mod, &r.data, timerT4, nil)
	if err != nil {
		if errors.Is(err, modem.ErrFCError) || errors.Is(err, modem.ErrTimeout) {
			// No TCF (a V.21 frame came instead): listen for commands.
			return rCommand
		}
		return r.failModem(ctx, err)
	}
	ok := tcfOK(r.data.Bytes(), r.mod)
	r.emit(Training{BitRate: r.mod.Rate(), OK: ok})
	if !ok {
		if err := r.respond(ctx, FTT); err != nil {
			return r.failModem(ctx, err)
		}
		return rCommand
	}
	if err := r.respond(ctx, CFR); err != nil {
		return r.failModem(ctx, err)
	}
	if r.params.ECM {
		r.page = r.received + 1
		r.emit(PageStarted{Page: r.page})
		return rECMBlock
	}
	return rPage
}

// receivePage receives one page's data and decodes it.
func (r *receiver) receivePage(ctx context.Context) recvState {
	r.page = r.received + 1
	r.emit(PageStarted{Page: r.page})
	r.data.Reset()
	r.losses = r.losses[:0]
	_, err := r.receiveData(ctx, shortTrain(r.mod), &r.data, timerT2, r.noteLoss)
	if err != nil {
		if errors.Is(err, modem.ErrFCError) || errors.Is(err, modem.ErrTimeout) {
			// The sender talks V.21 (it missed our CFR and repeats DCS, or
			// sends a post-page command): back to commands.
			return rCommand
		}
		if !errors.Is(err, context.Canceled) && r.data.Len() > 0 {
			// The line dropped during the page: judge what came.
			r.gotData = true
			r.decode()
			return r.fail(ReasonLineDropped, err)
		}
		return r.failModem(ctx, err)
	}
	r.gotData = true
	r.decode()
	return rPost
}

// decode decodes the received page data as the DCS said it is coded.
func (r *receiver) decode() {
	p, st, err := decodeWithLosses(r.data.Bytes(), pages.DecoderOptions{
		Coding:   pagesCoding(r.params.Coding),
		Width:    WidthPels(r.params.Width),
		BitOrder: pages.LSBFirst,
	}, r.losses)
	if err != nil {
		r.log.Debug("t30 page decode error", "err", err)
	}
	if len(r.losses) > 0 {
		r.log.Debug("t30 page data lost on the line", "holes", len(r.losses), "rows", st.Rows, "bad", st.BadRows, "run", st.MaxConsecutiveBad)
	}
	if p != nil {
		xd, yd := pagesResolution(r.params.Resolution).DPI()
		p.XDPI, p.YDPI = xd, yd
	}
	r.rx, r.stats = p, st
}

// postPage waits for the post-page command, judges the page and answers
// (T.30 5.3.6.2.5, 5.3.6.2.6).
func (r *receiver) postPage(ctx context.Context) recvState {
	msg, err := r.recv(ctx, timerT2+frameAllowance)
	if errors.Is(err, errNoFrame) {
		r.tries++
		if r.tries >= maxTries {
			return r.fail(ReasonLineDropped, errors.New("t30: no post-page command"))
		}
		return rPost
	}
	if err != nil {
		return r.failModem(ctx, err)
	}
	r.tries = 0
	f := find(msg, MPS, EOP, EOM, PRIMPS, PRIEOP, PRIEOM, DCN, DCS)
	if f == nil {
		return rPost
	}
	cmd := f.Header().FCF
	switch cmd {
	case DCN:
		return r.fail(ReasonLineDropped, errors.New("t30: DCN instead of a post-page command"))
	case DCS:
		// The sender retrains without sending the page's command.
		return r.acceptDCS(f.(*DCSFrame).Params)
	}
	q := Judge(r.stats)
	if r.rx == nil || r.rx.Height == 0 {
		q = QualityBad
	}
	resp := r.judged(q)
	if err := r.respond(ctx, resp); err != nil {
		if r.complete(cmd, resp) {
			return rDone
		}
		return r.failModem(ctx, err)
	}
	return r.afterResponse(cmd, resp)
}

// complete reports whether the document is whole although the answer to
// its last command could not be sent: the sender said EOP and the page
// was kept. The sender, not hearing MCF, will count the page unconfirmed;
// the receiver has it all the same.
func (r *receiver) complete(cmd, resp FCF) bool {
	if (cmd == EOP || cmd == PRIEOP) && resp != RTN {
		r.gotEOP = true
		return true
	}
	return false
}

// judged hands a page of quality q over (OnPage) and returns the response
// to send: MCF, RTP, or RTN when the page is bad or could not be stored.
func (r *receiver) judged(q Quality) FCF {
	if q != QualityBad && r.o.OnPage != nil {
		if err := r.o.OnPage(ReceivedPage{Number: r.page, Page: r.rx, Stats: r.stats, Params: r.params}); err != nil {
			r.log.Warn("t30 page not stored", "page", r.page, "err", err)
			q = QualityBad
		}
	}
	r.emit(PageReceived{Page: r.page, Stats: r.stats, Bytes: r.data.Len(), Quality: q})
	resp := map[Quality]FCF{QualityGood: MCF, QualityRetrain: RTP, QualityBad: RTN}[q]
	if q != QualityBad {
		r.received++
	}
	r.lastResp = resp
	return resp
}

// afterResponse is where a post-page command and our answer lead.
func (r *receiver) afterResponse(cmd, resp FCF) recvState {
	switch {
	case cmd == EOP || cmd == PRIEOP:
		if resp != RTN {
			r.gotEOP = true
			return rEnd
		}
		return rCommand
	case resp == RTN || resp == RTP:
		// The sender retrains (DCS and TCF) before the next page.
		return rCommand
	case cmd == EOM || cmd == PRIEOM:
		// Back to phase B: T1 runs again (T.30 5.3.3).
		r.firstDIS = time.Now()
		return rDIS
	}
	return rPage
}

// end waits for the DCN after EOP; a repeated EOP gets its answer again.
func (r *receiver) end(ctx context.Context) recvState {
	msg, err := r.recv(ctx, timerT2+frameAllowance)
	if err != nil {
		return rDone // all pages are in: the DCN is a courtesy
	}
	repeated := false
	switch f := find(msg, EOP, PRIEOP, PPS).(type) {
	case *SignalFrame:
		repeated = true
	case *PPSFrame:
		repeated = f.Post == EOP || f.Post == PRIEOP
	}
	if repeated {
		// Our answer to EOP (or PPS-EOP) was lost: answer again.
		if err := r.respond(ctx, r.lastResp); err != nil {
			return rDone
		}
		return rEnd
	}
	return rDone
}
