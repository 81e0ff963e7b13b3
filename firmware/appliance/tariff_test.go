package appliance

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/billing"
)

// TestApplyTariffFile: the file's rates are in force after the first
// start, an unchanged file adds no version on the next, a changed one
// does, and a malformed one is an error that names the file and leaves
// the tariff in force as it was.
func TestApplyTariffFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	led, err := billing.Open(ctx, billing.Config{Path: filepath.Join(dir, "faxbox.db"), InstallDefaultTariff: true})
	if err != nil {
		t.Fatal(err)
	}
	defer led.Close()
	file := filepath.Join(dir, "tariffs.csv")
	write := func(perMinute string) {
		t.Helper()
		tab, err := billing.ReadTableCSV(strings.NewReader(
			"prefix,name,currency,per_minute,first_seconds,step_seconds,minimum,connection_fee\n32,Belgium,EUR," + perMinute + ",60,60,0,0\n"))
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := tab.WriteCSV(f, "test tariff"); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	versions := func() int {
		t.Helper()
		vs, err := led.TariffVersions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return len(vs)
	}
	perMinute := func() billing.Amount {
		t.Helper()
		_, tab, err := led.TariffAt(ctx, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		r, err := tab.Lookup("+3225551212")
		if err != nil {
			t.Fatal(err)
		}
		return r.PerMinute
	}
	log := slog.New(slog.DiscardHandler)
	before := versions()
	write("0.50")
	if err := applyTariffFile(ctx, led, file, log); err != nil {
		t.Fatal(err)
	}
	if got := perMinute(); got != billing.Unit/2 || versions() != before+1 {
		t.Fatalf("after the first start: %v a minute, %d versions (was %d)", got, versions(), before)
	}
	if err := applyTariffFile(ctx, led, file, log); err != nil || versions() != before+1 {
		t.Fatalf("unchanged file: err %v, %d versions; want no new one", err, versions())
	}
	write("0.75")
	if err := applyTariffFile(ctx, led, file, log); err != nil || perMinute() != billing.Unit*3/4 || versions() != before+2 {
		t.Fatalf("changed file: err %v, %v a minute, %d versions", err, perMinute(), versions())
	}
	os.WriteFile(file, []byte("prefix,name\nnonsense\n"), 0o644)
	err = applyTariffFile(ctx, led, file, log)
	if err == nil || !strings.Contains(err.Error(), file) || perMinute() != billing.Unit*3/4 {
		t.Fatalf("malformed file: err %v, %v a minute", err, perMinute())
	}
}
