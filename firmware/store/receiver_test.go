package store_test

import (
	"context"
	"testing"

	"faxbox/firmware/store"
)

// TestDestinationReceiverResolution: a destination keeps the best
// resolution its fax machine announced in the last call that heard its
// DIS; a call that heard none (busy, not a fax) leaves it as it was, and
// an unknown resolution is refused.
func TestDestinationReceiverResolution(t *testing.T) {
	ctx := context.Background()
	s := open(t, testConfig(t, newClock()))
	const num = "+3225551212"
	steps := []struct {
		report store.CallReport
		want   string
	}{
		{store.CallReport{Number: num, ReasonCode: "busy"}, ""},
		{store.CallReport{Number: num, ReasonCode: "ok", Answered: true, Delivered: true, Pages: 1,
			Params: store.Params{BitRate: 9600, Resolution: "standard", MergedPages: 1}, ReceiverResolution: "standard"}, "standard"},
		{store.CallReport{Number: num, ReasonCode: "not-fax", Answered: true}, "standard"},
		{store.CallReport{Number: num, ReasonCode: "ok", Answered: true, Delivered: true, Pages: 1,
			Params: store.Params{BitRate: 14400, Resolution: "fine"}, ReceiverResolution: "superfine"}, "superfine"},
	}
	for i, st := range steps {
		if err := s.RecordCall(ctx, st.report); err != nil {
			t.Fatal(err)
		}
		d, err := s.Destination(ctx, num)
		if err != nil || d.ReceiverResolution != st.want || d.Calls != i+1 {
			t.Fatalf("after call %d (%s): %q over %d calls, %v; want %q", i+1, st.report.ReasonCode, d.ReceiverResolution, d.Calls, err, st.want)
		}
	}
	wantErr(t, s.RecordCall(ctx, store.CallReport{Number: num, ReceiverResolution: "300x300"}), store.ErrInvalid)
	if ds, err := s.Destinations(ctx, 0); err != nil || len(ds) != 1 || ds[0].ReceiverResolution != "superfine" {
		t.Fatalf("destinations %+v, %v", ds, err)
	}
}
