package modem_test

import (
	"context"
	"fmt"
	"time"

	"faxbox/modem"
	"faxbox/modem/sim"
)

// A probe of the simulated modem; with hardware, use modem.Open with the
// device's PortConfig instead of modem.New.
func Example() {
	sm := sim.New(sim.Config{Modulations: []int{24, 48, 72, 96}})
	defer sm.Close()
	m := modem.New(sm.Conn(), modem.Config{})
	defer m.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	info, err := m.Probe(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(info.Manufacturer, info.Rates)
	// Output: Faxbox [2400 4800 7200 9600]
}
