package board_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"faxbox/board/boardtest"
	"faxbox/firmware/billing"
	"faxbox/firmware/daemon"
	"faxbox/firmware/store"
	"faxbox/t30"
)

// hungModem is a modem that has stopped answering, as a hung modem does,
// until its power line has been off and it has then been powered for
// boot. It is watched through the power line of a fake chip: the board's
// power cycle is what brings it back. It only ever resets: the test gives
// the pool no job, so the t30.Modem methods are never called.
type hungModem struct {
	t30.Modem
	chip *boardtest.Chip
	line string
	boot time.Duration

	mu     sync.Mutex
	resets []error
}

// errNoAnswer is what the modem driver reports for a modem that does not
// answer AT.
var errNoAnswer = errors.New("no response to AT")

func (m *hungModem) Reset(ctx context.Context) error {
	err := m.answer(ctx)
	m.mu.Lock()
	m.resets = append(m.resets, err)
	m.mu.Unlock()
	return err
}

func (m *hungModem) answer(ctx context.Context) error {
	// The modem answers once the power was off and has been on for boot.
	var off bool
	var on time.Time
	for _, c := range m.chip.Changes(m.line) {
		switch {
		case !c.Active:
			off, on = true, time.Time{}
		case off:
			on = c.At
		}
	}
	if !on.IsZero() && time.Since(on) >= m.boot && m.chip.Active(m.line) {
		return nil
	}
	// It does not: the driver gives up after its response timeout.
	select {
	case <-time.After(50 * time.Millisecond):
		return errNoAnswer
	case <-ctx.Done():
		return fmt.Errorf("reset: %w", ctx.Err())
	}
}

// TestWatchdogRecoversHungModem runs the daemon's modem pool with a modem
// that has stopped answering and the board's PowerCycler as its
// PowerCycle: the pool finds the modem out of service at start, power-
// cycles it through the board on its next probe, and the modem is back.
// The pool runs in real time (its store cannot live in a synctest
// bubble), with the board's timings shortened.
func TestWatchdogRecoversHungModem(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	dir := t.TempDir()
	st, err := store.Open(ctx, store.Config{Path: filepath.Join(dir, "faxbox.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	led, err := billing.Open(ctx, billing.Config{Path: filepath.Join(dir, "ledger.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer led.Close()

	sim := boardtest.NewSim("m0")
	sim.Config.PowerOff = 100 * time.Millisecond
	sim.Config.BootTime = 200 * time.Millisecond
	b, _ := start(t, sim)
	line := boardtest.PowerLine("m0")
	m := &hungModem{chip: sim.Chip, line: line, boot: 150 * time.Millisecond}

	p, err := daemon.New(daemon.Config{Store: st, Ledger: led,
		Lines:      []daemon.Line{{Name: "m0", Modem: m, PowerCycle: b.PowerCycler("m0")}},
		ProbeEvery: 100 * time.Millisecond, ResetTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()

	var states []daemon.ModemState
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		s := p.Status()[0].State
		if len(states) == 0 || states[len(states)-1] != s {
			states = append(states, s)
		}
		if s == daemon.ModemIdle {
			break
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	if len(states) < 2 || states[len(states)-1] != daemon.ModemIdle {
		t.Fatalf("modem states %v: it did not come back", states)
	}
	var sawOut bool
	for _, s := range states {
		sawOut = sawOut || s == daemon.ModemOutOfOrder
	}
	m.mu.Lock()
	resets := m.resets
	m.mu.Unlock()
	if !sawOut || len(resets) != 2 || !errors.Is(resets[0], errNoAnswer) || resets[1] != nil {
		t.Errorf("states %v, resets %v: want out of service, then one power cycle and a good reset", states, resets)
	}
	changes := sim.Chip.Changes(line)
	if len(changes) != 3 || !changes[0].Active || changes[1].Active || !changes[2].Active ||
		changes[2].At.Sub(changes[1].At) < sim.Config.PowerOff {
		t.Errorf("power line changes %v: want on, off for %v, on", changes, sim.Config.PowerOff)
	}
	if pw := b.Snapshot().Power["m0"]; pw.Cycles != 1 || !pw.Powered || pw.LastError != "" {
		t.Errorf("board snapshot %+v", pw)
	}
	t.Logf("modem states %v; power off %v", states, changes[2].At.Sub(changes[1].At))
}
