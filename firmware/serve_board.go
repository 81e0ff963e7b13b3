package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"faxbox/board"
	"faxbox/board/boardtest"
	"faxbox/board/sound"
	"faxbox/firmware/billing"
	"faxbox/firmware/config"
	"faxbox/firmware/daemon"
	"faxbox/firmware/housekeep"
	"faxbox/firmware/store"
)

// frontPanel is the appliance's board as faxd serve drives it: the LEDs
// follow the modems, the credit and the disk; alerts sound when a fax is
// delivered, fails or arrives and when credit runs low; the cancel button
// hangs up the calls in progress.
type frontPanel struct {
	b      *board.Board
	player *sound.Player
	cfg    *config.Config
	log    *slog.Logger

	// Set by start, read by the loops and the button's callbacks.
	st     *store.Store
	led    *billing.Ledger
	pool   *daemon.Pool
	keeper *housekeep.Keeper
}

// openBoard opens the board of the configuration: the GPIO chip and its
// lines, the sound player, and in demo mode a simulated board (LEDs,
// button and power lines in memory, sound kept as PCM) that the
// administration page can show. modems are the names the pool gives the
// configured modems, in configuration order.
func openBoard(cfg *config.Config, modems []string, log *slog.Logger) (*frontPanel, error) {
	p := &frontPanel{cfg: cfg, log: log}
	scfg := sound.Config{Dir: cfg.Board.SoundDir, Volume: cfg.Board.Volume,
		Quiet: sound.QuietHours{Start: cfg.Board.QuietHours.Start, End: cfg.Board.QuietHours.End}, Logger: log}
	var chip board.Chip
	var bcfg board.Config
	switch {
	case cfg.Demo:
		sim := boardtest.NewSim(modems...)
		chip, bcfg = sim.Chip, sim.Config
		scfg.Output = sim.Audio
	case cfg.Board.GPIOChip != "":
		c, err := board.OpenChip(cfg.Board.GPIOChip)
		if err != nil {
			return nil, fmt.Errorf("board.gpio_chip: %w", err)
		}
		chip = c
		bcfg = board.Config{Ready: board.LineID(cfg.Board.LEDReady), Busy: board.LineID(cfg.Board.LEDBusy),
			Error: board.LineID(cfg.Board.LEDError), LowCredit: board.LineID(cfg.Board.LEDLowCredit),
			Cancel: board.LineID(cfg.Board.ButtonCancel)}
		for i, mc := range cfg.Modems {
			if mc.PowerLine != "" && i < len(modems) {
				bcfg.Modems = append(bcfg.Modems, board.Modem{Name: modems[i], Power: board.LineID(mc.PowerLine)})
			}
		}
	}
	p.player = sound.NewPlayer(scfg)
	bcfg.Sound = p.player
	bcfg.Logger = log
	bcfg.OnCancel = p.cancelCalls
	switch cfg.Board.LongPress {
	case config.LongPressStatus:
		bcfg.OnLongPress = p.sayStatus
	case config.LongPressReset:
		bcfg.OnLongPress = p.resetModems
	}
	b, err := board.Open(chip, bcfg)
	if err != nil {
		return nil, fmt.Errorf("board: %w", err)
	}
	p.b = b
	return p, nil
}

// PowerCycler returns the power cycle of modem name for the pool's
// watchdog, or nil when it has no power line.
func (p *frontPanel) PowerCycler(name string) func(ctx context.Context) error {
	return p.b.PowerCycler(name)
}

// run drives the board until ctx ends: the LEDs from the appliance's
// state every second and at every store change, the alerts from the
// store's events.
func (p *frontPanel) run(ctx context.Context, st *store.Store, led *billing.Ledger, pool *daemon.Pool, keeper *housekeep.Keeper) error {
	p.st, p.led, p.pool, p.keeper = st, led, pool, keeper
	boardDone := make(chan error, 1)
	go func() { boardDone <- p.b.Run(ctx) }()
	defer func() {
		<-boardDone
		p.b.Close()
	}()
	seq, err := lastSeq(ctx, st)
	if err != nil {
		return err
	}
	lowBefore := false
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		changed := st.Changed()
		s := p.state(ctx)
		p.b.SetState(s)
		if s.LowCredit && !lowBefore {
			p.b.Alert(ctx, sound.LowCredit)
		}
		lowBefore = s.LowCredit
		if seq, err = p.alerts(ctx, seq); err != nil {
			p.log.Warn("front panel: reading events", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		case <-tick.C:
		}
	}
}

// state is what the LEDs show now.
func (p *frontPanel) state(ctx context.Context) board.State {
	var s board.State
	for _, m := range p.pool.Status() {
		switch m.State {
		case daemon.ModemIdle:
			s.Ready = true
		case daemon.ModemCalling:
			s.Ready, s.Sending = true, true
		case daemon.ModemOutOfOrder:
			s.ModemsOutOfService++
		}
	}
	if low := p.cfg.Billing.LowCredit.Amount(); low > 0 {
		if a, err := p.led.Account(ctx, ""); err == nil && a.Available < low {
			s.LowCredit = true
		}
	}
	if p.keeper != nil {
		s.DiskNearlyFull = p.keeper.Status().NearlyFull
	}
	return s
}

// alerts plays the alert of each job that ended and each fax received
// after event seq, and returns the last event seen.
func (p *frontPanel) alerts(ctx context.Context, seq int64) (int64, error) {
	for {
		es, err := p.st.EventsSince(ctx, seq, 500)
		if err != nil {
			return seq, err
		}
		for _, e := range es {
			seq = e.Seq
			switch e.Kind {
			case store.EventReceived:
				p.b.Alert(ctx, sound.Received)
			case store.EventJob:
				var j struct {
					State string `json:"state"`
				}
				if json.Unmarshal(e.Payload, &j) != nil {
					continue
				}
				switch j.State {
				case store.Delivered.String():
					p.b.Alert(ctx, sound.Delivered)
				case store.Failed.String():
					p.b.Alert(ctx, sound.Failed)
				}
			}
		}
		if len(es) < 500 {
			return seq, nil
		}
	}
}

// lastSeq returns the newest event's sequence number: the panel sounds
// only what happens from now on.
func lastSeq(ctx context.Context, st *store.Store) (int64, error) {
	var seq int64
	for {
		es, err := st.EventsSince(ctx, seq, 1000)
		if err != nil {
			return 0, fmt.Errorf("front panel: %w", err)
		}
		if len(es) > 0 {
			seq = es[len(es)-1].Seq
		}
		if len(es) < 1000 {
			return seq, nil
		}
	}
}

// cancelCalls is the cancel button: every call in progress is cancelled
// (hung up, its job cancelled as a user would).
func (p *frontPanel) cancelCalls() {
	if p.pool == nil {
		return
	}
	for _, m := range p.pool.Status() {
		if m.State != daemon.ModemCalling || m.Job == 0 {
			continue
		}
		go func(job int64) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := p.st.CancelJob(ctx, job, "the front panel's cancel button"); err != nil {
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
func (p *frontPanel) sayStatus() {
	if p.pool == nil {
		return
	}
	ctx := context.Background()
	s := p.state(ctx)
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
		p.b.Alert(ctx, sound.Delivered)
		return
	}
	p.log.Warn("front panel: status: " + strings.Join(problems, ", "))
	p.b.Alert(ctx, sound.Failed)
}

// resetModems is the "reset" long press: each modem is taken from the
// pool between calls, power-cycled and given back (the pool probes it).
func (p *frontPanel) resetModems() {
	if p.pool == nil {
		return
	}
	for _, m := range p.pool.Status() {
		cycle := p.b.PowerCycler(m.Name)
		if cycle == nil {
			continue
		}
		go func(name string) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			_, release, err := p.pool.Borrow(ctx, name)
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
func (p *frontPanel) TestLEDs(ctx context.Context) error {
	p.b.SetState(board.State{Ready: true, Sending: true, ModemsOutOfService: 1, LowCredit: true})
	t := time.NewTimer(3 * time.Second)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
	if p.pool != nil {
		p.b.SetState(p.state(context.WithoutCancel(ctx)))
	}
	return ctx.Err()
}

// TestSound plays every alert once, one after the other.
func (p *frontPanel) TestSound(ctx context.Context) error {
	var errs []error
	for _, n := range sound.Names() {
		if err := p.player.Play(ctx, n); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n, err))
		}
	}
	return errors.Join(errs...)
}
