package t30

import (
	"context"
	"testing"

	"faxbox/modem/sim"
	"faxbox/pages"
)

// disEditor is a called station's modem whose DIS frames are rewritten
// by edit before they go on the line: a receiver announcing less than
// this engine does.
type disEditor struct {
	Modem
	edit func(*Capabilities)
}

func (d disEditor) SendFrame(ctx context.Context, frame []byte, final bool) error {
	if f, err := Parse(frame); err == nil {
		if dis, ok := f.(*DISFrame); ok && dis.FCF == DIS {
			d.edit(&dis.Caps)
			if frame, err = Marshal(dis); err != nil {
				return err
			}
		}
	}
	return d.Modem.SendFrame(ctx, frame, final)
}

// TestSimReceiverResolution: the sender's result says the best resolution
// the receiver's DIS announced (T.30 Table 2, bits 15 and 41): standard
// from a receiver without fine, which gets the fine page with its rows
// merged; superfine from one with every resolution. A call that never
// heard a DIS says nothing of it.
func TestSimReceiverResolution(t *testing.T) {
	doc := Pages{chartPage(t, 1, 400)}
	for _, tc := range []struct {
		name   string
		edit   func(*Capabilities)
		want   pages.Resolution
		merged int
	}{
		{"standard-only", func(c *Capabilities) { c.Resolutions = ResolutionSet(0).With(ResStandard) }, pages.Standard, 1},
		{"fine", func(c *Capabilities) { c.Resolutions = ResolutionSet(0).With(ResStandard).With(ResFine) }, pages.Fine, 0},
		{"all", func(*Capabilities) {}, pages.Superfine, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := runFault(t, faultSetup{doc: doc, wrapB: func(_ *faultCall, m Modem) Modem { return disEditor{m, tc.edit} }})
			c.wantSender(t, ReasonOK, 1)
			r := c.sendRes
			if !r.ReceiverKnown || r.ReceiverResolution != tc.want || r.MergedPages != tc.merged {
				t.Errorf("receiver %v (known %v), %d page(s) merged; want %v, %d", r.ReceiverResolution, r.ReceiverKnown,
					r.MergedPages, tc.want, tc.merged)
			}
			if len(c.received) != 1 || c.received[0].Page.Height != 400/(1+tc.merged) {
				t.Errorf("received %d page(s), want one of %d rows", len(c.received), 400/(1+tc.merged))
			}
		})
	}
	// No DIS: every frame of the called station is lost.
	c := runFault(t, faultSetup{doc: doc, line: sim.LineConfig{FrameFault: func(from sim.Side, _ int, _ []byte) sim.Fault {
		if from == sim.SideB {
			return sim.FaultDrop
		}
		return sim.FaultNone
	}}})
	c.wantSender(t, ReasonNotFax, 0)
	if c.sendRes.ReceiverKnown {
		t.Errorf("a call without DIS says the receiver has %v", c.sendRes.ReceiverResolution)
	}
}
