package billing_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"faxbox/firmware/billing"
)

func ExampleLedger() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "billing")
	defer os.RemoveAll(dir)
	now := func() time.Time { return time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC) }
	l, _ := billing.Open(ctx, billing.Config{Path: filepath.Join(dir, "billing.db"), Now: now, InstallDefaultTariff: true})
	defer l.Close()
	cur := l.Currency()

	l.TopUp(ctx, 25*billing.Unit, "admin", "voucher bought by card")
	est, _ := l.Price(ctx, "+3225551212", 3)
	fmt.Println("estimate:", cur.Format(est.Cost), "at", cur.Format(est.Rate.PerMinute), "per minute")

	hold, _ := l.BeginCall(ctx, billing.CallRequest{ID: "job1/1", Job: "job1", User: "alice", Number: "+3225551212", Country: "BE", Pages: 3})
	fmt.Println("held:", cur.Format(hold.Amount), "deadline:", hold.Deadline)
	l.Progress(ctx, "job1/1", 60*time.Second) // persisted while the call runs
	s, _ := l.Settle(ctx, "job1/1", true, 101500*time.Millisecond)
	fmt.Println("charged:", cur.Format(s.Charge), "for", s.BilledSeconds, "s")

	a, _ := l.Account(ctx, "")
	fmt.Println("balance:", cur.Format(a.Balance), "available:", cur.Format(a.Available))
	// Output:
	// estimate: 0.12 EUR at 0.06 EUR per minute
	// held: 0.24 EUR deadline: 3m55s
	// charged: 0.11 EUR for 102 s
	// balance: 24.89 EUR available: 24.89 EUR
}
