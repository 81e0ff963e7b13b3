package billing_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/billing"
)

// TestHoldCoversTheExpectedLineTime: a call whose expected line time is
// far above Pages x PerPage (one photo page of 3 minutes) holds
// HoldPercent of that time's cost, so that its deadline lies well past
// it, and its ledger entry says so; an expected time below Pages x
// PerPage, or none, holds what Pages alone would.
func TestHoldCoversTheExpectedLineTime(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	l := open(t, testConfig(t, clk))
	l.TopUp(ctx, eur("25"), "admin", "")
	begin := func(id string, lineTime time.Duration) billing.Hold {
		t.Helper()
		h, err := l.BeginCall(ctx, billing.CallRequest{ID: id, Job: "j" + id, User: "alice", Number: "+3225551212", Pages: 1, LineTime: lineTime})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	pages, short, heavy := begin("pages", 0), begin("short", 10*time.Second), begin("heavy", 3*time.Minute)
	if short.Amount != pages.Amount || short.Deadline != pages.Deadline || short.Estimate != pages.Estimate {
		t.Errorf("a 10 s line time holds %+v, one page alone %+v", short, pages)
	}
	if heavy.Estimate != heavy.Rate.Cost(3*time.Minute) || heavy.Amount != 2*heavy.Estimate {
		t.Errorf("3 min line time: estimate %d, hold %d; want %d and twice it", heavy.Estimate, heavy.Amount, heavy.Rate.Cost(3*time.Minute))
	}
	if heavy.Deadline < 5*time.Minute || pages.Deadline > 3*time.Minute {
		t.Errorf("deadlines: %v for a 3 min line time, %v for one page", heavy.Deadline, pages.Deadline)
	}
	t.Logf("one page: hold %d, deadline %v; 3 min expected: hold %d, deadline %v", pages.Amount, pages.Deadline, heavy.Amount, heavy.Deadline)
	es, err := l.Entries(ctx, time.Time{}, clk.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	why := map[string]string{}
	for _, e := range es {
		if e.Kind == billing.KindHold {
			why[e.Call] = e.Why
		}
	}
	if w := why["heavy"]; !strings.Contains(w, "1 page(s)") || !strings.Contains(w, "3m0s expected") {
		t.Errorf("heavy call's hold entry %q", w)
	}
	if w := why["pages"]; !strings.Contains(w, "1 page(s)") || !strings.Contains(w, "40s expected") {
		t.Errorf("one page's hold entry %q", w)
	}
}
