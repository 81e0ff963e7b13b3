//go:build linux && gpiosim

// The board on the kernel's simulated GPIO chip (gpio-sim, configured
// through configfs): opt in with -tags gpiosim, as root, on a kernel with
// CONFIG_GPIO_SIM and configfs mounted (modprobe gpio-sim).

package board_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"faxbox/board"
)

// gpioSim is one gpio-sim chip with named lines.
type gpioSim struct {
	chip string // "gpiochipN"
	dev  string // "gpio-sim.N"
}

// newGPIOSim creates a gpio-sim chip whose line i is named names[i] and
// removes it when the test ends.
func newGPIOSim(t *testing.T, names ...string) *gpioSim {
	t.Helper()
	base := fmt.Sprintf("/sys/kernel/config/gpio-sim/faxbox-%d", os.Getpid())
	bank := filepath.Join(base, "bank0")
	write := func(path, value string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(value), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(bank, 0o755); err != nil {
		t.Fatalf("gpio-sim (root, configfs, modprobe gpio-sim): %v", err)
	}
	write(filepath.Join(bank, "num_lines"), fmt.Sprint(len(names)))
	for i, name := range names {
		line := filepath.Join(bank, fmt.Sprintf("line%d", i))
		if err := os.Mkdir(line, 0o755); err != nil {
			t.Fatal(err)
		}
		write(filepath.Join(line, "name"), name)
	}
	write(filepath.Join(base, "live"), "1")
	t.Cleanup(func() {
		os.WriteFile(filepath.Join(base, "live"), []byte("0"), 0o644)
		for i := range names {
			os.Remove(filepath.Join(bank, fmt.Sprintf("line%d", i)))
		}
		os.Remove(bank)
		os.Remove(base)
	})
	read := func(path string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	return &gpioSim{chip: read(filepath.Join(bank, "chip_name")), dev: read(filepath.Join(base, "dev_name"))}
}

func (s *gpioSim) attr(offset int, name string) string {
	return fmt.Sprintf("/sys/devices/platform/%s/%s/sim_gpio%d/%s", s.dev, s.chip, offset, name)
}

// value returns the level Faxbox drives line offset to.
func (s *gpioSim) value(t *testing.T, offset int) string {
	t.Helper()
	b, err := os.ReadFile(s.attr(offset, "value"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// pull pulls input line offset "pull-up" or "pull-down", as a button does.
func (s *gpioSim) pull(t *testing.T, offset int, how string) {
	t.Helper()
	if err := os.WriteFile(s.attr(offset, "pull"), []byte(how), 0o644); err != nil {
		t.Fatal(err)
	}
}

// eventually waits up to a second for f to hold.
func eventually(t *testing.T, what string, f func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Second); !f(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 1 s", what)
		}
	}
}

func TestGPIOSim(t *testing.T) {
	sim := newGPIOSim(t, "LED_READY", "BUTTON", "POWER")
	chip, err := board.OpenChip(sim.chip)
	if err != nil {
		t.Fatal(err)
	}
	defer chip.Close()
	var presses atomic.Int32
	b, err := board.Open(chip, board.Config{Ready: "LED_READY", Cancel: "1", OnCancel: func() { presses.Add(1) },
		Modems:   []board.Modem{{Name: "m0", Power: "POWER"}},
		PowerOff: 50 * time.Millisecond, BootTime: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- b.Run(ctx) }()
	defer func() { cancel(); <-done }()

	if v := sim.value(t, 2); v != "1" {
		t.Errorf("power line %s at start, want 1", v)
	}
	b.SetState(board.State{Ready: true})
	eventually(t, "ready LED lit", func() bool { return sim.value(t, 0) == "1" })

	// The button is active low: pulling it down presses it.
	sim.pull(t, 1, "pull-down")
	time.Sleep(200 * time.Millisecond)
	sim.pull(t, 1, "pull-up")
	eventually(t, "a short press", func() bool { return presses.Load() == 1 })

	if err := b.PowerCycler("m0")(t.Context()); err != nil {
		t.Fatal(err)
	}
	if v := sim.value(t, 2); v != "1" || b.Snapshot().Power["m0"].Cycles != 1 {
		t.Errorf("after a power cycle: line %s, %+v", v, b.Snapshot().Power["m0"])
	}
}
