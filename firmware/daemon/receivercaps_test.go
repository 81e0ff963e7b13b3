package daemon_test

import (
	"context"
	"testing"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/daemon"
	"faxbox/firmware/store"
	"faxbox/modem"
	"faxbox/modem/sim"
	"faxbox/pages"
	"faxbox/t30"
)

// standardOnly is a sending modem that hears the receiver's DIS without
// its fine and superfine bits (T.30 Table 2, bits 15 and 41), as from a
// fax machine that takes standard resolution only.
type standardOnly struct{ *modem.Modem }

func (s standardOnly) ReceiveFrame(ctx context.Context, buf []byte) ([]byte, error) {
	f, err := s.Modem.ReceiveFrame(ctx, buf)
	return withoutFine(f), err
}

func (s standardOnly) ReceiveFrameStarting(ctx context.Context, buf []byte, start time.Duration) ([]byte, error) {
	f, err := s.Modem.ReceiveFrameStarting(ctx, buf, start)
	return withoutFine(f), err
}

// withoutFine returns frame, a DIS announcing standard resolution only.
func withoutFine(frame []byte) []byte {
	f, err := t30.Parse(frame)
	dis, ok := f.(*t30.DISFrame)
	if err != nil || !ok || dis.FCF != t30.DIS {
		return frame
	}
	dis.Caps.Resolutions = t30.ResolutionSet(0).With(t30.ResStandard)
	if b, err := t30.Marshal(dis); err == nil {
		return b
	}
	return frame
}

// TestLearnsReceiverResolution: a fine page to a fax machine that takes
// standard only goes with its rows merged, and the destination remembers
// the machine's best resolution for the next estimate; a later call to a
// machine with fine replaces it.
func TestLearnsReceiverResolution(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	doc := []*pages.Page{testPage(t, 1)}
	a, r := newLine(t, sim.LineConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.serve(ctx)
	cfg := daemon.Config{Lines: []daemon.Line{{Name: "sim0", Modem: standardOnly{a}}}, Fax: t30.Options{Ident: "+32 2 555 0100"}}

	j := e.run(t, cfg, e.submit(t, doc).Jobs[0].ID)[0]
	if j.State != store.Delivered || j.History[0].Resolution != "standard" || j.History[0].MergedPages != 1 {
		t.Fatalf("standard-only: %v, sent at %q with %d page(s) merged", j.State, j.History[0].Resolution, j.History[0].MergedPages)
	}
	if got := r.received(); len(got) != 1 || len(got[0]) != 1 || got[0][0].Height != doc[0].Height/2 {
		t.Fatalf("the receiver got %d call(s), want one page of %d rows", len(got), doc[0].Height/2)
	}
	if d, err := e.st.Destination(ctx, number); err != nil || d.ReceiverResolution != "standard" {
		t.Fatalf("destination after the standard-only call: %q, %v", d.ReceiverResolution, err)
	}

	cfg.Lines[0].Modem = a
	if j = e.run(t, cfg, e.submit(t, doc).Jobs[0].ID)[0]; j.State != store.Delivered || j.History[0].MergedPages != 0 {
		t.Fatalf("fine: %v with %d page(s) merged", j.State, j.History[0].MergedPages)
	}
	if d, err := e.st.Destination(ctx, number); err != nil || d.ReceiverResolution != "superfine" {
		t.Fatalf("destination after a call to a machine with every resolution: %q, %v", d.ReceiverResolution, err)
	}
}
