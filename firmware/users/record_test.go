package users

import (
	"context"
	"errors"
	"testing"
)

// TestRecord: an entry recorded from outside the package is the newest of
// the audit log, stamped by the store's clock; one without actor or action
// is refused and not stored.
func TestRecord(t *testing.T) {
	f := open(t)
	ctx := context.Background()
	if err := f.users.Record(ctx, "anna", "tariff.import", "version 2: 3 rates"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][2]string{{"", "x"}, {"anna", " "}} {
		if err := f.users.Record(ctx, bad[0], bad[1], "d"); !errors.Is(err, ErrInvalid) {
			t.Errorf("Record(%q, %q): %v, want ErrInvalid", bad[0], bad[1], err)
		}
	}
	es, err := f.users.Audit(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 {
		t.Fatalf("audit log %+v, want the one entry", es)
	}
	if e := es[0]; e.Actor != "anna" || e.Action != "tariff.import" || e.Detail != "version 2: 3 rates" || !e.At.Equal(f.clock.Now()) {
		t.Errorf("entry %+v, want anna's tariff.import at %v", e, f.clock.Now())
	}
}
