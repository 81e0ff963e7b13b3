package panel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"faxbox/board"
	"faxbox/board/sound"
	"faxbox/firmware/billing"
	"faxbox/firmware/config"
	"faxbox/firmware/daemon"
	"faxbox/firmware/events"
	"faxbox/firmware/housekeep"
	"faxbox/firmware/store"
)

// Modems is the modem pool as the panel sees it; *daemon.Pool is one.
type Modems interface {
	Status() []daemon.ModemStatus
	Borrow(ctx context.Context, name string) (daemon.Modem, func(), error)
}

// Config is what a Panel drives and reads. All are required but Keeper.
type Config struct {
	Hardware *Hardware
	Modems   Modems
	Store    *store.Store
	Ledger   *billing.Ledger
	// Bus is where Modems publishes its lines' changes and Ledger its
	// totals': the LEDs follow them as they come.
	Bus    *events.Bus
	Keeper *housekeep.Keeper // the disk LED; nil: not shown
	// LowCredit lights the low-credit LED below it; 0 never does.
	LowCredit billing.Amount
	// OnLongPress is what a long press of the cancel button does.
	OnLongPress config.LongPress
	Logger      *slog.Logger
}

// Panel drives the front panel; see the package documentation.
type Panel struct {
	cfg Config
	hw  *Hardware
	log *slog.Logger
}

// New returns the panel of cfg.
func New(cfg Config) (*Panel, error) {
	if cfg.Hardware == nil || cfg.Modems == nil || cfg.Store == nil || cfg.Ledger == nil || cfg.Bus == nil {
		return nil, errors.New("panel: Hardware, Modems, Store, Ledger and Bus are required")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Panel{cfg: cfg, hw: cfg.Hardware, log: log}, nil
}

// diskEvery is how often the disk LED reads housekeeping's status, which
// changes when housekeeping runs (hourly by default) and is not published.
const diskEvery = 10 * time.Second

// Run drives the board until ctx ends: the LEDs from the appliance's
// state as the bus reports the lines' and the account's changes (the disk
// LED every diskEvery), the alerts from the store's events, and the
// button's presses.
func (p *Panel) Run(ctx context.Context) error {
	st := p.cfg.Store
	sub := p.cfg.Bus.Subscribe(0, events.KindLine, events.KindAccount)
	defer sub.Close()
	seq, err := lastSeq(ctx, st)
	if err != nil {
		return err
	}
	avail, availOK := p.available(ctx)
	lowBefore := false
	tick := time.NewTicker(diskEvery)
	defer tick.Stop()
	for {
		changed := st.Changed()
		s := p.state(avail, availOK)
		p.hw.board.SetState(s)
		if s.LowCredit && !lowBefore {
			p.hw.board.Alert(ctx, sound.LowCredit)
		}
		lowBefore = s.LowCredit
		if seq, err = p.alerts(ctx, seq); err != nil {
			p.log.Warn("front panel: reading events", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case pr := <-p.hw.presses:
			p.pressed(pr)
		case <-sub.Ready():
			ps, resync := sub.Take()
			if resync {
				avail, availOK = p.available(ctx)
			}
			for _, pl := range ps {
				if a, ok := pl.(events.AccountEvent); ok {
					avail, availOK = billing.Amount(a.Available), true
				}
			}
		case <-changed:
		case <-tick.C:
		}
	}
}

// available reads the credit available from the ledger, at start and
// when the bus lost events.
func (p *Panel) available(ctx context.Context) (billing.Amount, bool) {
	a, err := p.cfg.Ledger.Account(ctx, "")
	if err != nil {
		p.log.Warn("front panel: reading the account", "err", err)
		return 0, false
	}
	return a.Available, true
}

// stateNow is what the LEDs show now, with the credit read from the
// ledger: for a press of the button or the console's LED test.
func (p *Panel) stateNow(ctx context.Context) board.State {
	return p.state(p.available(ctx))
}

// state is what the LEDs show now, with avail the credit available
// (unknown unless availOK).
func (p *Panel) state(avail billing.Amount, availOK bool) board.State {
	var s board.State
	for _, m := range p.cfg.Modems.Status() {
		switch m.State {
		case daemon.ModemIdle:
			s.Ready = true
		case daemon.ModemCalling:
			s.Ready, s.Sending = true, true
		case daemon.ModemOutOfOrder:
			s.ModemsOutOfService++
		}
	}
	if low := p.cfg.LowCredit; low > 0 && availOK && avail < low {
		s.LowCredit = true
	}
	if p.cfg.Keeper != nil {
		s.DiskNearlyFull = p.cfg.Keeper.Status().NearlyFull
	}
	return s
}

// alerts plays the alert of each job that ended and each fax received
// after event seq, and returns the last event seen.
func (p *Panel) alerts(ctx context.Context, seq int64) (int64, error) {
	for {
		es, err := p.cfg.Store.EventsSince(ctx, seq, 500)
		if err != nil {
			return seq, err
		}
		for _, e := range es {
			seq = e.Seq
			if name, ok := alertOf(e); ok {
				p.hw.board.Alert(ctx, name)
			}
		}
		if len(es) < 500 {
			return seq, nil
		}
	}
}

// alertOf is the alert that event e sounds, if any.
func alertOf(e store.Event) (sound.Name, bool) {
	p, err := e.Decode()
	if err != nil {
		return "", false
	}
	switch p := p.(type) {
	case events.ReceivedEvent:
		return sound.Received, true
	case events.JobEvent:
		switch p.State {
		case store.Delivered.String():
			return sound.Delivered, true
		case store.Failed.String():
			return sound.Failed, true
		}
	}
	return "", false
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
