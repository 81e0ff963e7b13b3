package board

import (
	"context"
	"time"
)

// Default button timings.
const (
	DefaultDebounce  = 30 * time.Millisecond
	DefaultLongPress = 3 * time.Second
)

// button turns a bouncing Input into presses. A level counts once it has
// held for debounce; a press that is still held after longPress is a long
// press (reported at once, while still held), and a press released before
// that is a short one (reported on release).
type button struct {
	in        Input
	initial   bool // the level when the line was requested
	debounce  time.Duration
	longPress time.Duration
	onPress   func() // short press; may be nil
	onLong    func() // long press; may be nil
	// pressed and counts are reported to the snapshot.
	report func(pressed bool, short, long int)
}

// run reads the button until ctx ends or its input is closed. The
// callbacks run on run's goroutine.
func (b *button) run(ctx context.Context) {
	raw := b.initial
	stable := raw
	var (
		settle, hold   *time.Timer
		settleC, holdC <-chan time.Time
		// long: the current press was a long one, or held when Faxbox
		// started, so that its release does nothing.
		long          = stable
		shorts, longs int
	)
	stop := func(t *time.Timer) {
		if t != nil {
			t.Stop()
		}
	}
	defer func() { stop(settle); stop(hold) }()
	for {
		select {
		case <-ctx.Done():
			return
		case level, ok := <-b.in.Edges():
			if !ok {
				return
			}
			raw = level
			stop(settle)
			settle = time.NewTimer(b.debounce)
			settleC = settle.C
		case <-settleC:
			settleC = nil
			if raw == stable {
				continue // a glitch that came back
			}
			stable = raw
			if stable {
				long = false
				hold = time.NewTimer(b.longPress)
				holdC = hold.C
			} else {
				stop(hold)
				holdC = nil
				if !long {
					shorts++
					call(b.onPress)
				}
			}
			b.report(stable, shorts, longs)
		case <-holdC:
			holdC = nil
			long = true
			longs++
			call(b.onLong)
			b.report(stable, shorts, longs)
		}
	}
}

func call(f func()) {
	if f != nil {
		f()
	}
}
