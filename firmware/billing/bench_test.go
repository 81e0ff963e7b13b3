package billing_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"faxbox/firmware/billing"
)

// BenchmarkHoldSettle measures one call's billing: BeginCall (hold),
// Progress and Settle, each an immediate transaction on a real file.
func BenchmarkHoldSettle(b *testing.B) {
	ctx := context.Background()
	clk := newClock()
	cfg := billing.Config{Path: b.TempDir() + "/bench.db", Now: clk.Now, InstallDefaultTariff: true}
	l, err := billing.Open(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	l.TopUp(ctx, 1_000_000*billing.Unit, "admin", "")
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		id := fmt.Sprint("c", i)
		if _, err := l.BeginCall(ctx, billing.CallRequest{ID: id, Number: "+3225551212", Pages: 2}); err != nil {
			b.Fatal(err)
		}
		if err := l.Progress(ctx, id, 80*time.Second); err != nil {
			b.Fatal(err)
		}
		if _, err := l.Settle(ctx, id, true, 81*time.Second); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTariffLookup measures a longest-prefix lookup in the default
// table.
func BenchmarkTariffLookup(b *testing.B) {
	tab, err := billing.DefaultTable()
	if err != nil {
		b.Fatal(err)
	}
	nums := []string{"+3225551212", "+32470123456", "+12125550123", "+8613812345678", "+870773111111"}
	for i := 0; b.Loop(); i++ {
		if _, err := tab.Lookup(nums[i%len(nums)]); err != nil {
			b.Fatal(err)
		}
	}
}
