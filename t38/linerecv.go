package t38

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"faxbox/modem"
)

// maxFrame bounds a received HDLC frame: T.30 control frames are short,
// ECM frames carry 256 octets of data plus 4 of header (T.30 Annex A).
const maxFrame = 300

// dataGap is how long received data may pause before the signal is taken
// to have ended unheard (its end lost beyond recovery), like a modem's
// loss of carrier.
const dataGap = 5 * time.Second

var (
	errWrongCarrier = fmt.Errorf("t38: %w", modem.ErrFCError)
	errNoFrame      = fmt.Errorf("t38: V.21 signal ended without a frame: %w", modem.ErrNoCarrier)
	errBadFrame     = fmt.Errorf("t38: %w", modem.ErrBadFCS)
)

// frameTimeout bounds a V.21 frame once it has begun: 3 s +15 % per
// T.31, doubled as the modem driver does (modem/hdlc.go).
const frameTimeout = 7550 * time.Millisecond

// ReceiveFrame receives one V.21 HDLC frame (T.38 clause 7.4: hdlc-data
// fields, then hdlc-fcs-OK or hdlc-fcs-BAD) and appends it to buf[:0]:
// address, control and information fields without FCS. hdlc-fcs-BAD, or
// packets lost within the frame, give an error matching modem.ErrBadFCS;
// high-speed training or data while waiting give modem.ErrFCError; a
// V.21 signal that ends without a frame gives modem.ErrNoCarrier; the end
// of ctx gives modem.ErrTimeout. A frame cut short by ctx is kept and
// completed by the next call.
func (l *Line) ReceiveFrame(ctx context.Context, buf []byte) ([]byte, error) {
	return l.receiveFrame(ctx, buf, 0)
}

// ReceiveFrameStarting is ReceiveFrame with a limit on the wait for the
// frame's V.21 signal to begin; once it has, the frame may take its time
// (up to frameTimeout). T.30 times responses this way (T4 runs until the
// response begins); the T.30 engine uses it when a modem has it.
func (l *Line) ReceiveFrameStarting(ctx context.Context, buf []byte, start time.Duration) ([]byte, error) {
	return l.receiveFrame(ctx, buf, start)
}

func (l *Line) receiveFrame(ctx context.Context, buf []byte, start time.Duration) ([]byte, error) {
	var deadline time.Time
	if start > 0 {
		deadline = time.Now().Add(start)
	}
	for {
		wait := time.Duration(0)
		if !deadline.IsZero() {
			if wait = time.Until(deadline); wait <= 0 {
				return nil, fmt.Errorf("t38: no V.21 frame began in time: %w", modem.ErrTimeout)
			}
		}
		e, err := l.next(ctx, wait)
		if errors.Is(err, errGap) {
			continue // the deadline check above reports it
		}
		if err != nil {
			return nil, err
		}
		frame, done, err := l.frameEvent(e)
		if l.rxInSignal && start > 0 {
			deadline = time.Now().Add(frameTimeout)
		}
		if done || err != nil {
			return append(buf[:0], frame...), err
		}
	}
}

// frameEvent applies one event to the V.21 frame being received.
func (l *Line) frameEvent(e rxEvent) ([]byte, bool, error) {
	switch {
	case e.kind == evLost:
		// What was lost may be part of the frame in progress or the
		// start of the next one.
		l.rxDamaged = true
	case e.kind == evIndicator && e.ind == V21Preamble:
		l.resetFrame() // a new signal: its first frame starts whole
		l.rxInSignal = true
	case e.kind == evIndicator && startup(e.ind) > 0 && e.ind != CED:
		l.resetFrame()
		return nil, true, errWrongCarrier // high-speed training
	case e.kind == evIndicator:
		if l.rxInSignal && e.ind == NoSignal {
			l.resetFrame()
			return nil, true, errNoFrame
		}
	case e.dt != V21 && endsSignal(e.field.Type):
		// A late or repeated end of high-speed data (some gateways
		// repeat t4-non-ecm-sig-end): nothing for a frame.
	case e.dt != V21:
		l.resetFrame()
		return nil, true, errWrongCarrier
	default:
		l.rxInSignal = true
		return l.frameField(e.field)
	}
	return nil, false, nil
}

func (l *Line) resetFrame() {
	l.rxFrame, l.rxDamaged, l.rxInSignal = l.rxFrame[:0], false, false
}

// frameField adds one V.21 data field to the frame being received and
// reports whether the frame is complete.
func (l *Line) frameField(f Field) ([]byte, bool, error) {
	switch f.Type {
	case HDLCData:
		if len(l.rxFrame)+len(f.Data) > maxFrame {
			l.rxFrame, l.rxDamaged = l.rxFrame[:0], true
		} else {
			l.rxFrame = append(l.rxFrame, f.Data...)
		}
		return nil, false, nil
	case HDLCFCSOK, HDLCFCSOKSigEnd, HDLCFCSBad, HDLCFCSBadSigEnd:
		frame, damaged := l.rxFrame, l.rxDamaged
		l.rxFrame, l.rxDamaged = l.rxFrame[len(l.rxFrame):], false
		l.rxInSignal = f.Type == HDLCFCSOK || f.Type == HDLCFCSBad
		if damaged || len(frame) < 2 || f.Type == HDLCFCSBad || f.Type == HDLCFCSBadSigEnd {
			return nil, true, errBadFrame
		}
		return l.stripFCS(frame, true), true, nil
	case HDLCSigEnd:
		partial := len(l.rxFrame) > 0
		l.resetFrame()
		if partial {
			return nil, true, errNoFrame
		}
		// The end of a signal whose last frame came with hdlc-fcs-OK.
	}
	return nil, false, nil // other types carry nothing for T.30
}

// stripFCS removes an FCS that the peer left in hdlc-data, which T.38
// 7.4 forbids but some gateways do: it is recognised on V.21 frames (where
// the chance of a frame ending in what looks like its own FCS is 1 in
// 65536) and then stripped from ECM frames of the call too.
func (l *Line) stripFCS(frame []byte, v21 bool) []byte {
	n := len(frame) - 2
	if n < 2 || (!v21 && !l.fcsInFrame) {
		return frame
	}
	if uint16(frame[n])|uint16(frame[n+1])<<8 != modem.FCS(frame[:n]) {
		return frame
	}
	if v21 && !l.fcsInFrame {
		l.fcsInFrame = true
		l.log.Debug("t38 peer sends the FCS in hdlc-data; stripping it")
	}
	return frame[:n]
}

// ReceiveData receives high-speed data of modulation mod and writes it to
// w as a class 1 modem gives it (T.31 8.3.3): t4-non-ecm-data octets as
// they are, ECM HDLC frames (T.38 7.4) as an HDLC bit stream with flags
// and an FCS regenerated here, spoiled for hdlc-fcs-BAD or for a frame
// hit by lost packets, so that the T.30 engine rejects it. It returns
// when the signal ends; V.21 data or its preamble first gives
// modem.ErrFCError and is left for ReceiveFrame; the end of ctx before
// any data gives modem.ErrTimeout.
func (l *Line) ReceiveData(ctx context.Context, mod modem.Modulation, w io.Writer) (int64, error) {
	return l.ReceiveDataReportingLoss(ctx, mod, w, nil)
}

// ReceiveDataReportingLoss is ReceiveData that also says where
// t4-non-ecm-data was lost beyond recovery (UDPTL sequence numbers, T.38
// clause 9.1): lost, when not nil, is called between two writes to w, at
// the place of the hole, with an estimate of the octets it held (the
// lost packets times the mean data of the packets received). Without ECM
// nothing else tells the receiver of the hole: the T.4 decoder
// resynchronises on the next EOL (T.4 4.1.2) and the rows in the hole
// vanish. The T.30 engine uses it when a line has it to count those rows
// against the page's copy quality (T.30 5.3.6.2.6: RTN). ECM frames hit
// by loss are spoiled instead, as in ReceiveData.
func (l *Line) ReceiveDataReportingLoss(ctx context.Context, mod modem.Modulation, w io.Writer, lost func(octets int)) (int64, error) {
	want, ok := dataType(mod)
	if !ok || want == V21 {
		return 0, fmt.Errorf("t38: ReceiveData: modulation %d is not high-speed", mod)
	}
	r := &dataReceiver{l: l, w: w, tcfOctets: mod.Rate() * 3 / 16, onLost: lost}
	for {
		localTCF := !r.started && r.training > 0
		e, err := l.next(ctx, r.gap())
		if errors.Is(err, errGap) && localTCF {
			if err := r.localTCF(); err != nil {
				return r.n, err
			}
			continue
		}
		if errors.Is(err, errGap) {
			return r.n, r.finish()
		}
		if err != nil {
			return r.n, err
		}
		done, err := r.event(e, want)
		if done || err != nil {
			if err == nil {
				err = r.finish()
			}
			return r.n, err
		}
	}
}

// dataReceiver is the state of one ReceiveData.
type dataReceiver struct {
	l         *Line
	w         io.Writer
	n         int64
	started   bool
	training  time.Duration // of the training indicator that came, if one did
	tcfOctets int           // a TCF's length at the modulation's rate
	hdlc      bool
	pk        bitPacker
	frame     []byte
	damaged   bool

	onLost     func(octets int) // see ReceiveDataReportingLoss
	pending    int              // packets lost since the last data, not reported yet
	t4Octets   int              // t4-non-ecm-data received, for the estimate
	t4Carriers int              // packets that carried it
}

// event handles one event and reports whether the signal ended.
func (r *dataReceiver) event(e rxEvent, want DataType) (bool, error) {
	switch {
	case e.kind == evLost:
		r.damaged = true // the frame in progress, or the start of the next
		r.pending += e.lost
		return false, nil
	case e.kind == evIndicator && e.ind == V21Preamble:
		r.l.unread(e)
		return r.started, r.wrongUnlessStarted()
	case e.kind == evIndicator:
		if !r.started {
			r.pending = 0 // lost before the data: indicators, not page data
		}
		if startup(e.ind) > 0 && e.ind != CED {
			r.training, r.damaged = startup(e.ind), false
		}
		return r.started && e.ind == NoSignal, nil
	case !r.started && e.kind == evField && e.dt == V21 && e.field.Type == HDLCSigEnd:
		// The end of the V.21 signal before the data, sent on its own
		// after the frames (spandsp's T.38 gateway does): not data yet.
		return false, nil
	case e.dt == V21:
		r.l.unread(e)
		return r.started, r.wrongUnlessStarted()
	case e.dt != want:
		return r.started, r.wrongUnlessStarted()
	}
	r.started = true
	return r.field(e.field)
}

// gap is how long the next event may take: while data flows, dataGap;
// after a training indicator in a session with data rate management
// method 1 (T.38 clause 8.1), where the sender's TCF is not sent, the
// training time: no data by then means a TCF, which localTCF stands in
// for.
func (r *dataReceiver) gap() time.Duration {
	switch {
	case r.started:
		return dataGap
	case r.training > 0 && r.l.cfg.Params.RateManagement == LocalTCF:
		return r.training + localTCFMargin
	}
	return 0
}

// localTCFMargin is how long after the end of its training a page's data
// may take to begin.
const localTCFMargin = 300 * time.Millisecond

// localTCF writes the zeros of a TCF received cleanly, as a receiving
// gateway makes them in method 1, and carries on until the signal ends.
func (r *dataReceiver) localTCF() error {
	r.started = true
	return r.write(make([]byte, r.tcfOctets))
}

func (r *dataReceiver) wrongUnlessStarted() error {
	if r.started {
		return nil
	}
	return errWrongCarrier
}

// field handles one data field of the wanted type.
func (r *dataReceiver) field(f Field) (bool, error) {
	switch f.Type {
	case T4NonECMData:
		r.t4Lost(f.Data)
		return false, r.write(f.Data)
	case T4NonECMSigEnd:
		r.t4Lost(f.Data)
		return true, r.write(f.Data)
	case HDLCData:
		if !r.hdlc {
			r.hdlc = true
			r.pk.flags(4) // the opening flags the engine's deframer syncs on
		}
		if len(r.frame)+len(f.Data) > maxFrame {
			r.damaged = true
		} else {
			r.frame = append(r.frame, f.Data...)
		}
	case HDLCFCSOK, HDLCFCSBad, HDLCFCSOKSigEnd, HDLCFCSBadSigEnd:
		good := (f.Type == HDLCFCSOK || f.Type == HDLCFCSOKSigEnd) && !r.damaged
		r.l.log.Debug("t38 ECM frame", "octets", len(r.frame), "good", good)
		if len(r.frame) > 0 {
			r.pk.appendHDLC(r.l.stripFCS(r.frame, false), good)
		}
		r.frame, r.damaged = r.frame[:0], false
		if err := r.write(r.pk.take(false)); err != nil {
			return true, err
		}
		return f.Type == HDLCFCSOKSigEnd || f.Type == HDLCFCSBadSigEnd, nil
	case HDLCSigEnd:
		return true, nil
	}
	return false, nil
}

func (r *dataReceiver) write(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	n, err := r.w.Write(b)
	r.n += int64(n)
	return err
}

// t4Lost reports the packets lost before a t4-non-ecm-data field b,
// their octets estimated with the mean of the packets received so far
// and b's.
func (r *dataReceiver) t4Lost(b []byte) {
	if len(b) > 0 {
		r.t4Octets += len(b)
		r.t4Carriers++
	}
	r.reportLost()
}

func (r *dataReceiver) reportLost() {
	if r.pending == 0 || r.hdlc {
		return
	}
	octets := 0
	if r.t4Carriers > 0 {
		octets = r.pending * r.t4Octets / r.t4Carriers
	}
	r.l.log.Debug("t38 page data lost", "packets", r.pending, "octets", octets, "at", r.n)
	r.pending = 0
	if r.onLost != nil {
		r.onLost(octets)
	}
}

// finish reports page data lost at the end of the signal (with its
// t4-non-ecm-sig-end) and flushes the HDLC bit stream with closing flags.
func (r *dataReceiver) finish() error {
	if r.started {
		r.reportLost()
	}
	if !r.hdlc {
		return nil
	}
	r.pk.flags(2)
	return r.write(r.pk.take(true))
}
