package billing

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

var errPowerCut = errors.New("power cut")

// TestCrashBeforeCommit cuts the power (rolls back) at the commit of each
// kind of write and checks that nothing of it remains, that the ledger is
// consistent, and that the step can be done again afterwards.
func TestCrashBeforeCommit(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	cfg := Config{Path: filepath.Join(t.TempDir(), "b.db"), Now: func() time.Time { return now }, InstallDefaultTariff: true}
	l, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { l.Close() }()
	cut := ""
	l.beforeCommit = func(op string) error {
		if op == cut {
			return errPowerCut
		}
		return nil
	}
	reopen := func() {
		t.Helper()
		l.Close()
		if l, err = Open(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		l.beforeCommit = func(op string) error {
			if op == cut {
				return errPowerCut
			}
			return nil
		}
		if err := l.Check(ctx); err != nil {
			t.Fatal(err)
		}
	}
	account := func() Account {
		a, err := l.Account(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		return a
	}

	cut = "top-up"
	if _, err := l.TopUp(ctx, 20*Unit, "admin", ""); !errors.Is(err, errPowerCut) {
		t.Fatal(err)
	}
	reopen()
	if a := account(); a.Balance != 0 {
		t.Fatalf("rolled-back top-up left %+v", a)
	}
	cut = ""
	l.TopUp(ctx, 20*Unit, "admin", "")

	cut = "begin call"
	if _, err := l.BeginCall(ctx, CallRequest{ID: "c", Number: "+3225551212", Pages: 2}); !errors.Is(err, errPowerCut) {
		t.Fatal(err)
	}
	reopen()
	if a := account(); a.Held != 0 || a.OpenHolds != 0 {
		t.Fatalf("rolled-back hold left %+v", a)
	}
	cut = ""
	if _, err := l.BeginCall(ctx, CallRequest{ID: "c", Number: "+3225551212", Pages: 2}); err != nil {
		t.Fatalf("call id reusable after the cut: %v", err)
	}
	if err := l.Progress(ctx, "c", 70*time.Second); err != nil {
		t.Fatal(err)
	}

	cut = "settle"
	if _, err := l.Settle(ctx, "c", true, 75*time.Second); !errors.Is(err, errPowerCut) {
		t.Fatal(err)
	}
	reopen()
	if a := account(); a.OpenHolds != 1 || a.Balance != 20*Unit {
		t.Fatalf("rolled-back settle left %+v", a)
	}
	cut = ""
	rec, err := l.Recover(ctx)
	if err != nil || len(rec) != 1 || rec[0].Charge != 70_000 || rec[0].Duration != 70*time.Second {
		t.Fatalf("recover: %+v %v", rec, err)
	}
	if rec2, err := l.Recover(ctx); err != nil || len(rec2) != 0 {
		t.Fatalf("second recover: %+v %v", rec2, err)
	}
	if a := account(); a.Balance != 20*Unit-70_000 || a.Held != 0 {
		t.Fatalf("after recover %+v", a)
	}
	if err := l.Check(ctx); err != nil {
		t.Fatal(err)
	}
}
