//go:build spandsp

package spandsp

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/cgo"
	"sync"
	"time"
)

// Audio framing: 8 kHz samples moved in 20 ms blocks.
const (
	sampleRate = 8000
	blockLen   = 160
	blockDur   = 20 * time.Millisecond
)

// Call set-up timing of the simulated exchange.
const (
	firstRing   = 500 * time.Millisecond // dial to first RING
	ringPeriod  = 3 * time.Second        // RING to RING (a real line: 6 s)
	maxRings    = 10                     // then the caller gets NO ANSWER
	answerDelay = 200 * time.Millisecond // a fax terminal answers after its first ring
	hangupGrace = time.Second            // one end on hook to the other end's HANGUP
)

// DefaultDelay is the one-way delay of a line when Options.Delay is zero. It
// avoids a race of spandsp 0.0.6's modems at zero delay: both ends start
// talking in the same instant and each misses the other's first frame.
const DefaultDelay = 20 * time.Millisecond

// Options describe the telephone line between the two ends.
type Options struct {
	// SNR adds white noise at this signal-to-noise ratio in dB, relative to
	// the -14 dBm0 at which spandsp's modems transmit; zero means no noise.
	// spandsp's V.21 receiver holds "carrier on" at 25-30 dB and below.
	SNR float64
	// Seed seeds the noise generators.
	Seed int
	// Delay is the one-way delay: zero means DefaultDelay, negative none.
	Delay time.Duration
	// CutAfter cuts the line this long after the call is answered; zero
	// means never. See Line.Cut.
	CutAfter time.Duration
	// CutHangup makes the CutAfter cut drop the call as well.
	CutHangup bool
	// Logf, if set, receives the line's call events and spandsp's log.
	Logf func(format string, args ...any)
	// LogLevel is spandsp's log level (5: flow, 8: debug); zero logs
	// nothing from spandsp. It needs Logf.
	LogLevel int
}

// side is one end of the line: a T.31 modem or a fax terminal.
type side interface {
	name() string
	tx(amp []int16) // transmit audio; fills all of amp
	rx(amp []int16) // received audio
	ring()          // an incoming call rings
	answered()      // the call this side answered is connected
	connected()     // the call this side placed is connected
	busy()          // the call this side placed found the other side busy
	noAnswer()      // the call this side placed was not answered
	hangup()        // the other end went on hook, or the line dropped
}

type callState uint8

const (
	callIdle callState = iota
	callAlerting
	callUp
)

func (c callState) String() string {
	switch c {
	case callIdle:
		return "idle"
	case callAlerting:
		return "alerting"
	case callUp:
		return "up"
	}
	return fmt.Sprintf("callState(%d)", uint8(c))
}

type action struct {
	at time.Time
	fn func()
}

// Line is a telephone line between a T.31 modem and either a second T.31
// modem or a fax terminal, with its own goroutine that runs all of spandsp.
type Line struct {
	opts   Options
	sides  [2]side
	modems []*modem
	term   *faxTerm

	// Owned by the line's goroutine.
	call     callState
	caller   int
	gen      int // call generation, so stale timers do nothing
	rings    int
	cut      bool
	delay    [2]*delayLine // by transmitting side
	noise    [2]*noise
	actions  []action
	handles  []cgo.Handle
	started  time.Time
	answered time.Time

	// callTimes is when the last call was answered and when it ended (a
	// side went on hook or the line was cut), as the line saw them.
	timesMu   sync.Mutex
	callTimes [2]time.Time

	cutCh     chan bool
	closeCh   chan struct{}
	exited    chan struct{}
	ioDone    chan struct{}
	closeOnce sync.Once

	done   chan struct{} // closed when the fax terminal finished
	result Result        // written before done is closed
}

func newLine(opts Options) *Line {
	l := &Line{
		opts:    opts,
		cutCh:   make(chan bool, 1),
		closeCh: make(chan struct{}),
		exited:  make(chan struct{}),
		ioDone:  make(chan struct{}),
		done:    make(chan struct{}),
	}
	d := opts.Delay
	if d == 0 {
		d = DefaultDelay
	}
	n := 0
	if d > 0 {
		n = int(d * sampleRate / time.Second)
	}
	l.delay[0], l.delay[1] = newDelayLine(n), newDelayLine(n)
	return l
}

// NewModemPair returns a line between two T.31 modems, each on its own
// pseudo-terminal (SlavePath(0) and SlavePath(1)). ATD on one makes the other
// report RING every few seconds until it answers with ATA; ATH on one end
// makes the other report NO CARRIER (if it waits for a carrier) about a
// second later.
func NewModemPair(opts Options) (*Line, error) {
	l := newLine(opts)
	for i := range 2 {
		m, err := newModem(l, i)
		if err != nil {
			l.release()
			return nil, err
		}
		l.modems = append(l.modems, m)
		l.sides[i] = m
	}
	l.start()
	return l, nil
}

// NewModemToFax returns a line between a T.31 modem on a pseudo-terminal
// (SlavePath(0)) and spandsp's fax terminal configured by fax.
func NewModemToFax(opts Options, fax FaxConfig) (*Line, error) {
	if err := fax.validate(); err != nil {
		return nil, err
	}
	l := newLine(opts)
	m, err := newModem(l, 0)
	if err != nil {
		return nil, err
	}
	l.modems = []*modem{m}
	l.sides[0] = m
	t, err := newFaxTerm(l, 1, fax)
	if err != nil {
		l.release()
		return nil, err
	}
	l.term = t
	l.sides[1] = t
	l.start()
	return l, nil
}

// SlavePath returns the device path of modem i's pseudo-terminal, which a
// driver opens as a serial port.
func (l *Line) SlavePath(i int) string { return l.modems[i].pty.SlavePath }

// Cut cuts the line now: from then on both ends hear silence. With hangup
// the call is dropped as well: each modem reports NO CARRIER if its DTE waits
// for one, and the fax terminal ends its call (usually CodeCallDropped).
func (l *Line) Cut(hangup bool) {
	select {
	case l.cutCh <- hangup:
	case <-l.exited:
	}
}

// Wait waits until the fax terminal reaches phase E and returns its result.
// It returns ErrClosed if the line is closed first, or the context's error.
func (l *Line) Wait(ctx context.Context) (Result, error) {
	select {
	case <-l.done:
		return l.result, nil
	default:
	}
	select {
	case <-l.done:
		return l.result, nil
	case <-l.exited:
		return Result{}, ErrClosed
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}

// Result returns the fax terminal's result, and whether it has finished.
func (l *Line) Result() (Result, bool) {
	select {
	case <-l.done:
		return l.result, true
	default:
		return Result{}, false
	}
}

// Close stops the line, frees spandsp's state and closes the
// pseudo-terminals; a DTE that still has a slave open then reads EOF or EIO.
func (l *Line) Close() error {
	l.closeOnce.Do(func() { close(l.closeCh) })
	<-l.exited
	return nil
}

func (l *Line) logf(format string, args ...any) {
	if l.opts.Logf != nil {
		l.opts.Logf(format, args...)
	}
}

func (l *Line) start() {
	if l.opts.SNR > 0 {
		seed := l.opts.Seed
		if seed == 0 {
			seed = 1 + rand.IntN(1<<20)
		}
		for i := range 2 {
			l.noise[i] = newNoise(seed+i, nominalDBm0-l.opts.SNR)
		}
	}
	for _, m := range l.modems {
		m.startIO(l.ioDone)
	}
	go l.run()
}

// run is the line's goroutine: it owns every spandsp object of the line.
func (l *Line) run() {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer close(l.exited)
	defer l.release()

	l.started = time.Now()
	if l.term != nil && l.term.calls {
		l.after(0, func() { l.dial(1, "") })
	}
	next := l.started
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		var in [2]chan []byte
		for i, m := range l.modems {
			if m.ready() {
				in[i] = m.in
			}
		}
		select {
		case <-l.closeCh:
			return
		case hangup := <-l.cutCh:
			l.doCut(hangup)
		case b := <-in[0]:
			l.modems[0].feed(b)
		case b := <-in[1]:
			l.modems[1].feed(b)
		case <-timer.C:
			now := time.Now()
			n := 0
			for ; !next.After(now) && n < 10; n++ {
				l.block()
				next = next.Add(blockDur)
			}
			if next.Before(now) {
				// Far behind (a stalled machine): skip the lost time
				// rather than run spandsp faster than real time.
				next = now.Add(blockDur)
			}
			timer.Reset(time.Until(next))
		}
		l.runActions()
		for _, m := range l.modems {
			m.flush()
		}
	}
}

// block moves one 20 ms block of audio each way.
func (l *Line) block() {
	var out [2][blockLen]int16
	for i, s := range l.sides {
		s.tx(out[i][:])
	}
	up := l.call == callUp
	for i := range 2 {
		buf := out[i][:]
		if !up {
			clear(buf) // on hook: nothing enters the line
		}
		l.delay[i].shift(buf)
		if l.cut {
			clear(buf)
		} else if up && l.noise[i] != nil {
			l.noise[i].mix(buf)
		}
		l.sides[1-i].rx(buf)
	}
	for _, m := range l.modems {
		m.drain()
	}
}

// after runs fn on the line's goroutine once d has passed.
func (l *Line) after(d time.Duration, fn func()) {
	l.actions = append(l.actions, action{at: time.Now().Add(d), fn: fn})
}

func (l *Line) runActions() {
	for {
		now := time.Now()
		idx := -1
		for i, a := range l.actions {
			if !a.at.After(now) && (idx < 0 || a.at.Before(l.actions[idx].at)) {
				idx = i
			}
		}
		if idx < 0 {
			return
		}
		a := l.actions[idx]
		l.actions = append(l.actions[:idx], l.actions[idx+1:]...)
		a.fn()
	}
}

// dial is side i going off hook and dialling the other side.
func (l *Line) dial(i int, number string) {
	l.logf("line: %s dials %q", l.sides[i].name(), number)
	if l.call != callIdle {
		l.logf("line: %s: busy", l.sides[i].name())
		l.sides[i].busy()
		return
	}
	l.call, l.caller, l.rings = callAlerting, i, 0
	l.gen++
	l.ringLater(firstRing, l.gen)
}

func (l *Line) ringLater(d time.Duration, gen int) {
	l.after(d, func() {
		if l.gen != gen || l.call != callAlerting {
			return
		}
		if l.rings >= maxRings {
			l.logf("line: no answer after %d rings", l.rings)
			l.call = callIdle
			l.gen++
			l.sides[l.caller].noAnswer()
			return
		}
		l.rings++
		l.logf("line: ring %d at %s", l.rings, l.sides[1-l.caller].name())
		l.sides[1-l.caller].ring()
		l.ringLater(ringPeriod, gen)
	})
}

// answer is side j going off hook to answer.
func (l *Line) answer(j int) {
	if l.call != callAlerting || j == l.caller {
		// Off hook with no call ringing: the answer tones go nowhere.
		l.logf("line: %s answers a line that does not ring", l.sides[j].name())
		l.sides[j].answered()
		return
	}
	l.call = callUp
	l.gen++
	l.answered = time.Now()
	l.setCallTimes(l.answered, time.Time{})
	l.logf("line: %s answers; call up", l.sides[j].name())
	l.sides[j].answered()
	l.sides[l.caller].connected()
	if l.opts.CutAfter > 0 {
		gen := l.gen
		l.after(l.opts.CutAfter, func() {
			if l.gen == gen && l.call == callUp {
				l.doCut(l.opts.CutHangup)
			}
		})
	}
}

func (l *Line) setCallTimes(answered, ended time.Time) {
	l.timesMu.Lock()
	defer l.timesMu.Unlock()
	l.callTimes = [2]time.Time{answered, ended}
}

// CallTimes returns when the last call on the line was answered and when
// it ended (the first side on hook, or the cut); zero times for what has
// not happened. What a telephone company would bill is ended - answered.
func (l *Line) CallTimes() (answered, ended time.Time) {
	l.timesMu.Lock()
	defer l.timesMu.Unlock()
	return l.callTimes[0], l.callTimes[1]
}

// hangup is side i going on hook.
func (l *Line) hangup(i int) {
	switch l.call {
	case callAlerting:
		if i == l.caller {
			l.logf("line: %s abandons the call", l.sides[i].name())
			l.call = callIdle
			l.gen++
		}
	case callUp:
		l.setCallTimes(l.answered, time.Now())
		l.logf("line: %s hangs up", l.sides[i].name())
		l.call = callIdle
		l.gen++
		other := l.sides[1-i]
		l.after(hangupGrace, other.hangup)
	case callIdle:
	}
}

func (l *Line) doCut(hangup bool) {
	l.logf("line: cut (hangup %v) %v after answer", hangup, time.Since(l.answered).Round(time.Millisecond))
	l.setCallTimes(l.answered, time.Now())
	l.cut = true
	if hangup && l.call != callIdle {
		l.call = callIdle
		l.gen++
		l.sides[0].hangup()
		l.sides[1].hangup()
	}
}

// release frees all spandsp state and closes the pseudo-terminals.
func (l *Line) release() {
	close(l.ioDone)
	for _, m := range l.modems {
		m.free()
	}
	if l.term != nil {
		l.term.free()
	}
	for _, n := range l.noise {
		if n != nil {
			n.free()
		}
	}
	for _, h := range l.handles {
		h.Delete()
	}
	l.handles = nil
}

// delayLine delays audio by a fixed number of samples.
type delayLine struct {
	buf []int16
	pos int
}

func newDelayLine(n int) *delayLine { return &delayLine{buf: make([]int16, n)} }

// shift replaces amp, in place, by the samples len(buf) samples older.
func (d *delayLine) shift(amp []int16) {
	if len(d.buf) == 0 {
		return
	}
	for i, v := range amp {
		amp[i] = d.buf[d.pos]
		d.buf[d.pos] = v
		d.pos++
		if d.pos == len(d.buf) {
			d.pos = 0
		}
	}
}
