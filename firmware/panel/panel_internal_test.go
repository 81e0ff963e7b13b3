package panel

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"faxbox/board"
	"faxbox/board/boardtest"
	"faxbox/board/sound"
	"faxbox/firmware/billing"
	"faxbox/firmware/config"
	"faxbox/firmware/daemon"
	"faxbox/firmware/events"
	"faxbox/firmware/store"
)

// fakeModems is a pool whose modems' states the test sets; like the
// pool, it publishes each change on the bus.
type fakeModems struct {
	bus    *events.Bus
	mu     sync.Mutex
	status []daemon.ModemStatus
}

func (f *fakeModems) set(i int, s daemon.ModemStatus) {
	f.mu.Lock()
	f.status[i] = s
	f.mu.Unlock()
	f.bus.Publish(s.Event())
}

func (f *fakeModems) Status() []daemon.ModemStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]daemon.ModemStatus(nil), f.status...)
}

func (f *fakeModems) Borrow(context.Context, string) (daemon.Modem, func(), error) {
	return nil, nil, daemon.ErrConfig
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("waiting for %s: timeout", what)
}

// TestPanel drives a simulated board: the LEDs follow the pool (a modem
// out of service lights the error LED), low credit lights its LED and
// sounds, and a press of the cancel button cancels the job in a call.
// The changes that the pool and the ledger publish on the bus show on the
// LEDs.
func TestPanel(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "faxbox.db")
	st, err := store.Open(ctx, store.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bus := events.NewBus()
	led, err := billing.Open(ctx, billing.Config{Path: path, InstallDefaultTariff: true, Bus: bus})
	if err != nil {
		t.Fatal(err)
	}
	defer led.Close()
	u, err := st.CreateUser(ctx, "anne")
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.CreateMessage(ctx, store.NewMessage{Sender: u.ID, Subject: "x",
		Recipients: []store.Recipient{{Field: store.To, Number: "+3225551212"}}})
	if err != nil {
		t.Fatal(err)
	}
	job := m.Jobs[0].ID

	sim := boardtest.NewSim("sim0", "sim1")
	hw, err := open(sim.Chip, sim.Config, sound.Config{Output: sim.Audio}, nil)
	if err != nil {
		t.Fatal(err)
	}
	modems := &fakeModems{bus: bus, status: []daemon.ModemStatus{{Name: "sim0", State: daemon.ModemCalling, Job: job},
		{Name: "sim1", State: daemon.ModemOutOfOrder}}}
	p, err := New(Config{Hardware: hw, Modems: modems, Store: st, Ledger: led, Bus: bus, LowCredit: billing.Unit,
		OnLongPress: config.LongPressStatus})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { hw.Run(runCtx) })
	errc := make(chan error, 1)
	wg.Go(func() { errc <- p.Run(runCtx) })
	defer func() {
		stop()
		wg.Wait()
		if err := <-errc; err != nil {
			t.Errorf("Run: %v", err)
		}
		hw.Close()
	}()

	waitFor(t, "the LEDs", func() bool {
		leds := hw.Snapshot().LEDs
		return leds["ready"].Pattern == board.Steady && leds["busy"].Pattern != board.Off &&
			leds["error"].Pattern != board.Off && leds["low-credit"].Pattern == board.Steady
	})
	waitFor(t, "the low-credit alert", func() bool {
		s := hw.Snapshot().Sound
		return s != nil && s.Name == sound.LowCredit
	})

	if err := sim.Chip.Press(boardtest.LineCancel, 100*time.Millisecond, 2, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the job cancelled by the button", func() bool {
		j, err := st.GetJob(ctx, job)
		return err == nil && (j.State == store.Cancelled || j.CancelRequested)
	})

	// The modem back in service and credit bought: the error and
	// low-credit LEDs go out as the bus reports it (the disk LED's tick is
	// 10 s away).
	modems.set(1, daemon.ModemStatus{Name: "sim1", State: daemon.ModemIdle})
	if _, err := led.TopUp(ctx, 20*billing.Unit, "admin:test", "credit"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the error and low-credit LEDs off", func() bool {
		leds := hw.Snapshot().LEDs
		return leds["error"].Pattern == board.Off && leds["low-credit"].Pattern == board.Off
	})
}
