package board

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Default power-cycle timings.
const (
	DefaultPowerOff = 3 * time.Second // how long a modem stays unpowered
	DefaultBootTime = 5 * time.Second // how long a modem takes to boot
)

// power is one modem's power (or reset) line. Active means powered (or out
// of reset).
type power struct {
	name    string
	id      LineID
	out     Output
	off     time.Duration
	boot    time.Duration
	busy    chan struct{} // holds a token while a cycle runs
	mu      sync.Mutex    // guards the fields below
	on      bool
	cycles  int
	last    time.Time
	lastErr string
}

// cycle powers the modem off, waits p.off, powers it on and waits p.boot
// for it to start. Concurrent cycles of one modem run one after the other.
// When ctx ends, the modem is powered on again before cycle returns ctx's
// error.
func (p *power) cycle(ctx context.Context) (err error) {
	select {
	case p.busy <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("board: power-cycle modem %s: %w", p.name, context.Cause(ctx))
	}
	defer func() { <-p.busy }()
	p.mu.Lock()
	p.cycles++
	p.last = time.Now()
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.lastErr = ""
		if err != nil {
			p.lastErr = err.Error()
		}
		p.mu.Unlock()
	}()

	if err := p.set(false); err != nil {
		return err
	}
	waitErr := sleep(ctx, p.off)
	if err := p.set(true); err != nil { // also when ctx ended: never leave a modem off
		return err
	}
	if waitErr == nil {
		waitErr = sleep(ctx, p.boot)
	}
	if waitErr != nil {
		return fmt.Errorf("board: power-cycle modem %s: %w", p.name, waitErr)
	}
	return nil
}

func (p *power) set(on bool) error {
	if err := p.out.Set(on); err != nil {
		return &LineError{Role: "power modem " + p.name, Line: p.id, Err: err}
	}
	p.mu.Lock()
	p.on = on
	p.mu.Unlock()
	return nil
}

// sleep waits d or until ctx ends, whichever is first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
