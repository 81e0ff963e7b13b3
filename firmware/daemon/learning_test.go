package daemon_test

import (
	"bytes"
	"context"
	"io"
	"slices"
	"sync"
	"testing"

	"faxbox/firmware/billing"
	"faxbox/firmware/daemon"
	"faxbox/firmware/store"
	"faxbox/modem"
	"faxbox/modem/sim"
	"faxbox/pages"
	"faxbox/t30"
)

// badTCF is a sending modem on a line that damages the training check
// (TCF, all zeros) above a bit rate, so that the receiver answers FTT
// there, as a remote fax machine that cannot take those speeds on this
// line does.
type badTCF struct {
	*modem.Modem
	above int
}

func (b badTCF) SendData(ctx context.Context, mod modem.Modulation, r io.Reader) (int64, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return 0, err
	}
	if mod.Rate() > b.above && len(data) > 0 && bytes.Count(data, []byte{0}) == len(data) {
		for i := 100; i < len(data); i += 200 {
			data[i] = 0x5a
		}
	}
	return b.Modem.SendData(ctx, mod, bytes.NewReader(data))
}

// callEvents collects the sender's events, one slice per call.
type callEvents struct {
	mu    sync.Mutex
	calls [][]t30.Event
}

func (c *callEvents) add(e t30.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := e.(t30.Dialing); ok || len(c.calls) == 0 {
		c.calls = append(c.calls, nil)
	}
	c.calls[len(c.calls)-1] = append(c.calls[len(c.calls)-1], e)
}

// trainings returns the training checks of call n (from 0) as strings.
func (c *callEvents) trainings(n int) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, e := range c.calls[n] {
		if tr, ok := e.(t30.Training); ok {
			out = append(out, tr.String())
		}
	}
	return out
}

// TestLearnsRate: the remote fails training at 14400 on the first call,
// which falls back to 12000; the next call to the same number starts at
// 12000 and never asks for 14400.
func TestLearnsRate(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	doc := []*pages.Page{testPage(t, 1)}
	a, r := newLine(t, sim.LineConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.serve(ctx)
	var ev callEvents
	cfg := daemon.Config{Lines: []daemon.Line{{Name: "sim0", Modem: badTCF{a, 12000}}},
		Fax: t30.Options{Ident: "+32 2 555 0100", OnEvent: ev.add}}

	first := e.run(t, cfg, e.submit(t, doc).Jobs[0].ID)[0]
	if first.State != store.Delivered || first.History[0].BitRate != 12000 {
		t.Fatalf("first call: %v at %d bit/s", first.State, first.History[0].BitRate)
	}
	if got, want := ev.trainings(0), []string{"training at 14400 bit/s: failed", "training at 12000 bit/s: ok"}; !slices.Equal(got, want) {
		t.Fatalf("first call trained %q, want %q", got, want)
	}
	d, err := e.st.Destination(ctx, number)
	if err != nil {
		t.Fatal(err)
	}
	if d.Calls != 1 || d.Delivered != 1 || d.Worked.BitRate != 12000 || len(d.TrainingFailures) != 1 ||
		d.TrainingFailures[0].BitRate != 14400 || d.CleanTrainings != 0 {
		t.Fatalf("history after the first call: %+v", d)
	}

	second := e.run(t, cfg, e.submit(t, doc).Jobs[0].ID)[0]
	if second.State != store.Delivered || second.History[0].BitRate != 12000 {
		t.Fatalf("second call: %v at %d bit/s", second.State, second.History[0].BitRate)
	}
	if got, want := ev.trainings(1), []string{"training at 12000 bit/s: ok"}; !slices.Equal(got, want) {
		t.Fatalf("second call trained %q, want %q (it should start at the rate that worked)", got, want)
	}
	for _, x := range ev.calls[1] {
		if n, ok := x.(t30.Negotiated); ok && n.Params.Rate.BitsPerSecond() > 12000 {
			t.Fatalf("second call negotiated %v", n.Params)
		}
	}
	if d, _ = e.st.Destination(ctx, number); d.Calls != 2 || d.CleanTrainings != 1 {
		t.Fatalf("history after the second call: %+v", d)
	}
	samePages(t, r.received()[1], doc)
}
