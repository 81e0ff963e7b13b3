package panel

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"faxbox/board"
	"faxbox/board/sound"
	"faxbox/firmware/config"
	"faxbox/firmware/daemon"
)

// pressed answers a press of the cancel button.
func (p *Panel) pressed(pr Press) {
	switch {
	case pr == ShortPress:
		p.cancelCalls()
	case p.cfg.OnLongPress == config.LongPressStatus:
		p.sayStatus()
	case p.cfg.OnLongPress == config.LongPressReset:
		p.resetModems()
	}
}

// cancelCalls is the cancel button: every call in progress is cancelled
// (hung up, its job cancelled as a user would).
func (p *Panel) cancelCalls() {
	for _, m := range p.cfg.Modems.Status() {
		if m.State != daemon.ModemCalling || m.Job == 0 {
			continue
		}
		go func(job int64) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := p.cfg.Store.CancelJob(ctx, job, "the front panel's cancel button"); err != nil {
				p.log.Warn("front panel: cancel", "job", job, "err", err)
				return
			}
			p.log.Info("front panel: call cancelled", "job", job)
		}(m.Job)
	}
}

// sayStatus is the "status" long press: the LEDs already show the state;
// it is logged and sounded, the failure alert when something needs the
// installer (a modem out of service, low credit, a nearly full disk),
// else the delivered chime.
func (p *Panel) sayStatus() {
	ctx := context.Background()
	s := p.stateNow(ctx)
	var problems []string
	if s.ModemsOutOfService > 0 {
		problems = append(problems, fmt.Sprintf("%d modem(s) out of service", s.ModemsOutOfService))
	}
	if s.LowCredit {
		problems = append(problems, "credit is low")
	}
	if s.DiskNearlyFull {
		problems = append(problems, "the disk is nearly full")
	}
	if len(problems) == 0 {
		p.log.Info("front panel: status: all well")
		p.hw.board.Alert(ctx, sound.Delivered)
		return
	}
	p.log.Warn("front panel: status: " + strings.Join(problems, ", "))
	p.hw.board.Alert(ctx, sound.Failed)
}

// resetModems is the "reset" long press: each modem is taken from the
// pool between calls, power-cycled and given back (the pool probes it).
func (p *Panel) resetModems() {
	for _, m := range p.cfg.Modems.Status() {
		cycle := p.hw.PowerCycler(m.Name)
		if cycle == nil {
			continue
		}
		go func(name string) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			_, release, err := p.cfg.Modems.Borrow(ctx, name)
			if err != nil {
				p.log.Warn("front panel: reset", "modem", name, "err", err)
				return
			}
			defer release()
			if err := cycle(ctx); err != nil {
				p.log.Warn("front panel: reset", "modem", name, "err", err)
			}
		}(m.Name)
	}
}

// TestLEDs lights every LED for three seconds (the installer looks at the
// panel), then lets them show the state again.
func (p *Panel) TestLEDs(ctx context.Context) error {
	p.hw.board.SetState(board.State{Ready: true, Sending: true, ModemsOutOfService: 1, LowCredit: true})
	t := time.NewTimer(3 * time.Second)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
	p.hw.board.SetState(p.stateNow(context.WithoutCancel(ctx)))
	return ctx.Err()
}

// TestSound plays every alert once, one after the other.
func (p *Panel) TestSound(ctx context.Context) error {
	var errs []error
	for _, n := range sound.Names() {
		if err := p.hw.player.Play(ctx, n); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n, err))
		}
	}
	return errors.Join(errs...)
}
