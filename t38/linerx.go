package t38

import (
	"context"
	"errors"
	"math/bits"
	"net"
	"sync"
	"time"
)

// rxKind tells what a received event is.
type rxKind uint8

const (
	evIndicator rxKind = iota
	evField            // one field of a data packet
	evLost             // packets were lost for good: a frame in progress is damaged
)

// rxEvent is one received indicator or data field, in sequence order.
type rxEvent struct {
	kind  rxKind
	ind   Indicator
	dt    DataType
	field Field
	lost  int // evLost: how many packets
}

// quietTracker records when the far end last sent anything and whether
// its last word was that its signal had ended.
type quietTracker struct {
	mu     sync.Mutex
	last   time.Time
	signal bool
}

func newQuietTracker() *quietTracker { return &quietTracker{last: time.Now()} }

func (q *quietTracker) heard(signal bool) {
	q.mu.Lock()
	q.last, q.signal = time.Now(), signal
	q.mu.Unlock()
}

// quietFor returns how long the far end has been silent (0 while its
// signal is on).
func (q *quietTracker) quietFor() time.Duration {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.signal {
		return 0
	}
	return time.Since(q.last)
}

// readLoop reads datagrams until HangUp or a socket error, puts them back
// in order and queues their indicators and fields.
func (l *Line) readLoop() {
	defer close(l.readDone)
	var dec Decoder
	buf := make([]byte, 65536)
	lastInd := Indicator(255)
	for {
		n, from, err := l.conn.ReadFrom(buf)
		if err != nil {
			select {
			case <-l.done:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			l.readErr = err
			return
		}
		if !sameHost(from, l.remote) {
			l.count(func(s *LineStats) { s.Foreign++ })
			continue
		}
		rs, err := dec.Decode(buf[:n])
		if err != nil {
			l.count(func(s *LineStats) { s.Malformed++ })
			l.log.Debug("t38 malformed datagram dropped", "err", err)
			continue
		}
		for _, r := range rs {
			if lost := r.LostBefore; lost > 0 {
				// In its place in the stream: the receiver of page
				// data learns where its holes are (linerecv.go).
				l.count(func(s *LineStats) { s.Lost += lost })
				l.queue(rxEvent{kind: evLost, lost: lost})
			}
			l.deliver(r, &lastInd)
		}
	}
}

// sameHost reports whether a datagram came from the far end's address
// (any port: some gateways send from another port than they receive on).
func sameHost(from, remote net.Addr) bool {
	a, ok1 := from.(*net.UDPAddr)
	b, ok2 := remote.(*net.UDPAddr)
	if !ok1 || !ok2 {
		return from.String() == remote.String()
	}
	return a.IP.Equal(b.IP)
}

// deliver decodes one IFP packet and queues what it says. A repeated
// indicator is dropped: T.38 senders repeat indicators for safety, and
// only a change means something (indicators: T.38 clause 7.3).
func (l *Line) deliver(r Received, lastInd *Indicator) {
	p, used, err := l.syn.decode(r.IFP)
	if err == nil && used != len(r.IFP) && !(r.Recovered && allZero(r.IFP[used:])) {
		err = errTrailing
	}
	if err != nil {
		l.count(func(s *LineStats) { s.Malformed++ })
		l.log.Debug("t38 malformed IFP dropped", "seq", r.Seq, "err", err)
		return
	}
	l.count(func(s *LineStats) {
		s.Received++
		if r.Recovered {
			s.Recovered++
		}
	})
	l.traceIt(TraceEntry{At: time.Now(), Seq: r.Seq, Packet: p, Recovered: r.Recovered})
	if !p.IsData {
		l.quiet.heard(p.Indicator != NoSignal)
		if p.Indicator == *lastInd {
			return
		}
		*lastInd = p.Indicator
		l.queue(rxEvent{kind: evIndicator, ind: p.Indicator})
		return
	}
	*lastInd = 255 // data ends an indicator's repetition
	for _, f := range p.Fields {
		l.quiet.heard(!endsSignal(f.Type))
		f.Data = lineOrder(f.Type, f.Data)
		l.queue(rxEvent{kind: evField, dt: p.Data, field: f})
	}
}

// endsSignal reports a field type that ends the sender's signal.
func endsSignal(t FieldType) bool {
	switch t {
	case HDLCSigEnd, HDLCFCSOKSigEnd, HDLCFCSBadSigEnd, T4NonECMSigEnd:
		return true
	}
	return false
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func (l *Line) queue(e rxEvent) {
	select {
	case l.rx <- e:
	default:
		l.count(func(s *LineStats) { s.Dropped++ })
	}
}

// next returns the next received event, waiting until ctx ends (or gap,
// when positive, passes without one: errGap).
func (l *Line) next(ctx context.Context, gap time.Duration) (rxEvent, error) {
	if n := len(l.back); n > 0 {
		e := l.back[n-1]
		l.back = l.back[:n-1]
		return e, nil
	}
	var gapC <-chan time.Time
	if gap > 0 {
		t := time.NewTimer(gap)
		defer t.Stop()
		gapC = t.C
	}
	select {
	case e := <-l.rx:
		return e, nil
	case <-gapC:
		return rxEvent{}, errGap
	case <-ctx.Done():
		return rxEvent{}, timeoutErr(ctx)
	case <-l.readDone:
		return rxEvent{}, l.closedErr()
	case <-l.done:
		return rxEvent{}, l.closedErr()
	}
}

// unread puts e back for the next call of next.
func (l *Line) unread(e rxEvent) { l.back = append(l.back, e) }

// errGap reports a signal that stopped without its end being heard.
var errGap = errors.New("t38: nothing received for too long")

// WaitSilence waits until the far end has sent nothing but "no signal"
// for d (what AT+FRS does on a modem, T.31 8.3.7). It ends with an error
// matching modem.ErrTimeout when ctx does first.
func (l *Line) WaitSilence(ctx context.Context, d time.Duration) error {
	for {
		q := l.quiet.quietFor()
		if q >= d {
			return nil
		}
		if err := l.sleep(ctx, min(d-q, 20*time.Millisecond)); err != nil {
			return err
		}
	}
}

// lineOrder returns a copy of the octets of a field, bit-reversed for the
// HDLC and T.4 field types: T.38 sends the first bit on the line as the
// most significant (T.38 clause 7.4), a class 1 modem as the least.
// Other field types (V.8 and V.34 messages) are copied as they are.
func lineOrder(t FieldType, b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	out := make([]byte, len(b))
	if t >= CMMessage {
		copy(out, b)
		return out
	}
	for i, c := range b {
		out[i] = bits.Reverse8(c)
	}
	return out
}
