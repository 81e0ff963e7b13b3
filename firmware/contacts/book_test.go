package contacts_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/contacts"
	"faxbox/firmware/numbers"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func openBook(t *testing.T) *contacts.Book {
	t.Helper()
	p, err := numbers.NewParser("BE")
	if err != nil {
		t.Fatal(err)
	}
	b, err := contacts.Open(context.Background(), contacts.Config{Path: filepath.Join(t.TempDir(), "faxbox.db"),
		Numbers: p, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestCRUDAndSearch(t *testing.T) {
	ctx := context.Background()
	b := openBook(t)
	c, err := b.Create(ctx, contacts.Contact{Name: " Jan Peeters ", Company: "Peeters & Zonen",
		Numbers: []contacts.Number{{Label: contacts.Phone, Number: "02 555 12 00"}, {Label: contacts.Fax, Number: "02 555 12 12"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []contacts.Number{{Label: contacts.Phone, Number: "+32 2 555 12 00", E164: "+3225551200", Country: "BE"},
		{Label: contacts.Fax, Number: "+32 2 555 12 12", E164: "+3225551212", Country: "BE"}}
	if c.ID == 0 || c.Name != "Jan Peeters" || !reflect.DeepEqual(c.Numbers, want) {
		t.Fatalf("created %+v", c)
	}
	got, err := b.Get(ctx, c.ID)
	if err != nil || !reflect.DeepEqual(got, c) {
		t.Fatalf("get: %+v, %v; want %+v", got, err, c)
	}
	if _, n, err := b.FaxNumber(ctx, c.ID); err != nil || n.E164 != "+3225551212" {
		t.Errorf("fax number %+v, %v", n, err)
	}
	other, err := b.Create(ctx, contacts.Contact{Name: "Élodie Dubois", Numbers: []contacts.Number{{Label: contacts.Mobile, Number: "+32 470 12 34 56"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.FaxNumber(ctx, other.ID); !errors.Is(err, contacts.ErrNoFax) {
		t.Errorf("fax number of a contact without one: %v", err)
	}
	for q, wantIDs := range map[string][]int64{
		"": {c.ID, other.ID}, "peeters": {c.ID}, "ZONEN": {c.ID}, "élodie": {other.ID},
		"02 555 12 12": {c.ID}, "+3225551212": {c.ID}, "0470": {other.ID}, "%": nil, "nobody": nil,
	} {
		cs, err := b.Search(ctx, q, 0)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, c := range cs {
			ids = append(ids, c.ID)
		}
		if !reflect.DeepEqual(ids, wantIDs) {
			t.Errorf("search %q: %v, want %v", q, ids, wantIDs)
		}
	}

	c.Company = ""
	c.Numbers = c.Numbers[1:]
	if _, err := b.Update(ctx, c); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.Get(ctx, c.ID); got.Company != "" || len(got.Numbers) != 1 || !got.Created.Equal(t0) {
		t.Errorf("after update: %+v", got)
	}
	if err := b.Delete(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get(ctx, c.ID); !errors.Is(err, contacts.ErrNotFound) {
		t.Errorf("get deleted: %v", err)
	}
	if err := b.Delete(ctx, c.ID); !errors.Is(err, contacts.ErrNotFound) {
		t.Errorf("delete twice: %v", err)
	}
	if _, err := b.Update(ctx, c); !errors.Is(err, contacts.ErrNotFound) {
		t.Errorf("update deleted: %v", err)
	}
}

// TestValidation: numbers are refused as message recipients are, with the
// parser's reason; a bad contact stores nothing.
func TestValidation(t *testing.T) {
	ctx := context.Background()
	b := openBook(t)
	for _, tc := range []struct {
		c           contacts.Contact
		field, want string
	}{
		{contacts.Contact{Name: ""}, "name", "needs a name"},
		{contacts.Contact{Name: "X", Numbers: []contacts.Number{{Label: contacts.Fax, Number: "+32 0 2 555 12 12"}}}, "numbers[0].number", "0"},
		{contacts.Contact{Name: "X", Numbers: []contacts.Number{{Label: contacts.Fax, Number: "hello"}}}, "numbers[0].number", ""},
		{contacts.Contact{Name: "X", Numbers: []contacts.Number{{Label: "pager", Number: "02 555 12 12"}}}, "numbers[0].label", "fax, phone or mobile"},
		{contacts.Contact{Name: strings.Repeat("x", 201)}, "name", "longer"},
	} {
		_, err := b.Create(ctx, tc.c)
		var ie *contacts.InvalidError
		if !errors.As(err, &ie) || !errors.Is(err, contacts.ErrInvalid) || ie.Field != tc.field || !strings.Contains(ie.Reason, tc.want) {
			t.Errorf("%+v: %v; want field %s, reason with %q", tc.c, err, tc.field, tc.want)
		}
		if tc.field == "numbers[0].number" {
			var ne *numbers.NumberError
			if !errors.As(err, &ne) {
				t.Errorf("%+v: %v does not wrap the parser's NumberError", tc.c, err)
			}
			// The same reason as a recipient gets.
			_, perr := (func() (numbers.Number, error) {
				p, _ := numbers.NewParser("BE")
				return p.Parse(tc.c.Numbers[0].Number)
			})()
			if ie.Reason != contacts.Reason(perr) {
				t.Errorf("reason %q, parser says %q", ie.Reason, contacts.Reason(perr))
			}
		}
	}
	if cs, _ := b.All(ctx); len(cs) != 0 {
		t.Errorf("%d contacts stored, want none", len(cs))
	}
}

var sample = []contacts.Contact{
	{Name: "Jan Peeters", Company: "Peeters & Zonen, Gent; BV", Numbers: []contacts.Number{
		{Label: contacts.Fax, Number: "02 555 12 12"}, {Label: contacts.Fax, Number: "+32 9 222 33 44"},
		{Label: contacts.Phone, Number: "02 555 12 00"}, {Label: contacts.Mobile, Number: "0470 12 34 56"}}},
	{Name: "Zoë \"Zee\" Ångström-Øresund, dr. med., Kinderarts en huisarts in het Universitair Ziekenhuis", Company: "=cmd|' /C calc'!A0",
		Numbers: []contacts.Number{{Label: contacts.Fax, Number: "+33 1 23 45 67 89"}}},
	{Name: "No Numbers"},
}

// TestRoundTrip: what is exported imports back as the same contacts, in
// CSV and in vCard.
func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	for _, format := range []string{"csv", "vcard"} {
		t.Run(format, func(t *testing.T) {
			b := openBook(t)
			for _, c := range sample {
				if _, err := b.Create(ctx, c); err != nil {
					t.Fatal(err)
				}
			}
			all, err := b.All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			write, read := contacts.WriteCSV, contacts.ReadCSV
			if format == "vcard" {
				write, read = contacts.WriteVCard, contacts.ReadVCard
			}
			if err := write(&buf, all); err != nil {
				t.Fatal(err)
			}
			if format == "vcard" {
				for _, l := range strings.Split(strings.TrimSuffix(buf.String(), "\r\n"), "\r\n") {
					if len(l) > 75 {
						t.Errorf("line of %d octets: %q", len(l), l)
					}
				}
			} else if strings.Contains(buf.String(), "\n=cmd") || strings.Contains(buf.String(), ",=cmd") {
				t.Errorf("a formula cell is exported as is:\n%s", buf.String())
			}
			rows, err := read(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			b2 := openBook(t)
			n, bad, err := b2.Import(ctx, rows)
			if err != nil || n != len(sample) || len(bad) != 0 {
				t.Fatalf("import: %d, %+v, %v\n%s", n, bad, err, buf.String())
			}
			again, _ := b2.All(ctx)
			for i := range all {
				all[i].ID, again[i].ID = 0, 0
			}
			if !reflect.DeepEqual(again, all) {
				t.Errorf("round trip:\n got %+v\nwant %+v\n%s", again, all, buf.String())
			}
		})
	}
}

// TestImportErrors: the good rows are imported, each bad one reported by
// its line.
func TestImportErrors(t *testing.T) {
	ctx := context.Background()
	b := openBook(t)
	csvText := "Name;Company;Fax;Notes\n" +
		"Good One;ACME;02 555 12 12;x\n" +
		";No name;02 555 12 13;\n" +
		"Bad Fax;;+32 0 2 555 12 12;\n" +
		"\n" +
		"Good Two;;;\n"
	rows, err := contacts.ReadCSV(strings.NewReader(csvText))
	if err != nil {
		t.Fatal(err)
	}
	n, bad, err := b.Import(ctx, rows)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || len(bad) != 2 || bad[0].Row != 3 || bad[1].Row != 4 || bad[1].Name != "Bad Fax" ||
		!strings.Contains(bad[1].Error, "+32 0 2 555 12 12") {
		t.Fatalf("imported %d, errors %+v", n, bad)
	}
	if _, err := contacts.ReadCSV(strings.NewReader("company,fax\nx,y\n")); !errors.Is(err, contacts.ErrInvalid) {
		t.Errorf("no name column: %v", err)
	}

	vcf := "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Anne\r\n  Martin\r\nitem1.TEL;VALUE=uri;TYPE=\"fax,work\":tel:+32-2-555-12-14\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:2.1\r\nN:Smith;John;;Dr.;\r\nTEL;FAX;WORK:not a number\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:3.0\r\nORG:Nameless\r\nEND:VCARD\r\n"
	rows, err = contacts.ReadVCard(strings.NewReader(vcf))
	if err != nil {
		t.Fatal(err)
	}
	n, bad, err = b.Import(ctx, rows)
	if err != nil || n != 1 || len(bad) != 2 || bad[0].Row != 2 || bad[0].Name != "Dr. John Smith" || bad[1].Row != 3 {
		t.Fatalf("vcard import: %d, %+v, %v", n, bad, err)
	}
	cs, _ := b.Search(ctx, "anne", 0)
	if len(cs) != 1 || cs[0].Name != "Anne Martin" || cs[0].Numbers[0].Label != contacts.Fax || cs[0].Numbers[0].E164 != "+3225551214" {
		t.Errorf("anne: %+v", cs)
	}
	if _, err := contacts.ReadVCard(strings.NewReader("name,fax\n")); !errors.Is(err, contacts.ErrInvalid) {
		t.Errorf("not a vCard: %v", err)
	}
}
