package board_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"faxbox/board"
	"faxbox/board/boardtest"
	"faxbox/board/sound"
)

var _ board.Chip = (*boardtest.Chip)(nil)

// at is a level change expected at an offset from the test's start.
type at struct {
	d      time.Duration
	active bool
}

// wantChanges checks the changes of line against want, offsets from t0.
func wantChanges(t *testing.T, chip *boardtest.Chip, line string, t0 time.Time, want []at) {
	t.Helper()
	var got []at
	for _, c := range chip.Changes(line) {
		got = append(got, at{c.At.Sub(t0), c.Active})
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s changes:\n got %v\nwant %v", line, got, want)
	}
}

// start opens sim's board and runs it until the test ends.
func start(t *testing.T, sim *boardtest.Sim) (*board.Board, context.CancelFunc) {
	t.Helper()
	b, err := board.Open(sim.Chip, sim.Config)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return b, cancel
}

func TestPatterns(t *testing.T) {
	type p = [4]board.Pattern
	const o, s, slow, fast = board.Off, board.Steady, board.SlowBlink, board.FastBlink
	for _, tc := range []struct {
		state board.State
		want  p // ready, busy, error, low-credit
	}{
		{board.State{}, p{o, o, o, o}},
		{board.State{Ready: true}, p{s, o, o, o}},
		{board.State{Ready: true, Sending: true}, p{s, s, o, o}},
		{board.State{Ready: true, Receiving: true}, p{s, slow, o, o}},
		{board.State{Ready: true, Sending: true, Receiving: true}, p{s, fast, o, o}},
		{board.State{ModemsOutOfService: 2}, p{o, o, s, o}},
		{board.State{Ready: true, DiskNearlyFull: true}, p{s, o, slow, o}},
		{board.State{ModemsOutOfService: 1, DiskNearlyFull: true}, p{o, o, fast, o}},
		{board.State{Ready: true, LowCredit: true}, p{s, o, o, s}},
	} {
		if got := board.Patterns(tc.state); p(got) != tc.want {
			t.Errorf("Patterns(%+v) = %v, want %v", tc.state, got, tc.want)
		}
	}
}

// TestLEDTiming checks every toggle of the LEDs, to the nanosecond of the
// bubble's clock, through a sequence of states.
func TestLEDTiming(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := boardtest.NewSim()
		b, stop := start(t, sim)
		t0 := time.Now()
		b.SetState(board.State{Ready: true})
		time.Sleep(time.Second)
		b.SetState(board.State{Ready: true, Receiving: true}) // busy: slow blink from 1 s
		time.Sleep(1200 * time.Millisecond)
		b.SetState(board.State{Ready: true, Receiving: true}) // the same: the phase goes on
		time.Sleep(800 * time.Millisecond)
		b.SetState(board.State{Ready: true, Sending: true, Receiving: true}) // fast blink from 3 s
		time.Sleep(400 * time.Millisecond)
		b.SetState(board.State{ModemsOutOfService: 1, DiskNearlyFull: true, LowCredit: true}) // at 3.4 s
		time.Sleep(300 * time.Millisecond)
		synctest.Wait()

		snap := b.Snapshot()
		if got := snap.LEDs["error"]; got.Pattern != board.FastBlink || got.Line != boardtest.LineError {
			t.Errorf("snapshot error LED %+v", got)
		}
		stop() // at 3.7 s: every LED goes dark
		synctest.Wait()

		ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
		wantChanges(t, sim.Chip, boardtest.LineReady, t0, []at{{0, false}, {0, true}, {ms(3400), false}})
		wantChanges(t, sim.Chip, boardtest.LineBusy, t0, []at{{0, false},
			{ms(1000), true}, {ms(1500), false}, {ms(2000), true}, {ms(2500), false}, // slow, undisturbed at 2.2 s
			{ms(3000), true}, {ms(3125), false}, {ms(3250), true}, {ms(3375), false}, // fast
		})
		wantChanges(t, sim.Chip, boardtest.LineError, t0, []at{{0, false},
			{ms(3400), true}, {ms(3525), false}, {ms(3650), true}, {ms(3700), false}})
		wantChanges(t, sim.Chip, boardtest.LineLowCredit, t0, []at{{0, false}, {ms(3400), true}, {ms(3700), false}})
	})
}

func TestButton(t *testing.T) {
	const ms = time.Millisecond
	for _, tc := range []struct {
		name          string
		press         func(c *boardtest.Chip) error
		short, long   []time.Duration // when the callbacks are called
		presses, lngs int
	}{
		{
			name: "short press, bouncing",
			// Five bounces 2 ms apart: pressed from 20 ms, held 200 ms,
			// released with five bounces to 240 ms.
			press: func(c *boardtest.Chip) error { return c.Press(boardtest.LineCancel, 200*ms, 5, 2*ms) },
			short: []time.Duration{270 * ms}, // 240 ms + 30 ms debounce
		},
		{
			name:  "long press",
			press: func(c *boardtest.Chip) error { return c.Press(boardtest.LineCancel, 5*time.Second, 3, 5*ms) },
			long:  []time.Duration{30*ms + 30*ms + 3*time.Second}, // while still held
		},
		{
			name:  "glitch shorter than the debounce",
			press: func(c *boardtest.Chip) error { return c.Press(boardtest.LineCancel, 20*ms, 0, 0) },
		},
		{
			name: "contact drops out for less than the debounce while held",
			press: func(c *boardtest.Chip) error {
				for _, step := range []struct {
					level bool
					d     time.Duration
				}{{true, 500 * ms}, {false, 10 * ms}, {true, 500 * ms}, {false, 0}} {
					if err := c.Set(boardtest.LineCancel, step.level); err != nil {
						return err
					}
					time.Sleep(step.d)
				}
				return nil
			},
			short: []time.Duration{1040 * ms},
		},
		{
			name: "two presses",
			press: func(c *boardtest.Chip) error {
				if err := c.Press(boardtest.LineCancel, 100*ms, 2, ms); err != nil {
					return err
				}
				time.Sleep(100 * ms)
				return c.Press(boardtest.LineCancel, 100*ms, 2, ms)
			},
			// 4 ms + 100 ms + 4 ms + 30 ms; then 100 ms later the same.
			short: []time.Duration{138 * ms, 346 * ms},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var mu sync.Mutex
				var short, long []time.Duration
				t0 := time.Now()
				sim := boardtest.NewSim()
				sim.Config.OnCancel = func() { mu.Lock(); short = append(short, time.Since(t0)); mu.Unlock() }
				sim.Config.OnLongPress = func() { mu.Lock(); long = append(long, time.Since(t0)); mu.Unlock() }
				b, _ := start(t, sim)
				if err := tc.press(sim.Chip); err != nil {
					t.Fatal(err)
				}
				time.Sleep(time.Second)
				synctest.Wait()
				mu.Lock()
				defer mu.Unlock()
				if !slices.Equal(short, tc.short) || !slices.Equal(long, tc.long) {
					t.Errorf("short presses at %v, long at %v; want %v and %v", short, long, tc.short, tc.long)
				}
				btn := b.Snapshot().Button
				if btn == nil || btn.Pressed || btn.Presses != len(tc.short) || btn.LongPresses != len(tc.long) {
					t.Errorf("snapshot button %+v", btn)
				}
			})
		})
	}
}

func TestPowerCycle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := boardtest.NewSim("m0")
		b, _ := start(t, sim)
		cycle := b.PowerCycler("m0")
		if cycle == nil {
			t.Fatal("no power cycler for m0")
		}
		if b.PowerCycler("m1") != nil {
			t.Error("a power cycler for a modem without a power line")
		}
		line := boardtest.PowerLine("m0")
		t0 := time.Now()
		if err := cycle(t.Context()); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(t0); d != 8*time.Second {
			t.Errorf("the cycle took %v, want 3 s off + 5 s boot", d)
		}
		wantChanges(t, sim.Chip, line, t0, []at{{0, true}, {0, false}, {3 * time.Second, true}})

		// A context that ends while the modem is off: it is powered on
		// again at once, and the error says why.
		t1 := time.Now()
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		err := cycle(ctx)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(t1) != time.Second {
			t.Errorf("cycle with a 1 s deadline: %v after %v", err, time.Since(t1))
		}
		if !sim.Chip.Active(line) {
			t.Error("the modem was left unpowered")
		}
		wantChanges(t, sim.Chip, line, t0, []at{{0, true}, {0, false}, {3 * time.Second, true},
			{8 * time.Second, false}, {9 * time.Second, true}})

		// Two cycles at once run one after the other.
		t2 := time.Now()
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				if err := cycle(t.Context()); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if d := time.Since(t2); d != 16*time.Second {
			t.Errorf("two cycles took %v, want 16 s", d)
		}

		// A line that fails: a typed error naming it.
		broken := errors.New("EIO")
		sim.Chip.Fail(line, broken)
		err = cycle(t.Context())
		var le *board.LineError
		if !errors.As(err, &le) || le.Line != board.LineID(line) || !errors.Is(err, broken) {
			t.Errorf("cycle on a failing line: %v", err)
		}

		p := b.Snapshot().Power["m0"]
		if p.Cycles != 5 || p.Line != board.LineID(line) || !p.Powered || !strings.Contains(p.LastError, "EIO") {
			t.Errorf("snapshot %+v", p)
		}
	})
}

func TestOpenMissingLines(t *testing.T) {
	chip := boardtest.NewChip("LED_READY", "BUTTON")
	_, err := board.Open(chip, board.Config{Ready: "LED_READY", Busy: "LED_NOPE", Cancel: "7",
		Modems: []board.Modem{{Name: "m0", Power: "POWER"}}})
	for _, want := range []string{`led busy (GPIO line "LED_NOPE")`, `button cancel (GPIO line "7")`, `power modem m0 (GPIO line "POWER")`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not say %s", err, want)
		}
	}
	var le *board.LineError
	if !errors.Is(err, board.ErrLineNotFound) || !errors.As(err, &le) {
		t.Errorf("error %v is not a LineError wrapping ErrLineNotFound", err)
	}
	if chip.Requested("LED_READY") {
		t.Error("LED_READY stays requested after Open failed")
	}

	if _, err := board.Open(nil, board.Config{Ready: "LED_READY"}); err == nil || !strings.Contains(err.Error(), "no GPIO chip") {
		t.Errorf("a line without a chip: %v", err)
	}
}

// TestButtonHeldAtStart: a button held when Faxbox starts (stuck, or a
// hand on it) cancels nothing when it is released.
func TestButtonHeldAtStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := boardtest.NewSim()
		if err := sim.Chip.Set(boardtest.LineCancel, true); err != nil {
			t.Fatal(err)
		}
		var calls atomic.Int32
		sim.Config.OnCancel = func() { calls.Add(1) }
		sim.Config.OnLongPress = func() { calls.Add(1) }
		b, _ := start(t, sim)
		time.Sleep(time.Second)
		if err := sim.Chip.Set(boardtest.LineCancel, false); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Second)
		synctest.Wait()
		if btn := b.Snapshot().Button; calls.Load() != 0 || btn.Pressed {
			t.Errorf("%d callbacks, button %+v", calls.Load(), btn)
		}
	})
}

// TestNoLines: a board without GPIO does everything and nothing.
func TestNoLines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, err := board.Open(nil, board.Config{Modems: []board.Modem{{Name: "m0"}}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- b.Run(ctx) }()
		b.SetState(board.State{Ready: true, Receiving: true})
		time.Sleep(time.Second)
		synctest.Wait()
		snap := b.Snapshot()
		if l := snap.LEDs["busy"]; l.Pattern != board.SlowBlink || l.Line != "" || snap.Button != nil || len(snap.Power) != 0 {
			t.Errorf("snapshot %+v", snap)
		}
		if b.PowerCycler("m0") != nil {
			t.Error("power cycler without a power line")
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSnapshotJSON(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := boardtest.NewSim("m0")
		b, _ := start(t, sim)
		b.SetState(board.State{Ready: true, Sending: true})
		synctest.Wait()
		data, err := json.Marshal(b.Snapshot())
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := json.Unmarshal(data, &got); err != nil {
			t.Fatal(err)
		}
		leds := got["leds"].(map[string]any)
		busy := leds["busy"].(map[string]any)
		power := got["power"].(map[string]any)["m0"].(map[string]any)
		if busy["pattern"] != "steady" || busy["lit"] != true || busy["line"] != boardtest.LineBusy ||
			power["powered"] != true || power["cycles"] != 0.0 || got["button"] == nil {
			t.Errorf("snapshot JSON %s", data)
		}
		if _, ok := power["last_cycle"]; ok {
			t.Errorf("last_cycle present before any cycle: %s", data)
		}
	})
}

// TestLEDError: an LED that cannot be driven is reported, not fatal.
func TestLEDError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := boardtest.NewSim()
		b, _ := start(t, sim)
		sim.Chip.Fail(boardtest.LineReady, errors.New("EIO"))
		b.SetState(board.State{Ready: true, LowCredit: true})
		synctest.Wait()
		snap := b.Snapshot()
		if !strings.Contains(snap.LEDError, `led ready (GPIO line "LED_READY"): EIO`) || !sim.Chip.Active(boardtest.LineLowCredit) {
			t.Errorf("snapshot %+v", snap)
		}
	})
}

// TestAlert: an alert is played in the background through the board's
// player, and the snapshot says which and when.
func TestAlert(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := boardtest.NewSim()
		sim.Config.Sound = sound.NewPlayer(sound.Config{Volume: 100, Output: sim.Audio})
		b, _ := start(t, sim)
		time.Sleep(time.Hour)
		b.Alert(t.Context(), sound.Received)
		synctest.Wait()
		plays := sim.Audio.Plays()
		snap := b.Snapshot()
		if len(plays) != 1 || plays[0].Rate != 32000 || plays[0].Channels != 2 || len(plays[0].PCM) == 0 {
			t.Fatalf("%d plays", len(plays))
		}
		if s := snap.Sound; s == nil || s.Name != sound.Received || !s.At.Equal(plays[0].At) || s.Skipped != "" || s.Source != "builtin:received.mp3" {
			t.Errorf("snapshot sound %+v", s)
		}
	})
}
