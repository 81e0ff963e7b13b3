package sip

import (
	"context"
	"testing"
	"time"
)

// TestByeCrossing: both ends hang up at the same moment, so each BYE
// crosses the other's; each is answered and both calls end at once
// instead of waiting for the BYE to time out.
func TestByeCrossing(t *testing.T) {
	a, err := NewAgent(testConfig(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	bc := testConfig(t)
	bc.MediaPorts = PortRange{Lo: 43000, Hi: 43099}
	b, err := NewAgent(bc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := a.Dial("sip:4420@"+b.Addr().String(), DialOptions{OfferT38: true})
	if err != nil {
		t.Fatal(err)
	}
	in, err := b.Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*Call{out, in} {
		waitEvent(ctx, t, c, EventT38)
	}
	start := time.Now()
	out.Hangup()
	in.Hangup()
	for _, c := range []*Call{out, in} {
		select {
		case <-c.Done():
		case <-ctx.Done():
			t.Fatal("a call did not end")
		}
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("the crossing BYEs took %v", d)
	}
}

// waitEvent reads c's events until one of kind k.
func waitEvent(ctx context.Context, t *testing.T, c *Call, k EventKind) {
	t.Helper()
	for {
		select {
		case e, ok := <-c.Events():
			if !ok {
				t.Fatalf("call ended before %v", k)
			}
			if e.Kind == k {
				return
			}
		case <-ctx.Done():
			t.Fatalf("no %v event", k)
		}
	}
}
