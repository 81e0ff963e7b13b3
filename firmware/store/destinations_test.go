package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"faxbox/firmware/store"
)

// TestDestinationHistory: the counts, the last outcome, what worked and
// the training and ECM failures of a number add up over its calls.
func TestDestinationHistory(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := open(t, testConfig(t, clk))
	const num = "+3225551212"

	d, err := s.Destination(ctx, num)
	if err != nil || d.Calls != 0 || d.Number != num {
		t.Fatalf("never called: %+v %v", d, err)
	}
	t0 := clk.Now()
	// Busy: counted, nothing learnt about the machine.
	if err := s.RecordCall(ctx, store.CallReport{Number: num, ReasonCode: "busy", ReasonText: "the line was busy"}); err != nil {
		t.Fatal(err)
	}
	// Training fails at 14400, works at 12000; one page confirmed, then
	// the ECM call fails.
	clk.Advance(time.Hour)
	t1 := clk.Now()
	if err := s.RecordCall(ctx, store.CallReport{Number: num, ReasonCode: "page-rejected", Answered: true, Pages: 1,
		Params:         store.Params{BitRate: 12000, ECM: true, Coding: "MMR", RemoteIdent: "+32 2 555 1212"},
		TrainingFailed: []int{14400}, Trained: true, ECMFailed: true}); err != nil {
		t.Fatal(err)
	}
	// Delivered twice at 12000 without ECM, training at once.
	for range 2 {
		clk.Advance(time.Hour)
		if err := s.RecordCall(ctx, store.CallReport{Number: num, ReasonCode: "ok", ReasonText: "sent", Answered: true,
			Delivered: true, Pages: 2, Params: store.Params{BitRate: 12000, Coding: "MR"}, Trained: true}); err != nil {
			t.Fatal(err)
		}
	}
	d, err = s.Destination(ctx, num)
	if err != nil {
		t.Fatal(err)
	}
	want := store.Destination{Number: num, Calls: 4, Answered: 3, Delivered: 2, LastCall: clk.Now(),
		LastReasonCode: "ok", LastReasonText: "sent", LastDelivered: clk.Now(),
		Worked:   store.Params{BitRate: 12000, Coding: "MR", RemoteIdent: "+32 2 555 1212"},
		WorkedAt: clk.Now(), CleanTrainings: 2, LastTrainingFailure: t1,
		ECMFailures: 1, LastECMFailure: t1, DeliveredSinceECMFailure: 2}
	got := d
	got.TrainingFailures = nil
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("destination\n got %+v\nwant %+v", got, want)
	}
	if len(d.TrainingFailures) != 1 || d.TrainingFailures[0] != (store.RateFailures{BitRate: 14400, Failures: 1, LastFailure: t1}) {
		t.Fatalf("training failures %+v", d.TrainingFailures)
	}

	// Another failure at 14400 and one at 12000: counted per rate, highest
	// first, and the clean count starts again.
	clk.Advance(time.Hour)
	if err := s.RecordCall(ctx, store.CallReport{Number: num, ReasonCode: "training-failed", Answered: true,
		TrainingFailed: []int{14400, 12000, 9600, 7200, 4800, 2400}}); err != nil {
		t.Fatal(err)
	}
	d, _ = s.Destination(ctx, num)
	if d.CleanTrainings != 0 || len(d.TrainingFailures) != 6 || d.TrainingFailures[0].BitRate != 14400 ||
		d.TrainingFailures[0].Failures != 2 || d.TrainingFailures[5].BitRate != 2400 || !d.LastTrainingFailure.Equal(clk.Now()) {
		t.Fatalf("after a training failure: %+v", d)
	}
	if d.Worked.BitRate != 12000 || !d.WorkedAt.Equal(t1.Add(2*time.Hour)) {
		t.Fatalf("a call that confirmed nothing changed what worked: %+v", d.Worked)
	}

	// The list: most recent first.
	clk.Advance(time.Minute)
	if err := s.RecordCall(ctx, store.CallReport{Number: "+3225559999", ReasonCode: "no-answer"}); err != nil {
		t.Fatal(err)
	}
	ds, err := s.Destinations(ctx, 0)
	if err != nil || len(ds) != 2 || ds[0].Number != "+3225559999" || ds[1].Number != num || len(ds[1].TrainingFailures) != 6 {
		t.Fatalf("destinations %+v %v", ds, err)
	}
	if !ds[0].LastCall.After(t0) {
		t.Fatalf("last call %v", ds[0].LastCall)
	}

	// Bad input is refused.
	_, err = s.Destination(ctx, "0225551212")
	wantErr(t, err, store.ErrInvalid)
	wantErr(t, s.RecordCall(ctx, store.CallReport{Number: "12"}), store.ErrInvalid)
	wantErr(t, s.RecordCall(ctx, store.CallReport{Number: num, TrainingFailed: []int{0}}), store.ErrInvalid)
}

// TestRecordTrace: an attempt's trace path is recorded while it is open,
// kept by a FinishAttempt that gives none, and refused once it ended.
func TestRecordTrace(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := open(t, testConfig(t, clk))
	newMessage(t, s, 1, 1)
	j, a := claim(t, s, clk.Now(), "sim0")
	wantErr(t, s.RecordTrace(ctx, a.ID, ""), store.ErrInvalid)
	if err := s.RecordTrace(ctx, a.ID, "traces/attempt-1.log"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FinishAttempt(ctx, a.ID, store.Outcome{Next: store.Failed, ReasonCode: "busy"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetAttempt(ctx, a.ID)
	if err != nil || got.TracePath != "traces/attempt-1.log" || got.Job != j.ID {
		t.Fatalf("attempt %+v %v", got, err)
	}
	if h := mustJob(t, s, j.ID).History; len(h) != 1 || h[0].TracePath != got.TracePath {
		t.Fatalf("GetJob history %+v", h)
	}
	wantErr(t, s.RecordTrace(ctx, a.ID, "traces/other.log"), store.ErrAttemptClosed)
	_, err = s.GetAttempt(ctx, 999)
	wantErr(t, err, store.ErrNotFound)
}
