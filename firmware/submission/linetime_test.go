package submission_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/numbers"
	"faxbox/firmware/store"
	"faxbox/firmware/submission"
	"faxbox/t30"
)

// TestEstimateAssumesTheRateThatWorked: of one message to three numbers,
// one never called, one whose last delivered page went at 9600 bit/s with
// ECM and one at 9600 without it, the first is estimated at 14400 bit/s
// with ECM, the second's page time (phase C) at 14400/9600 of the first's,
// the third's longer still (T.4 MH is larger than T.6 for text); each
// says what it assumed.
func TestEstimateAssumesTheRateThatWorked(t *testing.T) {
	sub, st := open(t, 100*billing.Unit)
	ctx := context.Background()
	fresh, slow, slowNoECM := number(t, "+32 2 555 12 12"), number(t, "+32 2 555 96 00"), number(t, "+32 2 555 96 01")
	for _, c := range []struct {
		n   numbers.Number
		ecm bool
	}{{slow, true}, {slowNoECM, false}} {
		coding := "MMR"
		if !c.ecm {
			coding = "MR"
		}
		if err := st.RecordCall(ctx, store.CallReport{Number: c.n.E164, ReasonCode: "ok", Answered: true, Delivered: true,
			Pages: 1, Trained: true, Params: store.Params{BitRate: 9600, ECM: c.ecm, Coding: coding}}); err != nil {
			t.Fatal(err)
		}
	}
	body := strings.Repeat("The small print of this contract binds both parties in every respect. ", 120)
	r, err := sub.Submit(ctx, submission.Message{Sender: store.User{ID: 1, Name: "anne"},
		Recipients: submission.Recipients([]numbers.Number{fresh, slow, slowNoECM}, nil, nil), Subject: "Contract", Body: body})
	if err != nil {
		t.Fatal(err)
	}
	rs := r.Lines.Recipients
	if len(rs) != 3 {
		t.Fatalf("%d recipient estimates, want 3", len(rs))
	}
	for i, want := range []struct {
		rate int
		ecm  bool
	}{{14400, true}, {9600, true}, {9600, false}} {
		if rs[i].AssumedRate != want.rate || rs[i].AssumedECM != want.ecm {
			t.Errorf("%s: assumed %d bit/s, ECM %v; want %d, %v", rs[i].Number.E164, rs[i].AssumedRate, rs[i].AssumedECM, want.rate, want.ecm)
		}
	}
	phaseC := func(d time.Duration) float64 {
		return (d - t30.SetupTime - time.Duration(r.Pages)*t30.PageOverhead).Seconds()
	}
	c0, c1, c2 := phaseC(rs[0].Duration), phaseC(rs[1].Duration), phaseC(rs[2].Duration)
	t.Logf("%d pages: %v at 14400 with ECM, %v at 9600 with ECM, %v at 9600 without; costs %v, %v, %v", r.Pages,
		rs[0].Duration, rs[1].Duration, rs[2].Duration, rs[0].Cost, rs[1].Cost, rs[2].Cost)
	if ratio := c1 / c0; ratio < 1.45 || ratio > 1.55 {
		t.Errorf("phase C at 9600 is %.2f times that at 14400, want 1.5", ratio)
	}
	if c2 < 1.15*c1 {
		t.Errorf("phase C without ECM %.1f s, with ECM %.1f s: want MH markedly larger than T.6", c2, c1)
	}
	if rs[1].Duration < rs[0].Duration*5/4 || rs[1].Cost <= rs[0].Cost {
		t.Errorf("9600 estimate %v (%v) is not markedly above 14400's %v (%v)", rs[1].Duration, rs[1].Cost, rs[0].Duration, rs[0].Cost)
	}
}
