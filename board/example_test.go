package board_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"faxbox/board"
	"faxbox/board/boardtest"
)

// This is how the firmware wires a board: the chip from board.gpio_chip
// (here the simulated one; on the appliance board.OpenChip("gpiochip0")),
// the lines from the configuration, the state from the daemon, and one
// power cycler per modem for daemon.Line.PowerCycle.
func Example() {
	sim := boardtest.NewSim("ttyUSB0")
	cfg := sim.Config
	cancelled := make(chan struct{}, 1)
	cfg.OnCancel = func() { cancelled <- struct{}{} } // the daemon cancels the current call
	cfg.PowerOff, cfg.BootTime = time.Millisecond, time.Millisecond
	b, err := board.Open(sim.Chip, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- b.Run(ctx) }()

	b.SetState(board.State{Ready: true, Sending: true})
	powerCycle := b.PowerCycler("ttyUSB0") // daemon.Line{..., PowerCycle: powerCycle}
	if err := powerCycle(ctx); err != nil {
		log.Fatal(err)
	}
	if err := sim.Chip.Press(boardtest.LineCancel, 100*time.Millisecond, 2, time.Millisecond); err != nil {
		log.Fatal(err)
	}
	<-cancelled
	fmt.Println("cancel the current call")

	snap := b.Snapshot()
	cancel()
	<-done
	fmt.Println("busy LED:", snap.LEDs["busy"].Pattern)
	fmt.Println("power cycles:", snap.Power["ttyUSB0"].Cycles)
	// Output:
	// cancel the current call
	// busy LED: steady
	// power cycles: 1
}
