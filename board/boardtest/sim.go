package boardtest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"faxbox/board"
)

// The line names of a Sim's chip.
const (
	LineReady     = "LED_READY"
	LineBusy      = "LED_BUSY"
	LineError     = "LED_ERROR"
	LineLowCredit = "LED_LOW_CREDIT"
	LineCancel    = "BUTTON_CANCEL"
)

// PowerLine returns the name of modem's power line on a Sim's chip.
func PowerLine(modem string) string { return "POWER_" + modem }

// Sim is a simulated board: a chip with four LEDs, a cancel button and a
// power line per modem, and an audio output.
type Sim struct {
	Chip  *Chip
	Audio *Audio
	// Config names the Sim's lines; the caller adds callbacks, timings and
	// the sound player before board.Open(sim.Chip, sim.Config).
	Config board.Config
}

// NewSim returns a simulated board with a power line for each of modems.
func NewSim(modems ...string) *Sim {
	names := []string{LineReady, LineBusy, LineError, LineLowCredit, LineCancel}
	cfg := board.Config{Ready: LineReady, Busy: LineBusy, Error: LineError, LowCredit: LineLowCredit, Cancel: LineCancel}
	for _, m := range modems {
		names = append(names, PowerLine(m))
		cfg.Modems = append(cfg.Modems, board.Modem{Name: m, Power: board.LineID(PowerLine(m))})
	}
	return &Sim{Chip: NewChip(names...), Audio: &Audio{}, Config: cfg}
}

// Audio is a sound output (board/sound's Output) that keeps what it is
// given to play instead of playing it.
type Audio struct {
	// Now stamps what is played; nil is time.Now.
	Now func() time.Time
	// Err, if set, is returned by Play after recording.
	Err error

	mu    sync.Mutex
	plays []Play
}

// Play is one sound given to an Audio.
type Play struct {
	Rate     int
	Channels int
	PCM      []byte // S16_LE, channels interleaved
	At       time.Time
}

// Play implements board/sound's Output: it keeps a copy of pcm.
func (a *Audio) Play(ctx context.Context, rate, channels int, pcm []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("boardtest: play: %w", err)
	}
	at := time.Now()
	if a.Now != nil {
		at = a.Now()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.plays = append(a.plays, Play{Rate: rate, Channels: channels, PCM: slices.Clone(pcm), At: at})
	return a.Err
}

// Plays returns everything played so far, in order.
func (a *Audio) Plays() []Play {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.plays)
}
