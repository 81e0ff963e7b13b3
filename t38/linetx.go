package t38

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"faxbox/modem"
)

// indicatorCopies is how many times an indicator goes out, each copy a
// datagram of its own: gateways repeat indicators (T.38 clause 7.3),
// since an indicator that is the last packet for a while
// has no later datagram to carry it as redundancy.
const indicatorCopies = 3

// send encodes p and sends it as the next UDPTL datagram with depth
// redundant packets.
func (l *Line) send(p Packet, depth int) error {
	ifp, err := l.syn.Marshal(p)
	if err != nil {
		return err
	}
	l.txMu.Lock()
	seq := l.enc.seq
	b, err := l.enc.Encode(ifp, depth)
	l.txMu.Unlock()
	if err != nil {
		return err
	}
	if _, err := l.conn.WriteTo(b, l.remote); err != nil {
		return &ClosedError{Err: fmt.Errorf("t38: send: %w", err)}
	}
	l.count(func(s *LineStats) { s.Sent++ })
	l.traceIt(TraceEntry{At: time.Now(), Sent: true, Seq: seq, Packet: p})
	return nil
}

func (l *Line) sendIndicator(i Indicator) error {
	l.lastInd, l.indSent = i, true
	for range indicatorCopies {
		if err := l.send(Packet{Indicator: i}, l.red.Indicator); err != nil {
			return err
		}
	}
	return nil
}

// sendFields sends one data packet. The octets of HDLC and T.4 fields go
// in the order of T.38 clause 7.4 (the first bit on the line is the most
// significant), the reverse of what a class 1 modem and the T.30 engine
// use.
func (l *Line) sendFields(dt DataType, depth int, fields ...Field) error {
	for i, f := range fields {
		fields[i].Data = lineOrder(f.Type, f.Data)
	}
	return l.send(Packet{IsData: true, Data: dt, Fields: fields}, depth)
}

// Dial starts the calling side of a call whose session the SIP side has
// set up: it sends the CNG indicator (again every 3.5 s, the cadence of
// T.30 CNG: 0.5 s on, 3 s off) until the called terminal's V.21 preamble or first frame
// arrives, which it leaves for ReceiveFrame. number is not used.
func (l *Line) Dial(ctx context.Context, number string) error {
	for {
		if err := l.sendIndicator(CNG); err != nil {
			return err
		}
		wait, cancel := context.WithTimeout(ctx, 3500*time.Millisecond)
		err := l.awaitV21(wait)
		cancel()
		if err == nil || ctx.Err() != nil || !errors.Is(err, modem.ErrTimeout) {
			if ctx.Err() != nil {
				return timeoutErr(ctx)
			}
			return err
		}
	}
}

// awaitV21 waits for the far end's V.21 signal and leaves it unread.
func (l *Line) awaitV21(ctx context.Context) error {
	for {
		e, err := l.next(ctx, 0)
		if err != nil {
			return err
		}
		if (e.kind == evIndicator && e.ind == V21Preamble) || (e.kind == evField && e.dt == V21) {
			l.unread(e)
			return nil
		}
	}
}

// Answer starts the called side: CED for 3 s (T.30: 2.6 to 4 s), T.30's 75 ms
// pause, then the V.21 preamble, whose flags the first
// SendFrame follows as a modem's CONNECT after ATA does.
func (l *Line) Answer(ctx context.Context) error {
	if err := l.sendIndicator(CED); err != nil {
		return err
	}
	if err := l.pause(ctx, startup(CED)); err != nil {
		return err
	}
	if err := l.sendIndicator(NoSignal); err != nil {
		return err
	}
	if err := l.pause(ctx, 75*time.Millisecond); err != nil {
		return err
	}
	return l.startV21()
}

func (l *Line) startV21() error {
	if err := l.sendIndicator(V21Preamble); err != nil {
		return err
	}
	l.v21On, l.v21Since = true, time.Now()
	return nil
}

// pause waits as a modem's signal would take, unless pacing is off.
func (l *Line) pause(ctx context.Context, d time.Duration) error {
	if l.cfg.NoPacing {
		return nil
	}
	return l.sleep(ctx, d)
}

// Silence ends any signal (the no-signal indicator) and keeps quiet for d
// (AT+FTS, T.31 8.3.6).
func (l *Line) Silence(ctx context.Context, d time.Duration) error {
	if err := l.endSignal(); err != nil {
		return err
	}
	return l.sleep(ctx, d)
}

func (l *Line) endSignal() error {
	l.v21On = false
	if l.indSent && l.lastInd == NoSignal {
		return nil
	}
	return l.sendIndicator(NoSignal)
}

var (
	errFinalMismatch = errors.New("t38: SendFrame: final flag does not match the control field's final bit")
	errShortFrame    = errors.New("t38: SendFrame: frame shorter than address and control fields")
)

// SendFrame sends one V.21 HDLC frame: address, control and information
// fields without FCS, as hdlc-data followed by hdlc-fcs-OK, with
// hdlc-fcs-OK-sig-end for the final frame (T.38 7.4). The first frame
// of a message follows the V.21 preamble indicator after the 1 s of
// flags a gateway sends (T.30 5.3.1); each frame then takes the time it
// takes at 300 bit/s, so that T.30's timing holds on the far side.
func (l *Line) SendFrame(ctx context.Context, frame []byte, final bool) error {
	if len(frame) < 2 {
		return errShortFrame
	}
	if frame[1]&0x10 != 0 != final {
		return errFinalMismatch
	}
	if !l.v21On {
		if err := l.startV21(); err != nil {
			return err
		}
	}
	if err := l.pause(ctx, time.Until(l.v21Since.Add(startup(V21Preamble)))); err != nil {
		return err
	}
	end := HDLCFCSOK
	if final {
		end = HDLCFCSOKSigEnd
	}
	if err := l.sendFields(V21, l.red.Control, Field{Type: HDLCData, Data: frame}, Field{Type: end}); err != nil {
		return err
	}
	// Flag, frame, FCS and closing flag at 300 bit/s (V.21).
	if err := l.pause(ctx, airTime(len(frame)+4, 300)); err != nil {
		return err
	}
	if final {
		return l.endSignal()
	}
	return nil
}

func airTime(octets, rate int) time.Duration {
	return time.Duration(octets) * 8 * time.Second / time.Duration(rate)
}

// SendData sends high-speed data with modulation mod: the training
// indicator, then, after the training time of the far gateway's modem,
// the octets of r as t4-non-ecm-data ending with t4-non-ecm-sig-end, or,
// when r is an HDLC bit stream (ECM frames as the T.30 engine makes them,
// beginning with flags), each frame as hdlc-data and hdlc-fcs-OK ending
// with hdlc-sig-end (T.38 7.4). TCF goes this way too (transferred TCF,
// T.38 clause 8.2). Data goes out at the modulation's rate (modem-less
// pacing, T.38 clause 8), a little ahead of the far modem so it never
// runs dry, and within T38FaxMaxBuffer.
func (l *Line) SendData(ctx context.Context, mod modem.Modulation, r io.Reader) (int64, error) {
	dt, ok := dataType(mod)
	if !ok || dt == V21 {
		return 0, fmt.Errorf("t38: SendData: modulation %d is not high-speed", mod)
	}
	l.v21On = false
	ind := training(mod)
	if err := l.sendIndicator(ind); err != nil {
		return 0, err
	}
	if err := l.pause(ctx, startup(ind)); err != nil {
		return 0, err
	}
	br := bufio.NewReaderSize(r, tcfPeek)
	first, err := br.Peek(1)
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	if l.cfg.Params.RateManagement == LocalTCF {
		if n, ok := isTCF(br); ok {
			// Data rate management method 1 (T.38 clause 8.1): the
			// receiving side makes the TCF; only its time goes by here.
			if err := l.pause(ctx, airTime(n, mod.Rate())); err != nil {
				return 0, err
			}
			return int64(n), l.endSignal()
		}
	}
	p := l.newPacer(mod.Rate())
	var n int64
	if len(first) == 1 && first[0] == flag {
		n, err = l.sendHDLC(ctx, dt, br, p)
	} else {
		n, err = l.sendT4(ctx, dt, br, p)
	}
	if err != nil {
		return n, err
	}
	if err := p.drain(ctx); err != nil {
		return n, err
	}
	return n, l.endSignal()
}

// tcfPeek bounds the look-ahead that recognises a TCF: 1.5 s of zeros at
// 14400 bit/s is 2700 octets.
const tcfPeek = 4096

// isTCF reports whether r holds nothing but zeros up to its end within
// tcfPeek octets, as a TCF (T.30's 1.5 s of zeros) does and page data
// (which begins with an EOL) never does, and how many.
func isTCF(r *bufio.Reader) (int, bool) {
	b, err := r.Peek(tcfPeek)
	if !errors.Is(err, io.EOF) || len(b) == 0 {
		return 0, false
	}
	for _, c := range b {
		if c != 0 {
			return 0, false
		}
	}
	return len(b), true
}

// chunk is how many octets of page data go in one packet: 40 ms worth,
// less when T38FaxMaxDatagram asks.
func (l *Line) chunk(rate int) int {
	c := max(rate*40/1000/8, 8)
	if md := l.cfg.Params.MaxDatagram; md > 0 {
		c = min(c, (md-8)/(1+l.red.Image)-8)
	}
	return max(c, 1)
}

// sendT4 sends page data or TCF in chunks; the last chunk goes as
// t4-non-ecm-sig-end, with data (T.38 7.4 allows it), so that the end never
// travels alone.
func (l *Line) sendT4(ctx context.Context, dt DataType, r *bufio.Reader, p *pacer) (int64, error) {
	buf := make([]byte, l.chunk(p.rate))
	var n int64
	for {
		k, err := io.ReadFull(r, buf)
		if err == nil {
			_, err = r.Peek(1) // is this the last chunk?
		}
		last := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
		if err != nil && !last {
			return n, err
		}
		if err := p.wait(ctx, k); err != nil {
			return n, err
		}
		typ := T4NonECMData
		if last {
			typ = T4NonECMSigEnd
		}
		if err := l.sendFields(dt, l.red.Image, Field{Type: typ, Data: buf[:k]}); err != nil {
			return n, err
		}
		n += int64(k)
		if last {
			return n, nil
		}
	}
}

// sendHDLC finds the frames in an HDLC bit stream and sends each whole.
func (l *Line) sendHDLC(ctx context.Context, dt DataType, r *bufio.Reader, p *pacer) (int64, error) {
	var frames []hdlcFrame
	d := &deframer{max: maxFrame, emit: func(f []byte, ok bool) {
		frames = append(frames, hdlcFrame{append([]byte(nil), f...), ok})
	}}
	buf := make([]byte, 1024)
	var n int64
	for {
		k, rerr := r.Read(buf)
		n += int64(k)
		d.write(buf[:k])
		for _, f := range frames {
			if err := p.wait(ctx, len(f.data)+4); err != nil {
				return n, err
			}
			end := HDLCFCSOK
			if !f.ok {
				end = HDLCFCSBad
			}
			if err := l.sendFields(dt, l.red.Image, Field{Type: HDLCData, Data: f.data}, Field{Type: end}); err != nil {
				return n, err
			}
		}
		frames = frames[:0]
		if errors.Is(rerr, io.EOF) {
			return n, l.sendFields(dt, l.red.Image, Field{Type: HDLCSigEnd})
		}
		if rerr != nil {
			return n, rerr
		}
	}
}

type hdlcFrame struct {
	data []byte
	ok   bool
}

// pacer keeps sent data a little ahead of what the far modem has sent on
// at rate bit/s since the data began.
type pacer struct {
	l     *Line
	rate  int
	start time.Time
	sent  int // octets
	lead  int // octets allowed ahead of the far modem
}

// leadTime is how far ahead of the far modem data may run: enough to ride
// over network jitter, little enough for a gateway's buffer.
const leadTime = 250 * time.Millisecond

func (l *Line) newPacer(rate int) *pacer {
	lead := int(time.Duration(rate/8) * leadTime / time.Second)
	if mb := l.cfg.Params.MaxBuffer; mb > 0 {
		lead = min(lead, mb/2)
	}
	return &pacer{l: l, rate: rate, start: time.Now(), lead: max(lead, 64)}
}

// wait returns when n more octets may go.
func (p *pacer) wait(ctx context.Context, n int) error {
	due := p.start.Add(airTime(p.sent+n-p.lead, p.rate))
	p.sent += n
	return p.l.pause(ctx, time.Until(due))
}

// drain returns when the far modem has sent everything.
func (p *pacer) drain(ctx context.Context) error {
	return p.l.pause(ctx, time.Until(p.start.Add(airTime(p.sent, p.rate))))
}
