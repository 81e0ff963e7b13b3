package daemon

import (
	"context"
	"errors"
	"fmt"
	"time"

	"faxbox/firmware/config"
	"faxbox/modem"
)

// AnswerPolicy is when a line answers incoming calls.
type AnswerPolicy struct {
	// Mode is config.AnswerRings (every call, after Rings rings),
	// config.AnswerHours (the same, only within Hours) or
	// config.AnswerNever; "" is never.
	Mode config.Answer
	// Rings is the number of rings before answering; 0 means 2.
	Rings int
	// Hours is when calls are answered in AnswerHours mode, in the local
	// time of the pool's clock (Config.Now).
	Hours config.TimeRange
}

// AnswerPolicyFrom returns the policy of a [[modems]] table.
func AnswerPolicyFrom(m config.Modem) AnswerPolicy {
	return AnswerPolicy{Mode: m.Answer, Rings: m.Rings, Hours: m.Hours}
}

// decide says whether ring number ring of a call is answered at now, and
// if not, why (empty while the call is still to be answered after more
// rings).
func (a AnswerPolicy) decide(ring int, now time.Time) (answer bool, refusal string) {
	rings := a.Rings
	if rings <= 0 {
		rings = 2
	}
	switch a.Mode {
	case config.AnswerRings:
	case config.AnswerHours:
		if !a.Hours.Contains(now) {
			return false, fmt.Sprintf("outside the answering hours %s", a.Hours)
		}
	default:
		return false, "this line does not answer calls"
	}
	return ring >= rings, ""
}

// ringGap is the longest pause between two RINGs of one call (as in
// package modem): a line that rang less long ago than this is still
// ringing, and no job dials on it.
const ringGap = 10 * time.Second

// ringer is a modem that reports incoming calls; *modem.Modem is one.
// A line whose modem is not a ringer never receives.
type ringer interface {
	WaitRing(ctx context.Context) (modem.Ring, error)
}

// ringWatch waits for the next RING on the worker's modem in the
// background; it returns the channel the ring comes on, the channel the
// error comes on if the modem's device goes (modem.ErrGone: unplugged
// while idle), and a function that stops the watch and waits until the
// modem is free again. A ring that came just as the watch was stopped is
// in the channel (buffered) after stop. Without a ringer the channels are
// nil.
func (w *worker) ringWatch(ctx context.Context) (<-chan modem.Ring, <-chan error, func()) {
	rg, ok := w.modem.(ringer)
	if !ok {
		return nil, nil, func() {}
	}
	rctx, cancel := context.WithCancel(ctx)
	ch := make(chan modem.Ring, 1)
	gone := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		r, err := rg.WaitRing(rctx)
		switch {
		case err == nil:
			ch <- r
		case errors.Is(err, modem.ErrGone):
			gone <- err
		}
	}()
	return ch, gone, func() { cancel(); <-done }
}

// ringing reports whether the line rang less than ringGap ago: a call is
// ringing in, not (yet) answered.
func (w *worker) ringing() bool {
	return !w.lastRing.IsZero() && time.Since(w.lastRing) < ringGap
}

// onRing handles a RING: answers the call when the policy says so (and
// reports whether the modem failed in that call), or notes that the line
// is ringing and, once per call, logs why it is not answered.
func (w *worker) onRing(ctx context.Context, r modem.Ring) (modemFailed bool) {
	w.lastRing = time.Now()
	if r.Count <= 1 {
		w.refused = false
	}
	answer, refusal := w.line.Answer.decide(r.Count, w.pool.now())
	if answer {
		w.lastRing = time.Time{}
		return w.receive(ctx, r)
	}
	w.setState(ModemRinging, 0, nil)
	if refusal != "" && !w.refused {
		w.refused = true
		w.log.Info("incoming call not answered", "why", refusal, "caller_id", r.CallerID.Number)
	}
	return false
}
