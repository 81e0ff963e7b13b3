package daemon

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// lendRequest asks a worker for its modem; the worker answers on reply
// (buffered) at once.
type lendRequest struct {
	reply chan lendReply
}

type lendReply struct {
	modem   Modem         // the modem lent
	release chan struct{} // closed by the borrower when done
	err     error
}

// Borrow waits until the modem named name is not in a call, takes it out
// of the pool's scheduling and returns it, for an installer's probe or
// test call. The modem stays out of scheduling until release is called
// (once is enough; more calls do nothing); the worker then resets it and
// goes back to claiming jobs. Borrow fails with ErrNoSuchModem for a name
// the pool does not have, ErrOutOfService when the modem failed and is
// out of service, ErrNotRunning when the pool has stopped, or ctx's error
// when ctx ends first. The pool must be running (Run) for Borrow to
// return.
func (p *Pool) Borrow(ctx context.Context, name string) (Modem, func(), error) {
	var w *worker
	for _, x := range p.workers {
		if x.line.Name == name {
			w = x
		}
	}
	if w == nil {
		return nil, nil, fmt.Errorf("%w: %q", ErrNoSuchModem, name)
	}
	if st := w.snapshot(); st.State == ModemOutOfOrder {
		return nil, nil, fmt.Errorf("%w: %s: %s", ErrOutOfService, name, st.Err)
	}
	req := lendRequest{reply: make(chan lendReply, 1)}
	select {
	case w.lend <- req:
	case <-w.done:
		return nil, nil, fmt.Errorf("%w: modem %s", ErrNotRunning, name)
	case <-ctx.Done():
		return nil, nil, fmt.Errorf("daemon: borrowing modem %s: %w", name, context.Cause(ctx))
	}
	r := <-req.reply
	if r.err != nil {
		return nil, nil, r.err
	}
	var once sync.Once
	return r.modem, func() { once.Do(func() { close(r.release) }) }, nil
}

// lendTo hands the modem to req's borrower and waits for its release,
// then brings the modem back to a known state; false when ctx ended
// first.
func (w *worker) lendTo(ctx context.Context, req lendRequest) bool {
	release := make(chan struct{})
	w.setState(ModemLent, 0, nil)
	w.log.Info("modem lent")
	req.reply <- lendReply{modem: w.modem, release: release}
	select {
	case <-release:
	case <-ctx.Done():
		return false
	}
	w.log.Info("modem given back")
	return w.bringUp(ctx, false)
}

// lendIfAsked lends the modem if a borrower is waiting; false when ctx
// ended while it was lent.
func (w *worker) lendIfAsked(ctx context.Context) bool {
	if req := w.deferred; req != nil {
		w.deferred = nil
		return w.lendTo(ctx, *req)
	}
	select {
	case req := <-w.lend:
		return w.lendTo(ctx, req)
	default:
		return true
	}
}

// sleepOutOfService waits d, or until ctx ends, refusing borrowers.
func (w *worker) sleepOutOfService(ctx context.Context, d time.Duration) {
	after := w.pool.cfg.After(d)
	for {
		select {
		case <-ctx.Done():
			return
		case <-after:
			return
		case req := <-w.lend:
			st := w.snapshot()
			req.reply <- lendReply{err: fmt.Errorf("%w: %s: %s", ErrOutOfService, st.Name, st.Err)}
		}
	}
}
