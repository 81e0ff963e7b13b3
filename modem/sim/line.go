package sim

import (
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Side names an end of a Line.
type Side int

// The two ends of a Line.
const (
	SideA Side = 0
	SideB Side = 1
)

// Fault is what a Line does to a V.21 frame (see LineConfig.FrameFault).
type Fault uint8

// Frame faults.
const (
	FaultNone    Fault = iota // deliver the frame intact
	FaultCorrupt              // flip a bit: the receiving modem says ERROR
	FaultDrop                 // lose the frame; the carrier stays
)

// LineConfig describes a simulated telephone line and its faults.
type LineConfig struct {
	// Delay is the one-way delay; default 20 ms, as on a real line,
	// which avoids turn-around races.
	Delay time.Duration
	// Scale divides every simulated duration (training, bit times,
	// delays, rings), for tests that run in real time (over a pty).
	// Values below 1 mean 1. In a testing/synctest bubble leave it 1:
	// time is fake there anyway.
	Scale float64
	// BitErrorRate flips bits of high-speed data with this probability
	// per bit (V.21 frames are left alone; see FrameFault).
	BitErrorRate float64
	// Seed seeds the random bit errors, so runs repeat.
	Seed uint64
	// FrameFault, if set, is asked about every V.21 frame: from is the
	// sending side, n counts that side's frames from 0, frame excludes
	// the FCS. It runs on the line's goroutine.
	FrameFault func(from Side, n int, frame []byte) Fault
	// NoDialTone makes every dial fail with NO DIALTONE (line unplugged).
	NoDialTone bool
	// Busy, if set, is asked about every dial with the digits dialled
	// (the ATD string without its T, P, W or comma modifiers); true
	// answers BUSY without ringing the far end, as a line in use does.
	Busy func(dialled string) bool
	// AnswerTimeout is how long a caller lets the far end ring before
	// NO ANSWER; default 60 s (T.30 T0).
	AnswerTimeout time.Duration
}

// evKind is the kind of a signal on the line.
type evKind uint8

const (
	evDial    evKind = iota // off-hook and dial: rings the far end
	evBusy                  // the far end is off-hook
	evAnswer                // the far end answered
	evHangup                // the far end hung up, or the line was cut
	evCarrier               // a carrier starts (on) or stops
	evTrained               // the high-speed training is over: data follows
	evFrame                 // one V.21 HDLC frame, with its FCS
	evData                  // high-speed data bytes
)

// event is a signal on the line, stamped when it was sent.
type event struct {
	kind   evKind
	on     bool
	mod    int
	last   bool // evFrame: the final frame; the carrier stops after it
	data   []byte
	number string
	name   string
	at     time.Time
}

// Line joins two simulated modems. A dial on one rings the other; once
// answered, what one transmits reaches the other after Delay, with the
// configured faults. Close stops both modems.
type Line struct {
	cfg       LineConfig
	modems    [2]*Modem
	q         [2]chan event
	connected atomic.Bool
	quit      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// NewLine returns a line with a modem at each end, configured by a and b.
func NewLine(cfg LineConfig, a, b Config) *Line {
	if cfg.Delay == 0 {
		cfg.Delay = 20 * time.Millisecond
	}
	if cfg.Scale < 1 {
		cfg.Scale = 1
	}
	if cfg.AnswerTimeout == 0 {
		cfg.AnswerTimeout = 60 * time.Second
	}
	l := &Line{cfg: cfg, quit: make(chan struct{})}
	for i, c := range []Config{a, b} {
		l.q[i] = make(chan event, 4096)
		l.modems[i] = newModem(l, Side(i), c)
	}
	l.wg.Add(2)
	go l.run(SideA)
	go l.run(SideB)
	return l
}

// A returns the modem at side A.
func (l *Line) A() *Modem { return l.modems[SideA] }

// B returns the modem at side B.
func (l *Line) B() *Modem { return l.modems[SideB] }

// Cut breaks the current call now: both modems lose the carrier and the
// call, as when the far end hangs up or the line fails. A transmission in
// progress goes on into the void, as on a real line.
func (l *Line) Cut() {
	if !l.connected.Swap(false) {
		return
	}
	for _, m := range l.modems {
		m.deliver(event{kind: evHangup, at: time.Now()})
	}
}

// CutAfter calls Cut after d (scaled).
func (l *Line) CutAfter(d time.Duration) {
	time.AfterFunc(l.dur(d), l.Cut)
}

// Close stops the line and both modems and waits for the line's
// goroutines.
func (l *Line) Close() error {
	l.closeOnce.Do(func() {
		close(l.quit)
		for _, m := range l.modems {
			m.stop()
		}
	})
	l.wg.Wait()
	return nil
}

// dur scales a simulated duration to the clock.
func (l *Line) dur(d time.Duration) time.Duration {
	return time.Duration(float64(d) / l.cfg.Scale)
}

// send queues ev from side from; the line delivers it after Delay.
func (l *Line) send(from Side, ev event) {
	ev.at = time.Now()
	select {
	case l.q[from] <- ev:
	case <-l.quit:
	}
}

// run carries the events sent by side from to the other side.
func (l *Line) run(from Side) {
	defer l.wg.Done()
	rng := rand.New(rand.NewPCG(l.cfg.Seed, uint64(from)+1))
	frames := 0
	delay := l.dur(l.cfg.Delay)
	t := time.NewTimer(time.Hour)
	for {
		var ev event
		select {
		case ev = <-l.q[from]:
		case <-l.quit:
			return
		}
		if d := time.Until(ev.at.Add(delay)); d > 0 {
			t.Reset(d)
			select {
			case <-t.C:
			case <-l.quit:
				return
			}
		}
		switch ev.kind {
		case evDial, evBusy:
		case evAnswer:
			l.connected.Store(true)
		case evHangup:
			l.connected.Store(false)
		default:
			if !l.connected.Load() {
				continue // no call: nobody hears it
			}
		}
		switch ev.kind {
		case evFrame:
			n := frames
			frames++
			if l.cfg.FrameFault != nil {
				switch l.cfg.FrameFault(from, n, ev.data[:len(ev.data)-2]) {
				case FaultDrop:
					continue
				case FaultCorrupt:
					ev.data = append([]byte(nil), ev.data...)
					ev.data[rng.IntN(len(ev.data)-2)] ^= 1 << rng.IntN(8)
				}
			}
		case evData:
			if p := l.cfg.BitErrorRate; p > 0 {
				flipBits(rng, ev.data, p)
			}
		}
		l.modems[1-from].deliver(ev)
	}
}

// flipBits flips each bit of b with probability p, drawing the gaps
// between errors from the geometric distribution.
func flipBits(rng *rand.Rand, b []byte, p float64) {
	if p >= 1 {
		for i := range b {
			b[i] = ^b[i]
		}
		return
	}
	bits := len(b) * 8
	lq := math.Log1p(-p)
	for i := -1; ; {
		i += 1 + int(math.Log(1-rng.Float64())/lq)
		if i >= bits || i < 0 {
			return
		}
		b[i/8] ^= 1 << (i % 8)
	}
}
