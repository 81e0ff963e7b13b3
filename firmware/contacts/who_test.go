package contacts_test

import (
	"context"
	"testing"

	"faxbox/firmware/contacts"
)

// TestWho: a number, in any form the office types or a line sends, reads
// as the contact and company that have it, grouped for reading; a number
// not in the book or a TSI that is no number stays as it is.
func TestWho(t *testing.T) {
	ctx := context.Background()
	b := openBook(t)
	if _, err := b.Create(ctx, contacts.Contact{Name: "Jan Peeters", Company: "ACME",
		Numbers: []contacts.Number{{Label: contacts.Fax, Number: "02 555 12 12"}}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in    string
		want  contacts.Who
		label string
	}{
		{"+3225551212", contacts.Who{Number: "+3225551212", E164: "+3225551212", Display: "+32 2 555 12 12",
			Name: "Jan Peeters", Company: "ACME"}, "Jan Peeters, ACME"},
		{"02/555.12.12", contacts.Who{Number: "02/555.12.12", E164: "+3225551212", Display: "+32 2 555 12 12",
			Name: "Jan Peeters", Company: "ACME"}, "Jan Peeters, ACME"},
		{"+3225559999", contacts.Who{Number: "+3225559999", E164: "+3225559999", Display: "+32 2 555 99 99"}, ""},
		{"ACME FAX", contacts.Who{Number: "ACME FAX", Display: "ACME FAX"}, ""},
	} {
		got, err := b.Who(ctx, tc.in)
		if err != nil || got != tc.want || got.Label() != tc.label {
			t.Errorf("Who(%q) = %+v (label %q), %v; want %+v (%q)", tc.in, got, got.Label(), err, tc.want, tc.label)
		}
	}
	if got, err := b.FirstWho(ctx, "", "+32 2 555 12 12"); err != nil || got.Name != "Jan Peeters" {
		t.Errorf("FirstWho(no caller ID, TSI) = %+v, %v", got, err)
	}
	if got, _ := b.FirstWho(ctx, "", "ACME FAX"); got.Display != "ACME FAX" {
		t.Errorf("FirstWho(no caller ID, a TSI that is no number) = %+v", got)
	}
}
