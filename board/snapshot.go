package board

import (
	"time"

	"faxbox/board/sound"
)

// Snapshot is the board as the administration page shows it; it encodes
// as JSON.
type Snapshot struct {
	// LEDs by name: "ready", "busy", "error", "low-credit".
	LEDs map[string]LEDStatus `json:"leds"`
	// Button is the cancel button; nil when the board has none.
	Button *ButtonStatus `json:"button,omitempty"`
	// Power by modem name, for the modems that have a power line.
	Power map[string]PowerStatus `json:"power"`
	// Sound is the last alert played or skipped; nil before the first.
	Sound *sound.Played `json:"sound,omitempty"`
	// LEDError is the last error driving an LED, "" if none.
	LEDError string `json:"led_error,omitempty"`
}

// LEDStatus is one LED.
type LEDStatus struct {
	Line    LineID  `json:"line,omitempty"` // "" when the board has no such LED
	Pattern Pattern `json:"pattern"`
	Lit     bool    `json:"lit"` // now
}

// ButtonStatus is the cancel button.
type ButtonStatus struct {
	Line        LineID `json:"line"`
	Pressed     bool   `json:"pressed"`
	Presses     int    `json:"presses"`      // short presses since start
	LongPresses int    `json:"long_presses"` // long presses since start
}

// PowerStatus is one modem's power line.
type PowerStatus struct {
	Line      LineID    `json:"line"`
	Powered   bool      `json:"powered"`
	Cycles    int       `json:"cycles"`               // power cycles started since start
	LastCycle time.Time `json:"last_cycle,omitzero"`  // when the last one started
	LastError string    `json:"last_error,omitempty"` // how the last one failed, "" if it did not
}

// Snapshot returns the board's state now.
func (b *Board) Snapshot() Snapshot {
	s := Snapshot{LEDs: map[string]LEDStatus{}, Power: map[string]PowerStatus{}}
	b.panel.mu.Lock()
	for i := range NumLEDs {
		s.LEDs[i.String()] = LEDStatus{Line: b.ledIDs[i], Pattern: b.panel.patterns[i], Lit: b.panel.lit[i]}
	}
	if b.panel.err != nil {
		s.LEDError = b.panel.err.Error()
	}
	b.panel.mu.Unlock()
	if b.button != nil {
		b.mu.Lock()
		s.Button = &ButtonStatus{Line: b.cfg.Cancel, Pressed: b.pressed, Presses: b.shorts, LongPresses: b.longs}
		b.mu.Unlock()
	}
	for name, p := range b.power {
		p.mu.Lock()
		s.Power[name] = PowerStatus{Line: p.id, Powered: p.on, Cycles: p.cycles, LastCycle: p.last, LastError: p.lastErr}
		p.mu.Unlock()
	}
	if b.cfg.Sound != nil {
		if last, ok := b.cfg.Sound.Last(); ok {
			s.Sound = &last
		}
	}
	return s
}
