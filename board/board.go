package board

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"faxbox/board/sound"
)

// Config says which GPIO lines a board has and how to use them. An empty
// LineID means the board has no such line; zero durations take the
// defaults.
type Config struct {
	// The status LEDs; see [Patterns].
	Ready, Busy, Error, LowCredit LineID
	// Cancel is the front panel's button.
	Cancel LineID
	// Debounce is how long the button's level must hold to count (default
	// 30 ms); LongPress how long it must be held to be a long press
	// (default 3 s).
	Debounce, LongPress time.Duration
	// OnCancel is called on a short press of Cancel, OnLongPress as soon
	// as it has been held LongPress. Either may be nil. They run on the
	// button's goroutine and must return quickly.
	OnCancel, OnLongPress func()
	// Modems are the modems whose power line the board switches.
	Modems []Modem
	// PowerOff is how long a power cycle leaves a modem off (default 3 s),
	// BootTime how long it then waits for the modem to start (default 5 s).
	PowerOff, BootTime time.Duration
	// Sound plays the alerts of [Board.Alert] and is reported by
	// [Board.Snapshot]; nil plays none.
	Sound *sound.Player
	// Logger receives LED errors and the outcome of power cycles.
	// Default: discard.
	Logger *slog.Logger
}

// Modem is one modem's power line.
type Modem struct {
	Name  string // as the daemon names it ("ttyUSB0")
	Power LineID // the power (or reset) line, active = powered
}

// Board is the front panel and the modems' power lines. Create it with
// [Open], run it with [Board.Run], and close it with [Board.Close] after
// Run has returned.
type Board struct {
	cfg    Config
	log    *slog.Logger
	panel  *panel
	ledIDs [NumLEDs]LineID
	button *button
	power  map[string]*power
	lines  []io.Closer // every line requested, to close

	mu      sync.Mutex // guards the button's report
	pressed bool
	shorts  int
	longs   int
}

// Open requests the configured lines of chip and returns the board. chip
// may be nil on a board without GPIO, when no line is configured. If any
// configured line cannot be had, Open releases the others and returns an
// error listing each failure as a *LineError.
func Open(chip Chip, cfg Config) (*Board, error) {
	if cfg.Debounce <= 0 {
		cfg.Debounce = DefaultDebounce
	}
	if cfg.LongPress <= 0 {
		cfg.LongPress = DefaultLongPress
	}
	if cfg.PowerOff <= 0 {
		cfg.PowerOff = DefaultPowerOff
	}
	if cfg.BootTime <= 0 {
		cfg.BootTime = DefaultBootTime
	}
	b := &Board{cfg: cfg, log: cfg.Logger, power: map[string]*power{}}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	o := &opener{chip: chip}
	var leds [NumLEDs]Output
	b.ledIDs = [NumLEDs]LineID{cfg.Ready, cfg.Busy, cfg.Error, cfg.LowCredit}
	for i, id := range b.ledIDs {
		leds[i] = o.output("led "+LED(i).String(), id, false)
	}
	b.panel = newPanel(leds, b.ledIDs, b.log)

	if in, initial := o.input("button cancel", cfg.Cancel); in != nil {
		b.button = &button{in: in, initial: initial, debounce: cfg.Debounce, longPress: cfg.LongPress,
			onPress: cfg.OnCancel, onLong: cfg.OnLongPress, report: b.report}
	}

	for _, m := range cfg.Modems {
		if _, dup := b.power[m.Name]; dup {
			o.errs = append(o.errs, fmt.Errorf("board: modem %q listed twice", m.Name))
			continue
		}
		// Powered from the start.
		if out := o.output("power modem "+m.Name, m.Power, true); out != nil {
			b.power[m.Name] = &power{name: m.Name, id: m.Power, out: out, on: true,
				off: cfg.PowerOff, boot: cfg.BootTime, busy: make(chan struct{}, 1)}
		}
	}
	b.lines = o.lines
	if len(o.errs) > 0 {
		b.Close()
		return nil, errors.Join(o.errs...)
	}
	return b, nil
}

// opener requests the lines of a board, keeping them and the errors.
type opener struct {
	chip  Chip
	lines []io.Closer
	errs  []error
}

// want reports whether line id is to be requested: not when it is "",
// and not without a chip (an error).
func (o *opener) want(role string, id LineID) bool {
	if id != "" && o.chip == nil {
		o.errs = append(o.errs, &LineError{Role: role, Line: id, Err: errors.New("the board has no GPIO chip")})
	}
	return id != "" && o.chip != nil
}

// output requests line id as an output at level active, or returns nil.
func (o *opener) output(role string, id LineID, active bool) Output {
	if !o.want(role, id) {
		return nil
	}
	out, err := o.chip.Output(id, active)
	if err != nil {
		o.errs = append(o.errs, &LineError{Role: role, Line: id, Err: err})
		return nil
	}
	o.lines = append(o.lines, out)
	return out
}

// input requests line id as an input and reads its level now (edges from
// then on queue up for the reader), or returns nil.
func (o *opener) input(role string, id LineID) (Input, bool) {
	if !o.want(role, id) {
		return nil, false
	}
	in, err := o.chip.Input(id)
	if err != nil {
		o.errs = append(o.errs, &LineError{Role: role, Line: id, Err: err})
		return nil, false
	}
	o.lines = append(o.lines, in)
	active, err := in.Active()
	if err != nil {
		o.errs = append(o.errs, &LineError{Role: role, Line: id, Err: err})
	}
	return in, active
}

// Run drives the LEDs and reads the button until ctx ends, then turns the
// LEDs off and returns nil.
func (b *Board) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Go(func() { b.panel.run(ctx) })
	if b.button != nil {
		wg.Go(func() { b.button.run(ctx) })
	}
	wg.Wait()
	return nil
}

// SetState shows s on the LEDs from now on. It does not block.
func (b *Board) SetState(s State) { b.panel.setState(s) }

// PowerCycler returns the power-cycle function of modem name, for the
// daemon's daemon.Line.PowerCycle, or nil when the modem has no power line.
// The function powers the modem off for Config.PowerOff, on again, and
// waits Config.BootTime; when ctx ends first it powers the modem back on
// and returns ctx's error.
func (b *Board) PowerCycler(name string) func(ctx context.Context) error {
	p := b.power[name]
	if p == nil {
		return nil
	}
	return func(ctx context.Context) error {
		err := p.cycle(ctx)
		if err != nil {
			b.log.Warn("modem power cycle failed", "modem", name, "err", err)
		} else {
			b.log.Info("modem power-cycled", "modem", name)
		}
		return err
	}
}

// Alert plays the alert sound name in the background (nothing without
// Config.Sound); a failure is logged, never returned.
func (b *Board) Alert(ctx context.Context, name sound.Name) {
	if b.cfg.Sound == nil {
		return
	}
	ctx = context.WithoutCancel(ctx) // the caller's end does not cut the sound; Play bounds it
	go func() {
		if err := b.cfg.Sound.Play(ctx, name); err != nil {
			b.log.Warn("alert sound failed", "sound", string(name), "err", err)
		}
	}()
}

// Close releases every line. Call it after Run has returned.
func (b *Board) Close() error {
	var errs []error
	for _, l := range b.lines {
		if err := l.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	b.lines = nil
	return errors.Join(errs...)
}

func (b *Board) report(pressed bool, shorts, longs int) {
	b.mu.Lock()
	b.pressed, b.shorts, b.longs = pressed, shorts, longs
	b.mu.Unlock()
}
