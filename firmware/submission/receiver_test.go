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

// TestEstimateReceiverResolution: of a fine message to three numbers, one
// whose fax machine announced standard only in the last call, one that
// announced superfine and one never called, the first's estimate says it
// goes at standard and its phase C time is about that of the merged
// rows (T.6 about 1/sqrt 2 of fine's, pages.CodedSize.Merged), cheaper;
// the others say nothing and take the same time but for their copies'
// names. Sent at standard, nobody's machine lacks it.
func TestEstimateReceiverResolution(t *testing.T) {
	sub, st := open(t, 100*billing.Unit)
	ctx := context.Background()
	stdOnly, super, fresh := number(t, "+32 2 555 12 12"), number(t, "+32 2 555 34 56"), number(t, "+32 2 555 78 90")
	for _, c := range []struct {
		n   numbers.Number
		res string
	}{{stdOnly, "standard"}, {super, "superfine"}} {
		if err := st.RecordCall(ctx, store.CallReport{Number: c.n.E164, ReasonCode: "ok", Answered: true, Delivered: true,
			Pages: 1, Trained: true, Params: store.Params{BitRate: 14400, ECM: true, Coding: "MMR"}, ReceiverResolution: c.res}); err != nil {
			t.Fatal(err)
		}
	}
	body := strings.Repeat("The small print of this contract binds both parties in every respect. ", 120)
	send := func(res string) submission.Result {
		t.Helper()
		r, err := sub.Submit(ctx, submission.Message{Sender: store.User{ID: 1, Name: "anne"},
			Recipients: submission.Recipients([]numbers.Number{stdOnly, super, fresh}, nil, nil), Subject: "Contract",
			Body: body, Resolution: res})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Lines.Recipients) != 3 {
			t.Fatalf("%d recipient estimates, want 3", len(r.Lines.Recipients))
		}
		return r
	}
	r := send("fine")
	rs := r.Lines.Recipients
	for i, want := range []string{"standard", "", ""} {
		if rs[i].ReceiverResolution != want {
			t.Errorf("%s: receiver resolution %q, want %q", rs[i].Number.E164, rs[i].ReceiverResolution, want)
		}
	}
	phaseC := func(d time.Duration) float64 {
		return (d - t30.SetupTime - time.Duration(r.Pages)*t30.PageOverhead).Seconds()
	}
	t.Logf("fine message, %d pages: %v (%v) to the standard-only machine, %v (%v) to the superfine one", r.Pages,
		rs[0].Duration, rs[0].Cost, rs[1].Duration, rs[1].Cost)
	if d := rs[1].Duration - rs[2].Duration; d > time.Second || d < -time.Second {
		t.Errorf("a machine with superfine (%v) and one never called (%v) differ by more than their copies", rs[1].Duration, rs[2].Duration)
	}
	if ratio := phaseC(rs[0].Duration) / phaseC(rs[1].Duration); ratio < 0.65 || ratio > 0.76 {
		t.Errorf("phase C to the standard-only machine is %.2f of fine's, want about 0.71", ratio)
	}
	if rs[0].Cost >= rs[1].Cost {
		t.Errorf("standard-only costs %v, not less than fine's %v", rs[0].Cost, rs[1].Cost)
	}
	for _, r := range send("standard").Lines.Recipients {
		if r.ReceiverResolution != "" {
			t.Errorf("a standard message: %s receiver resolution %q", r.Number.E164, r.ReceiverResolution)
		}
	}
}
