package daemon_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/daemon"
	"faxbox/firmware/events"
	"faxbox/modem/sim"
	"faxbox/pages"
	"faxbox/t30"
)

// TestPoolPublishesLineStates: the pool publishes every change of its
// lines on the bus, in order: a line whose device is missing goes out of
// service with the reason; the other goes idle, calls for the job (its
// call counted) and is idle again.
func TestPoolPublishesLineStates(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	msg := e.submit(t, []*pages.Page{testPage(t, 1)})
	a, r := newLine(t, sim.LineConfig{})
	ctx := t.Context()
	go r.serve(ctx)

	bus := events.NewBus()
	sub := bus.Subscribe(1000, events.KindLine)
	defer sub.Close()
	missing := filepath.Join(t.TempDir(), "ttyB")
	e.run(t, daemon.Config{Lines: []daemon.Line{{Name: "sim0", Modem: a}, {Name: "ttyB", Device: missing}},
		Open: openSerial, After: (&probeClock{}).After, ProbeEvery: probeEvery, Bus: bus,
		Fax: t30.Options{Ident: "+32 2 555 0100"}}, msg.Jobs[0].ID)

	ps, resync := sub.Take()
	if resync {
		t.Fatal("the subscriber fell behind")
	}
	var sim0 []string
	var last time.Time
	outOfService := false
	for _, p := range ps {
		l := p.(events.LineEvent)
		switch l.Line {
		case "sim0":
			if l.Since.Before(last) {
				t.Errorf("sim0 %s since %v, before the previous change", l.State, l.Since)
			}
			last = l.Since
			if l.State == daemon.ModemCalling.String() && (l.Job != msg.Jobs[0].ID || l.Calls != 1) {
				t.Errorf("the call's event %+v", l)
			}
			if len(sim0) == 0 || sim0[len(sim0)-1] != l.State {
				sim0 = append(sim0, l.State)
			}
		case "ttyB":
			if l.State == daemon.ModemOutOfOrder.String() && strings.Contains(l.Reason, "no device "+missing) {
				outOfService = true
			}
		default:
			t.Errorf("an event of line %q", l.Line)
		}
	}
	if got := strings.Join(sim0, " → "); !strings.Contains(got, "idle → calling → idle") {
		t.Errorf("sim0 went %s; want idle → calling → idle among them", got)
	}
	if !outOfService {
		t.Errorf("no event put ttyB out of service for want of its device: %v", ps)
	}
}
