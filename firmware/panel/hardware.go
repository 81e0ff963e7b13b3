package panel

import (
	"context"
	"fmt"
	"log/slog"

	"faxbox/board"
	"faxbox/board/boardtest"
	"faxbox/board/sound"
	"faxbox/firmware/config"
)

// Press is a press of the front panel's cancel button.
type Press uint8

// Presses.
const (
	ShortPress Press = iota + 1
	LongPress
)

// Hardware is the board of the configuration and its sound player.
type Hardware struct {
	board   *board.Board
	player  *sound.Player
	presses chan Press
}

// Open opens the board of cfg: the GPIO chip and its lines and the sound
// player, or in demo mode a simulated board (LEDs, button and power lines
// in memory, sound kept as PCM) that the administration page can show.
// modems are the names the pool gives the configured modems, in
// configuration order.
func Open(cfg *config.Config, modems []string, log *slog.Logger) (*Hardware, error) {
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
	return open(chip, bcfg, scfg, log)
}

// open opens the board of chip with the lines of bcfg, its button's
// presses going to the panel, and the sound player of scfg.
func open(chip board.Chip, bcfg board.Config, scfg sound.Config, log *slog.Logger) (*Hardware, error) {
	h := &Hardware{presses: make(chan Press, 8), player: sound.NewPlayer(scfg)}
	bcfg.Sound = h.player
	bcfg.Logger = log
	bcfg.OnCancel = func() { h.press(ShortPress) }
	bcfg.OnLongPress = func() { h.press(LongPress) }
	b, err := board.Open(chip, bcfg)
	if err != nil {
		return nil, fmt.Errorf("board: %w", err)
	}
	h.board = b
	return h, nil
}

// press hands a press to the panel without blocking the button's
// goroutine; presses beyond what the panel has yet to handle are dropped.
func (h *Hardware) press(p Press) {
	select {
	case h.presses <- p:
	default:
	}
}

// PowerCycler returns the power cycle of modem name for the pool's
// watchdog (daemon.Line.PowerCycle), or nil when it has no power line.
func (h *Hardware) PowerCycler(name string) func(ctx context.Context) error {
	return h.board.PowerCycler(name)
}

// Snapshot is the board as the administration page shows it.
func (h *Hardware) Snapshot() board.Snapshot { return h.board.Snapshot() }

// Run drives the LEDs and reads the button until ctx ends.
func (h *Hardware) Run(ctx context.Context) error { return h.board.Run(ctx) }

// Close releases the board's lines; call it after Run has returned and
// the pool has stopped.
func (h *Hardware) Close() error { return h.board.Close() }
