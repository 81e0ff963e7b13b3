package daemon

import (
	"testing"
	"time"

	"faxbox/firmware/store"
	"faxbox/pages"
	"faxbox/t30"
)

// TestLearningRule: the start rate and ECM of a call from the
// destination's history, case by case of Learning's rule.
func TestLearningRule(t *testing.T) {
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	failed := func(at time.Time, rates ...int) []store.RateFailures {
		var out []store.RateFailures
		for _, r := range rates {
			out = append(out, store.RateFailures{BitRate: r, Failures: 1, LastFailure: at})
		}
		return out
	}
	hour, month := time.Hour, 31*24*time.Hour
	tests := []struct {
		name    string
		base    t30.Options
		l       Learning
		d       store.Destination
		maxRate int
		noECM   bool
	}{
		{name: "never called", d: store.Destination{}, maxRate: 0},
		{name: "no trouble", d: store.Destination{Calls: 5, Delivered: 5, Worked: store.Params{BitRate: 14400}, WorkedAt: ago(hour)}},
		{name: "failed at 14400, worked at 12000", maxRate: 12000,
			d: store.Destination{Calls: 1, TrainingFailures: failed(ago(hour), 14400), LastTrainingFailure: ago(hour),
				Worked: store.Params{BitRate: 12000}, WorkedAt: ago(hour)}},
		{name: "failed at 14400, nothing worked", maxRate: 12000,
			d: store.Destination{Calls: 1, TrainingFailures: failed(ago(hour), 14400), LastTrainingFailure: ago(hour)}},
		{name: "failed at 14400 and 12000, worked at 9600", maxRate: 9600,
			d: store.Destination{Calls: 1, TrainingFailures: failed(ago(hour), 14400, 12000), LastTrainingFailure: ago(hour),
				Worked: store.Params{BitRate: 9600}, WorkedAt: ago(hour)}},
		{name: "worked at 7200 before the failure does not count", maxRate: 12000,
			d: store.Destination{Calls: 2, TrainingFailures: failed(ago(hour), 14400), LastTrainingFailure: ago(hour),
				Worked: store.Params{BitRate: 7200}, WorkedAt: ago(2 * hour)}},
		{name: "two clean calls: not yet up", maxRate: 9600,
			d: store.Destination{Calls: 3, TrainingFailures: failed(ago(hour), 14400, 12000), LastTrainingFailure: ago(hour),
				Worked: store.Params{BitRate: 9600}, WorkedAt: ago(hour), CleanTrainings: 2}},
		{name: "three clean calls: one step up", maxRate: 12000,
			d: store.Destination{Calls: 4, TrainingFailures: failed(ago(hour), 14400, 12000), LastTrainingFailure: ago(hour),
				Worked: store.Params{BitRate: 9600}, WorkedAt: ago(hour), CleanTrainings: 3}},
		{name: "six clean calls: back to the top", maxRate: 0,
			d: store.Destination{Calls: 7, TrainingFailures: failed(ago(hour), 14400, 12000), LastTrainingFailure: ago(hour),
				Worked: store.Params{BitRate: 9600}, WorkedAt: ago(hour), CleanTrainings: 6}},
		{name: "StepUp 1", l: Learning{StepUp: 1}, maxRate: 0,
			d: store.Destination{Calls: 2, TrainingFailures: failed(ago(hour), 14400), LastTrainingFailure: ago(hour), CleanTrainings: 1}},
		{name: "failure forgotten after a month", maxRate: 0,
			d: store.Destination{Calls: 1, TrainingFailures: failed(ago(month), 14400), LastTrainingFailure: ago(month)}},
		{name: "only the recent failure counts", maxRate: 7200,
			d: store.Destination{Calls: 2, TrainingFailures: append(failed(ago(month), 14400), failed(ago(hour), 9600)...),
				LastTrainingFailure: ago(hour)}},
		{name: "failed at 2400: stays at 2400", maxRate: 2400,
			d: store.Destination{Calls: 1, TrainingFailures: failed(ago(hour), 2400), LastTrainingFailure: ago(hour)}},
		{name: "configured cap lower than learnt", base: t30.Options{MaxRate: 9600}, maxRate: 9600,
			d: store.Destination{Calls: 1, TrainingFailures: failed(ago(hour), 14400), LastTrainingFailure: ago(hour)}},
		{name: "ECM failure: ECM off", noECM: true,
			d: store.Destination{Calls: 1, ECMFailures: 1, LastECMFailure: ago(hour)}},
		{name: "ECM failure, two deliveries since: still off", noECM: true,
			d: store.Destination{Calls: 3, ECMFailures: 1, LastECMFailure: ago(hour), DeliveredSinceECMFailure: 2}},
		{name: "ECM failure, three deliveries since: on again",
			d: store.Destination{Calls: 4, ECMFailures: 1, LastECMFailure: ago(hour), DeliveredSinceECMFailure: 3}},
		{name: "ECM failure a month ago: on again",
			d: store.Destination{Calls: 1, ECMFailures: 1, LastECMFailure: ago(month)}},
		{name: "ECM off by configuration stays off", base: t30.Options{NoECM: true}, noECM: true,
			d: store.Destination{Calls: 1}},
		{name: "learning off", l: Learning{Off: true}, maxRate: 0,
			d: store.Destination{Calls: 1, TrainingFailures: failed(ago(hour), 14400), LastTrainingFailure: ago(hour),
				ECMFailures: 1, LastECMFailure: ago(hour)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.base.Ident = "+32 2 555 0100"
			o := tc.l.options(tc.base, tc.d, now)
			if o.MaxRate != tc.maxRate || o.NoECM != tc.noECM || o.Ident != tc.base.Ident {
				t.Fatalf("MaxRate %d, NoECM %v; want %d, %v", o.MaxRate, o.NoECM, tc.maxRate, tc.noECM)
			}
		})
	}
}

// TestCallReport: what a call's result and events say about the
// destination.
func TestCallReport(t *testing.T) {
	rec := &recorder{connected: true, trainingFailed: []int{14400}, trained: true}
	c, ok := callReport("+3225551212", t30.Result{Reason: t30.ReasonPageRejected, Text: "no", Pages: 1,
		Connected: time.Second, BitRate: 12000, ECM: true, RemoteIdent: "x", ReceiverKnown: true, ReceiverResolution: pages.Standard}, rec)
	if !ok || !c.Answered || c.Delivered || !c.ECMFailed || c.Pages != 1 || c.BitRate != 12000 || c.RemoteIdent != "x" ||
		len(c.TrainingFailed) != 1 || !c.Trained || c.ReceiverResolution != "standard" {
		t.Fatalf("ECM page rejected: %+v %v", c, ok)
	}
	c, _ = callReport("+3225551212", t30.Result{Reason: t30.ReasonLineDropped, Connected: time.Second, ECM: true}, rec)
	if c.ECMFailed {
		t.Fatal("a dropped line blamed on ECM")
	}
	c, ok = callReport("+3225551212", t30.Result{Reason: t30.ReasonBusy}, &recorder{})
	if !ok || c.Answered || c.BitRate != 0 || c.ReasonCode != "busy" || c.ReceiverResolution != "" {
		t.Fatalf("busy: %+v", c)
	}
	for _, r := range []t30.Reason{t30.ReasonModem, t30.ReasonCancelled} {
		if _, ok := callReport("+3225551212", t30.Result{Reason: r}, rec); ok {
			t.Fatalf("%s recorded as the destination's", r)
		}
	}
}
