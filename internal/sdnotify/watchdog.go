package sdnotify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Check is one health check of the daemon. Fn returns nil while the part
// it checks is healthy; it should return once ctx ends, but a Fn that
// hangs counts as a failure all the same.
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// Watchdog runs the health checks every Every and tells the service
// manager READY=1 when they first all pass, then WATCHDOG=1 after every
// round that passes. A round that fails or does not finish within Timeout
// sends nothing, so that after WatchdogSec without a keep-alive systemd
// kills and restarts the daemon; a check still running from a hung round
// fails every later one.
type Watchdog struct {
	Notifier *Notifier
	Checks   []Check
	// Every is the wait between rounds, half the watchdog timeout; 0
	// sends READY=1 after the first round that passes and no keep-alives.
	// Until a round has passed, they come every second (or Every if
	// shorter): systemd waits for READY=1.
	Every time.Duration
	// Timeout bounds one round. Default: Every, or 10 s.
	Timeout time.Duration
	// After is the clock. Default time.After.
	After func(time.Duration) <-chan time.Time
	// Logger receives failed rounds and the return to health. Default:
	// discard.
	Logger *slog.Logger
}

// ErrHung is the failure of a round that did not finish within Timeout,
// or of a check whose previous run has not returned yet.
var ErrHung = errors.New("health check did not finish")

// Run runs rounds until ctx ends, then sends STOPPING=1. It returns nil
// then; a notification that cannot be sent is logged, not returned.
func (w *Watchdog) Run(ctx context.Context) error {
	after, log := w.After, w.Logger
	if after == nil {
		after = time.After
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	timeout := w.Timeout
	if timeout <= 0 {
		timeout = cmp(w.Every, 10*time.Second)
	}
	runs := make([]*run, len(w.Checks))
	ready, healthy := false, true
	for {
		err := w.round(ctx, timeout, runs)
		switch {
		case ctx.Err() != nil:
		case err != nil:
			if healthy {
				log.Error("unhealthy: not feeding the watchdog", "err", err)
			}
			healthy = false
			w.send(log, "STATUS=unhealthy: "+err.Error())
		case !ready:
			ready, healthy = true, true
			w.send(log, "READY=1\nSTATUS=running")
		default:
			if !healthy {
				log.Info("healthy again")
				w.send(log, "STATUS=running")
			}
			healthy = true
			if w.Every > 0 {
				w.send(log, "WATCHDOG=1")
			}
		}
		var next <-chan time.Time
		switch {
		case !ready:
			next = after(min(cmp(w.Every, time.Second), time.Second))
		case w.Every > 0:
			next = after(w.Every)
		}
		select {
		case <-ctx.Done():
			w.send(log, "STOPPING=1")
			return nil
		case <-next:
		}
	}
}

// cmp returns d, or def when d is not positive.
func cmp(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// run is one run of a check; err is set before done is closed.
type run struct {
	done chan struct{}
	err  error
}

// round runs every check at once and waits for all of them, at most
// timeout; it returns the failures joined. runs holds each check's last
// run, which a hung check leaves running.
func (w *Watchdog) round(ctx context.Context, timeout time.Duration, runs []*run) error {
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	errs := make([]error, len(w.Checks))
	for i, c := range w.Checks {
		if r := runs[i]; r != nil {
			select {
			case <-r.done:
			default:
				errs[i] = fmt.Errorf("%s: %w (still running from an earlier round)", c.Name, ErrHung)
				continue
			}
		}
		r := &run{done: make(chan struct{})}
		runs[i] = r
		go func() {
			defer close(r.done)
			r.err = c.Fn(rctx)
		}()
	}
	for i, c := range w.Checks {
		if errs[i] != nil {
			continue
		}
		select {
		case <-runs[i].done:
		case <-rctx.Done():
			select {
			case <-runs[i].done: // finished as the round ended
			default:
				errs[i] = fmt.Errorf("%s: %w within %v", c.Name, ErrHung, timeout)
				continue
			}
		}
		if err := runs[i].err; err != nil {
			errs[i] = fmt.Errorf("%s: %w", c.Name, err)
		}
	}
	return errors.Join(errs...)
}

// send sends state, logging a failure.
func (w *Watchdog) send(log *slog.Logger, state string) {
	if err := w.Notifier.Notify(state); err != nil {
		log.Warn("telling the service manager", "state", state, "err", err)
	}
}
