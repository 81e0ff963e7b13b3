package t30

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"faxbox/modem"
)

// Error correction mode (T.30 Annex A, T.4 Annex A). The page's coded
// data is cut into blocks of at most 256 frames of 256 (or 64) octets. A
// block travels in phase C as FCD frames, each with its number, closed by
// three RCP frames; the sender then asks with PPS whether the block
// arrived. The receiver answers MCF, or PPR with a map of the frames to
// send again. After the fourth PPR for one block the sender either goes on
// at a lower rate (CTC, answered by CTR) or gives the block up (EOR,
// answered by ERR). A receiver that needs time answers RNR; the sender
// asks again with RR, for at most T5.

const (
	maxBlockFrames = 256
	// pprLimit is the number of PPRs for one block after which the sender
	// must change course (T.30 A.4.4: four).
	pprLimit = 4
	timerT5  = 60 * time.Second
	// ecmPreamble is the time of flags before the first frame (T.4
	// A.3.1: about 200 ms) and ecmTrailer the flags after the last.
	ecmPreamble = 200 * time.Millisecond
	ecmTrailer  = 30 * time.Millisecond
)

// ecmSend is the sender's state for the page being sent in ECM.
type ecmSend struct {
	frameSize int
	page      uint8 // page counter (PPS), from 0
	block     int   // block of the current page, from 0
	pending   [maxBlockFrames]bool
	ppr       int // PPRs for the current block
	rnr       time.Time
}

// blockFrames returns the frames of block b of data: their data slices.
func blockFrames(data []byte, frameSize, b int) [][]byte {
	start := b * maxBlockFrames * frameSize
	var out [][]byte
	for i := 0; i < maxBlockFrames && start < len(data); i++ {
		end := min(start+frameSize, len(data))
		out = append(out, data[start:end])
		start = end
	}
	return out
}

// blocks returns the number of blocks of n octets of page data.
func blocks(n, frameSize int) int {
	per := maxBlockFrames * frameSize
	return max(1, (n+per-1)/per)
}

// ecmBlockBytes frames a block for phase C: flags, the pending FCD frames,
// three RCP frames, flags.
func ecmBlockBytes(frames [][]byte, pending []bool, rate int) []byte {
	var e hdlcEncoder
	e.flags(max(4, rate*int(ecmPreamble/time.Millisecond)/8000))
	buf := make([]byte, 0, 4+MaxFCDData)
	for i, d := range frames {
		if !pending[i] {
			continue
		}
		buf = append(buf[:0], Address, Control, FCD.Octet(false), byte(i))
		buf = append(buf, d...)
		e.frame(buf)
	}
	for range 3 {
		e.frame([]byte{Address, Control, RCP.Octet(false)})
	}
	e.flags(max(2, rate*int(ecmTrailer/time.Millisecond)/8000))
	return e.bytes()
}

// sendECMBlock sends the pending frames of the current block (phase C).
func (s *sender) sendECMBlock(ctx context.Context) sendState {
	e := &s.ecm
	frames := blockFrames(s.coded, e.frameSize, e.block)
	data := ecmBlockBytes(frames, e.pending[:len(frames)], s.mod.Rate())
	if err := s.m.Silence(ctx, silence); err != nil {
		return s.failModem(ctx, err)
	}
	start := time.Now()
	coded := 0
	for _, f := range frames {
		coded += len(f)
	}
	offset := e.block * maxBlockFrames * e.frameSize
	if _, err := s.m.SendData(ctx, shortTrain(s.mod), s.pageProgress(bytes.NewReader(data), len(data), offset, coded)); err != nil {
		return s.failModem(ctx, err)
	}
	s.pageTime += time.Since(start)
	s.tries = 0
	return sECMPPS
}

// ecmPPS asks whether the block arrived and acts on the answer.
func (s *sender) ecmPPS(ctx context.Context) sendState {
	e := &s.ecm
	frames := blockFrames(s.coded, e.frameSize, e.block)
	last := e.block == blocks(len(s.coded), e.frameSize)-1
	post := Null
	if last {
		post = s.ppm
	}
	pps := &PPSFrame{FrameHeader: FrameHeader{FCF: PPS, X: true}, Post: post,
		Page: e.page, Block: uint8(e.block), FrameCount: uint8(len(frames) - 1)}
	if err := s.m.Silence(ctx, silence); err != nil {
		return s.failModem(ctx, err)
	}
	if err := s.send(ctx, pps); err != nil {
		return s.failModem(ctx, err)
	}
	return s.ecmResponse(ctx, frames, last)
}

// ecmResponse waits for the answer to PPS (or to RR, CTC, EOR).
func (s *sender) ecmResponse(ctx context.Context, frames [][]byte, last bool) sendState {
	e := &s.ecm
	msg, err := s.recv(ctx, timerT4+frameAllowance)
	if err != nil && !errors.Is(err, errNoFrame) {
		return s.failModem(ctx, err)
	}
	switch f := find(msg, MCF, PPR, RNR, CTR, ERR, DCN).(type) {
	case *SignalFrame:
		switch f.FCF {
		case MCF:
			e.rnr = time.Time{}
			return s.blockDone(last)
		case RNR:
			// Not ready: ask again with RR until T5 (T.30 A.5.4).
			if e.rnr.IsZero() {
				e.rnr = time.Now()
			}
			if time.Since(e.rnr) > timerT5 {
				s.dcn = true
				return s.fail(ReasonNoResponse, errors.New("t30: receiver not ready for T5"))
			}
			if err := s.send(ctx, signal(RR, true)); err != nil {
				return s.failModem(ctx, err)
			}
			return s.ecmResponse(ctx, frames, last)
		case CTR:
			return sECMBlock
		case ERR:
			// The block was given up: the page is not confirmed.
			s.emit(PageRejected{Page: s.page, Try: e.ppr})
			s.dcn = true
			return s.fail(ReasonPageRejected, fmt.Errorf("t30: page %d block %d given up after %d PPRs", s.page, e.block, e.ppr))
		case DCN:
			return s.fail(ReasonLineDropped, errors.New("t30: DCN after PPS"))
		}
	case *PPRFrame:
		e.ppr++
		any := false
		for i := range frames {
			e.pending[i] = f.Bad(uint8(i))
			any = any || e.pending[i]
		}
		if !any {
			// A PPR that asks for nothing: take it as MCF.
			return s.blockDone(last)
		}
		if e.ppr%pprLimit != 0 {
			return sECMBlock
		}
		// The fourth PPR: continue slower (CTC), or give up (EOR).
		if next := s.rates.below(s.mod); next != 0 {
			s.mod = next
			s.params.Rate = bitRateOf(next)
			s.emit(Retrain{BitRate: next.Rate()})
			ctc := &CTCFrame{FrameHeader: FrameHeader{FCF: CTC, X: true}, HasRate: true, Rate: bitRateOf(next)}
			if err := s.send(ctx, ctc); err != nil {
				return s.failModem(ctx, err)
			}
			return s.ecmResponse(ctx, frames, last)
		}
		post := Null
		if last {
			post = s.ppm
		}
		if err := s.send(ctx, &EORFrame{FrameHeader: FrameHeader{FCF: EOR, X: true}, Post: post}); err != nil {
			return s.failModem(ctx, err)
		}
		return s.ecmResponse(ctx, frames, last)
	}
	// No answer: repeat PPS (T.30 5.4.3.1).
	s.tries++
	if s.tries >= maxTries {
		s.dcn = true
		return s.fail(ReasonNoResponse, fmt.Errorf("t30: no response to PPS for page %d repeated 3 times", s.page))
	}
	return sECMPPS
}

// blockDone moves on after a confirmed block: the next block of the page,
// or, after the last, what the page's post-message says.
func (s *sender) blockDone(last bool) sendState {
	e := &s.ecm
	e.ppr = 0
	if !last {
		e.block++
		e.markAll()
		return sECMBlock
	}
	e.page++
	return s.pageConfirmed(MCF)
}

func (e *ecmSend) markAll() {
	for i := range e.pending {
		e.pending[i] = true
	}
}

// ecmRecv is the receiver's state for the block being received.
type ecmRecv struct {
	frames [maxBlockFrames][]byte
	got    [maxBlockFrames]bool
	rcp    bool
	// count is the block's frame count: the largest a PPS of the block
	// gave (T.30 Annex A, the PPS's third FIF octet). After a PPR some
	// senders (spandsp 0.0.6) count in that octet only the frames they
	// resent; trusting the last PPS would cut the page to those.
	count  int
	page   bytes.Buffer // the blocks of the page so far
	block  int          // the next block expected
	pageNo uint8        // the PPS page counter of the page expected
}

// reset forgets the current block's frames.
func (e *ecmRecv) resetBlock() {
	for i := range e.got {
		e.got[i] = false
		e.frames[i] = e.frames[i][:0]
	}
	e.rcp, e.count = false, 0
}

// receiveECMBlock receives the frames of a block (or its retransmission).
func (r *receiver) receiveECMBlock(ctx context.Context) recvState {
	e := &r.ecm
	fs := r.params.FrameSize()
	dec := newHDLCDecoder(4+fs, func(b []byte, err error) {
		if err != nil || len(b) < 3 || b[0] != Address {
			return
		}
		switch b[2] {
		case FCD.Octet(false):
			if len(b) >= 4 && len(b)-4 <= fs {
				n := b[3]
				e.frames[n] = append(e.frames[n][:0], b[4:]...)
				e.got[n] = true
				r.gotData = true
			}
		case RCP.Octet(false):
			e.rcp = true
		}
	})
	_, err := r.receiveData(ctx, shortTrain(r.mod), dec, timerT2, nil)
	if err != nil {
		if errors.Is(err, modem.ErrFCError) || errors.Is(err, modem.ErrTimeout) {
			return rECMPost // a V.21 command instead: PPS, CTC, EOR, RR, DCS
		}
		if !errors.Is(err, context.Canceled) {
			return r.fail(ReasonLineDropped, err)
		}
		return r.failModem(ctx, err)
	}
	return rECMPost
}

// ecmPost answers the sender's command after a block.
func (r *receiver) ecmPost(ctx context.Context) recvState {
	msg, err := r.recv(ctx, timerT2+frameAllowance)
	if errors.Is(err, errNoFrame) {
		r.tries++
		if r.tries >= maxTries {
			return r.fail(ReasonLineDropped, errors.New("t30: no command after an ECM block"))
		}
		return rECMPost
	}
	if err != nil {
		return r.failModem(ctx, err)
	}
	r.tries = 0
	switch f := find(msg, PPS, CTC, EOR, RR, DCS, DCN).(type) {
	case *PPSFrame:
		return r.ecmPPS(ctx, f)
	case *CTCFrame:
		if f.HasRate {
			r.mod = modulationOf(f.Rate)
			r.params.Rate = f.Rate
		}
		if err := r.respond(ctx, CTR); err != nil {
			return r.failModem(ctx, err)
		}
		return rECMBlock
	case *EORFrame:
		// The sender gives the block up; the page will not be whole.
		r.ecmBroken = true
		if err := r.respond(ctx, ERR); err != nil {
			return r.failModem(ctx, err)
		}
		return r.ecmAfter(f.Post, ERR)
	case *SignalFrame:
		if f.FCF == DCN {
			return r.fail(ReasonLineDropped, errors.New("t30: DCN in ECM phase D"))
		}
		// RR: our answer was lost or we said RNR; answer again.
		if err := r.respond(ctx, r.lastResp); err != nil {
			return r.failModem(ctx, err)
		}
		if r.lastResp == PPR {
			return rECMBlock
		}
		return rECMPost
	case *DCSFrame:
		return r.acceptDCS(f.Params)
	}
	return rECMPost
}

// ecmPPS checks the block against PPS: MCF when every frame is in, PPR
// with the missing ones otherwise.
func (r *receiver) ecmPPS(ctx context.Context, f *PPSFrame) recvState {
	e := &r.ecm
	if f.Page != e.pageNo || int(f.Block) != e.block%256 {
		// A PPS repeated for the block already confirmed: confirm again.
		if err := r.respond(ctx, MCF); err != nil {
			return r.failModem(ctx, err)
		}
		return r.ecmAfter(f.Post, MCF)
	}
	e.count = max(e.count, f.Frames())
	ppr := &PPRFrame{FrameHeader: FrameHeader{FCF: PPR}}
	for i := 0; i < e.count; i++ {
		if !e.got[i] {
			ppr.SetBad(uint8(i))
		}
	}
	if ppr.Count() > 0 {
		r.lastResp = PPR
		if err := r.respondFrame(ctx, ppr); err != nil {
			return r.failModem(ctx, err)
		}
		return rECMBlock
	}
	for i := 0; i < e.count; i++ {
		e.page.Write(e.frames[i])
	}
	e.resetBlock()
	e.block++
	if f.Post == Null {
		r.lastResp = MCF
		if err := r.respond(ctx, MCF); err != nil {
			return r.failModem(ctx, err)
		}
		return rECMBlock
	}
	// The page is complete: decode, judge, store, confirm.
	r.data.Reset()
	r.data.Write(e.page.Bytes())
	r.losses = r.losses[:0] // ECM resends what was lost (T.30 Annex A)
	e.page.Reset()
	e.block = 0
	e.pageNo++
	r.decode()
	q := QualityGood
	if r.ecmBroken || r.rx == nil || r.rx.Height == 0 || r.stats.BadRows > 0 {
		q = Judge(r.stats)
		if r.ecmBroken {
			q = QualityBad
		}
	}
	r.ecmBroken = false
	resp := r.judged(q)
	if err := r.respond(ctx, resp); err != nil {
		if r.complete(f.Post, resp) {
			return rDone
		}
		return r.failModem(ctx, err)
	}
	return r.ecmAfter(f.Post, resp)
}

// ecmAfter is where the post-message of an ECM page leads.
func (r *receiver) ecmAfter(post, resp FCF) recvState {
	switch post {
	case Null:
		return rECMBlock
	case EOP, PRIEOP:
		r.gotEOP = true
		return rEnd
	case EOM, PRIEOM:
		r.firstDIS = time.Now()
		return rDIS
	}
	r.page = r.received + 1
	r.emit(PageStarted{Page: r.page})
	return rECMBlock
}

// respondFrame sends a response frame after silence.
func (r *receiver) respondFrame(ctx context.Context, f Frame) error {
	if err := r.m.WaitSilence(ctx, silence); err != nil && !errors.Is(err, modem.ErrTimeout) {
		return err
	}
	return r.send(ctx, f)
}
