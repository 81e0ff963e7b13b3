package store_test

import (
	"context"
	"testing"

	"faxbox/firmware/store"
)

// TestLastTracedAttempt: the newest attempt on a modem that has a trace,
// not another modem's nor an untraced one; none at all is ErrNotFound.
func TestLastTracedAttempt(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := open(t, testConfig(t, clk))
	_, err := s.LastTracedAttempt(ctx, "sim0")
	wantErr(t, err, store.ErrNotFound)
	newMessage(t, s, 3, 1)
	_, a1 := claim(t, s, clk.Now(), "sim0")
	_, a2 := claim(t, s, clk.Now(), "sim1")
	_, a3 := claim(t, s, clk.Now(), "sim0") // no trace
	for _, a := range []store.Attempt{a1, a2} {
		if err := s.RecordTrace(ctx, a.ID, "traces/"+a.Modem+".log"); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.LastTracedAttempt(ctx, "sim0")
	if err != nil || got.ID != a1.ID || got.TracePath != "traces/sim0.log" {
		t.Fatalf("sim0: %+v, %v; want attempt %d (attempt %d has no trace)", got, err, a1.ID, a3.ID)
	}
	if got, err := s.LastTracedAttempt(ctx, "sim1"); err != nil || got.ID != a2.ID {
		t.Fatalf("sim1: %+v, %v; want attempt %d", got, err, a2.ID)
	}
}
