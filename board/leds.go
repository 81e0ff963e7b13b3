package board

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Pattern is how an LED shows one thing. Each pattern of each LED means
// one thing only; see [Patterns].
type Pattern uint8

// The patterns.
const (
	Off       Pattern = iota // dark
	Steady                   // lit
	SlowBlink                // 1 Hz: lit 500 ms, dark 500 ms
	FastBlink                // 4 Hz: lit 125 ms, dark 125 ms
)

var patternNames = [...]string{Off: "off", Steady: "steady", SlowBlink: "slow-blink", FastBlink: "fast-blink"}

// String returns the pattern's name: "off", "steady", "slow-blink" or
// "fast-blink".
func (p Pattern) String() string {
	if int(p) < len(patternNames) {
		return patternNames[p]
	}
	return fmt.Sprintf("Pattern(%d)", uint8(p))
}

// MarshalText returns the pattern's name ("slow-blink"), for JSON.
func (p Pattern) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// tick is the blink clock: a fast blink toggles every tick, a slow blink
// every four.
const tick = 125 * time.Millisecond

// lit reports whether an LED showing p is lit n ticks after the pattern
// started (patterns start lit).
func (p Pattern) lit(n int64) bool {
	switch p {
	case Steady:
		return true
	case SlowBlink:
		return n/4%2 == 0
	case FastBlink:
		return n%2 == 0
	}
	return false
}

func (p Pattern) blinks() bool { return p == SlowBlink || p == FastBlink }

// LED is one of the front panel's status LEDs.
type LED uint8

// The LEDs.
const (
	LEDReady     LED = iota // ready to send
	LEDBusy                 // a line is in use
	LEDError                // a fault that needs the administrator
	LEDLowCredit            // credit below the threshold
	NumLEDs                 // the number of LEDs
)

var ledNames = [NumLEDs]string{"ready", "busy", "error", "low-credit"}

// String returns the LED's name: "ready", "busy", "error" or
// "low-credit".
func (l LED) String() string {
	if l < NumLEDs {
		return ledNames[l]
	}
	return fmt.Sprintf("LED(%d)", uint8(l))
}

// State is what the appliance is doing, as the LEDs show it.
type State struct {
	Ready              bool // at least one modem is in service and jobs can be sent
	Sending            bool // a call is sending
	Receiving          bool // a call is receiving
	ModemsOutOfService int  // modems taken out of service by the watchdog
	LowCredit          bool // available credit is below the low-credit threshold
	DiskNearlyFull     bool // the data directory is nearly full
}

// Patterns returns what each LED shows for s:
//
//	LED         off            steady                 slow blink (1 Hz)   fast blink (4 Hz)
//	ready       not ready      ready to send          -                   -
//	busy        idle           sending                receiving           sending and receiving
//	error       no fault       modem out of service   disk nearly full    both
//	low-credit  credit enough  credit low             -                   -
//
// Blinking starts lit when the pattern starts, and all LEDs that blink
// blink in phase.
func Patterns(s State) [NumLEDs]Pattern {
	var p [NumLEDs]Pattern
	if s.Ready {
		p[LEDReady] = Steady
	}
	p[LEDBusy] = either(s.Sending, s.Receiving)
	p[LEDError] = either(s.ModemsOutOfService > 0, s.DiskNearlyFull)
	if s.LowCredit {
		p[LEDLowCredit] = Steady
	}
	return p
}

// either is the pattern of an LED that shows two things: steady for the
// first, slow blink for the second, fast blink for both.
func either(first, second bool) Pattern {
	switch {
	case first && second:
		return FastBlink
	case first:
		return Steady
	case second:
		return SlowBlink
	}
	return Off
}

// panel owns the LEDs: its run goroutine is the only one that drives them.
type panel struct {
	leds  [NumLEDs]Output // nil: the board has no such LED
	ids   [NumLEDs]LineID
	log   *slog.Logger
	state chan State // the newest state, at most one pending
	set   sync.Mutex // serialises setState's replace-then-send

	mu       sync.Mutex // guards what snapshot reads
	patterns [NumLEDs]Pattern
	lit      [NumLEDs]bool
	err      error // the last error driving an LED, for the snapshot
}

func newPanel(leds [NumLEDs]Output, ids [NumLEDs]LineID, log *slog.Logger) *panel {
	return &panel{leds: leds, ids: ids, log: log, state: make(chan State, 1)}
}

// setState hands s to the run goroutine without blocking; a state not yet
// shown is replaced.
func (p *panel) setState(s State) {
	p.set.Lock()
	defer p.set.Unlock()
	select {
	case <-p.state:
	default:
	}
	p.state <- s
}

// run shows each new state from the moment it arrives: blinking patterns
// start lit and all blink in phase. It turns the LEDs off when ctx ends.
func (p *panel) run(ctx context.Context) {
	var (
		patterns [NumLEDs]Pattern
		n        int64 // ticks since the patterns started
		ticker   *time.Ticker
		tickC    <-chan time.Time
	)
	stopTicker := func() {
		if ticker != nil {
			ticker.Stop()
			ticker, tickC = nil, nil
		}
	}
	defer stopTicker()
	for {
		select {
		case <-ctx.Done():
			p.show([NumLEDs]Pattern{}, 0)
			return
		case s := <-p.state:
			next := Patterns(s)
			if next == patterns {
				continue // keep the blink phase
			}
			patterns, n = next, 0
			stopTicker()
			for _, q := range patterns {
				if q.blinks() {
					ticker = time.NewTicker(tick)
					tickC = ticker.C
					break
				}
			}
		case <-tickC:
			n++
		}
		p.show(patterns, n)
	}
}

// show drives every LED whose level changes.
func (p *panel) show(patterns [NumLEDs]Pattern, n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.patterns = patterns
	for i, q := range patterns {
		on := q.lit(n)
		if on == p.lit[i] {
			continue
		}
		p.lit[i] = on
		if p.leds[i] == nil {
			continue
		}
		if err := p.leds[i].Set(on); err != nil {
			lerr := &LineError{Role: "led " + LED(i).String(), Line: p.ids[i], Err: err}
			if p.err == nil || p.err.Error() != lerr.Error() {
				p.log.Warn("LED failed", "err", lerr) // once, not at every blink
			}
			p.err = lerr
		}
	}
}
