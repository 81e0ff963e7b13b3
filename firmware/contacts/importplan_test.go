package contacts_test

import (
	"context"
	"strings"
	"testing"

	"faxbox/firmware/contacts"
)

// TestImportTwice: importing one file twice adds nothing the second time;
// a row with a new number updates the contact; the plan says so before
// anything changes.
func TestImportTwice(t *testing.T) {
	ctx := context.Background()
	b := openBook(t)
	file := "name,company,fax\nAnne Martin,Martin Notaires,02 555 12 12\nBruno Peeters,,03 555 66 77\nanne martin,martin notaires,+32 2 555 12 13\n"
	read := func(s string) []contacts.Row {
		rows, err := contacts.ReadCSV(strings.NewReader(s))
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	plan, err := b.PlanImport(ctx, read(file))
	if err != nil {
		t.Fatal(err)
	}
	if plan.Count(contacts.ImportAdd) != 2 || plan.Count(contacts.ImportSkip) != 1 || len(plan.Rows[0].New) != 2 {
		t.Fatalf("first plan: %+v", plan)
	}
	if all, _ := b.All(ctx); len(all) != 0 {
		t.Fatalf("planning stored %d contacts", len(all))
	}
	if n, bad, err := b.Import(ctx, read(file)); n != 2 || len(bad) != 0 || err != nil {
		t.Fatalf("first import: %d %+v %v", n, bad, err)
	}
	if n, _, err := b.Import(ctx, read(file)); n != 0 || err != nil {
		t.Fatalf("second import: %d %v", n, err)
	}
	all, _ := b.All(ctx)
	if len(all) != 2 || len(all[0].Numbers) != 2 {
		t.Fatalf("after two imports: %+v", all)
	}
	plan, err = b.PlanImport(ctx, read("name,company,fax\nBruno Peeters,,03 555 66 78\n"))
	if err != nil || plan.Count(contacts.ImportUpdate) != 1 || plan.Rows[0].New[0] != "+32 3 555 66 78" {
		t.Fatalf("update plan: %+v %v", plan, err)
	}
	if err := b.ApplyImport(ctx, plan); err != nil {
		t.Fatal(err)
	}
	cs, _ := b.Search(ctx, "bruno", 0)
	if len(cs) != 1 || len(cs[0].Numbers) != 2 {
		t.Errorf("bruno after the update: %+v", cs)
	}
}
