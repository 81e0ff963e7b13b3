package numbers_test

import (
	"errors"
	"strings"
	"testing"

	"faxbox/firmware/numbers"
)

func mustParser(t *testing.T, home string) *numbers.Parser {
	t.Helper()
	p, err := numbers.NewParser(home)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseForms(t *testing.T) {
	tests := []struct {
		home, in, e164, region string
		cc                     int
	}{
		{"", "+32 2 555 12 12", "+3225551212", "BE", 32},
		{"", "3225551212@fax", "+3225551212", "BE", 32},
		{"", "<3225551212@fax>", "+3225551212", "BE", 32},
		{"", `"Doe, John" <3225551212@fax.example>`, "+3225551212", "BE", 32},
		{"", "fax:+3225551212", "+3225551212", "BE", 32},
		{"", "0032 2 555 12 12", "+3225551212", "BE", 32},
		{"", "+32-2-555.12.12", "+3225551212", "BE", 32},
		{"", "+44 (0)20 7946 0958", "+442079460958", "GB", 44},
		{"", "+33 1 23 45 67 89", "+33123456789", "FR", 33},
		{"", "+49 30 1234567", "+49301234567", "DE", 49},
		{"", "+1 (212) 555-0123", "+12125550123", "US", 1},
		{"", "+1 416 555 0123", "+14165550123", "CA", 1},
		{"", "+81 3-1234-5678", "+81312345678", "JP", 81},
		{"", "+39 06 1234 5678", "+390612345678", "IT", 39},
		{"", "+７ ８１２ ３４５ ６７ ８９", "+78123456789", "RU", 7}, // full-width digits
		{"BE", "02 555 12 12", "+3225551212", "BE", 32},
		{"BE", "0032 2 555 12 12", "+3225551212", "BE", 32},
		{"BE", "3225551212@fax", "+3225551212", "BE", 32},
		{"FR", "01 23 45 67 89", "+33123456789", "FR", 33},
		{"DE", "030 1234567", "+49301234567", "DE", 49},
		{"GB", "020 7946 0958", "+442079460958", "GB", 44},
		{"US", "(212) 555-0123", "+12125550123", "US", 1},
		{"US", "1 212 555 0123", "+12125550123", "US", 1},
		{"US", "011 32 2 555 12 12", "+3225551212", "BE", 32},
		{"US", "0032 2 555 12 12", "+3225551212", "BE", 32},
		{"JP", "03-1234-5678", "+81312345678", "JP", 81},
		{"JP", "010 32 2 555 12 12", "+3225551212", "BE", 32},
		{"IT", "06 1234 5678", "+390612345678", "IT", 39},
	}
	for _, tt := range tests {
		t.Run(tt.home+"/"+tt.in, func(t *testing.T) {
			n, err := mustParser(t, tt.home).Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if n.E164 != tt.e164 || n.Region != tt.region || n.CallingCode != tt.cc {
				t.Fatalf("got %+v, want %s %s %d", n, tt.e164, tt.region, tt.cc)
			}
			if n.Digits() != tt.e164[1:] || n.String() != tt.e164 {
				t.Fatalf("Digits %q String %q", n.Digits(), n.String())
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		home, in string
		want     error
		reason   numbers.Reason
		hint     string // part of the message
	}{
		{"", "+32 0 2 555 12 12", numbers.ErrTrunkZero, numbers.ReasonTrunkZero, "write +32 2 555 12 12"},
		{"", "0032 0 2 555 12 12", numbers.ErrTrunkZero, numbers.ReasonTrunkZero, "the 0 after +32 must be left out"},
		{"", "+33 0 1 23 45 67 89", numbers.ErrTrunkZero, numbers.ReasonTrunkZero, "write +33 1 23 45 67 89"},
		{"", "+49 0 30 1234567", numbers.ErrTrunkZero, numbers.ReasonTrunkZero, "write +49 30 1234567"},
		{"", "322123456@fax", numbers.ErrTooShort, numbers.ReasonTooShort, "looks like +32"},
		{"", "+32 12", numbers.ErrTooShort, numbers.ReasonTooShort, "too few digits for BE (+32)"},
		{"", "+32 2 123 45 67", numbers.ErrInvalid, numbers.ReasonInvalid, "no such number exists in BE (+32)"},
		{"", "+999 1234567", numbers.ErrUnknownCountry, numbers.ReasonUnknownCountry, "country code"},
		{"", "+1 212 555 0123 4567 8", numbers.ErrTooLong, numbers.ReasonTooLong, "too many digits"},
		{"", "02 555 12 12", numbers.ErrNeedCountry, numbers.ReasonNeedCountry, "with + and the country code"},
		{"", "+32 2 555 CALL", numbers.ErrSyntax, numbers.ReasonSyntax, "'C' cannot be part"},
		{"", "  ", numbers.ErrEmpty, numbers.ReasonEmpty, "no digits"},
		{"", "<@fax>", numbers.ErrEmpty, numbers.ReasonEmpty, "no digits"},
		{"BE", "02 123 45 67", numbers.ErrInvalid, numbers.ReasonInvalid, "BE (+32)"},
	}
	for _, tt := range tests {
		t.Run(tt.home+"/"+tt.in, func(t *testing.T) {
			_, err := mustParser(t, tt.home).Parse(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var ne *numbers.NumberError
			if !errors.As(err, &ne) || ne.Reason != tt.reason || ne.Input != tt.in {
				t.Fatalf("err = %#v", err)
			}
			if !strings.Contains(err.Error(), tt.hint) || !strings.HasPrefix(err.Error(), "numbers: ") {
				t.Fatalf("message %q lacks %q", err, tt.hint)
			}
		})
	}
}

func TestParseList(t *testing.T) {
	p := mustParser(t, "BE")
	got := p.ParseList(` 02 555 12 12, "Doe; J" <3225551212@fax> ; +32 0 2 555 12 12,,+33 1 23 45 67 89, `)
	if len(got) != 4 {
		t.Fatalf("got %d results: %+v", len(got), got)
	}
	want := []string{"+3225551212", "+3225551212", "", "+33123456789"}
	for i, r := range got {
		if want[i] == "" {
			if !errors.Is(r.Err, numbers.ErrTrunkZero) || r.Input != "+32 0 2 555 12 12" {
				t.Errorf("item %d: %+v", i, r)
			}
			continue
		}
		if r.Err != nil || r.Number.E164 != want[i] {
			t.Errorf("item %d: %+v", i, r)
		}
	}
	if len(numbers.ParseList("")) != 0 {
		t.Error("empty field gave results")
	}
}

func TestNumberDetails(t *testing.T) {
	n, err := numbers.Parse("+32 2 555 12 12")
	if err != nil {
		t.Fatal(err)
	}
	if n.National != "25551212" || n.AreaCode() != "2" || n.Type != numbers.TypeFixedLine {
		t.Errorf("%+v area %q", n, n.AreaCode())
	}
	if n.International() != "+32 2 555 12 12" || n.NationalFormat() != "02 555 12 12" {
		t.Errorf("formats %q %q", n.International(), n.NationalFormat())
	}
	m, err := numbers.Parse("+32 470 12 34 56")
	if err != nil {
		t.Fatal(err)
	}
	if m.Type != numbers.TypeMobile || m.AreaCodeLen != 0 {
		t.Errorf("mobile: %+v", m)
	}
}

func TestRegions(t *testing.T) {
	if _, err := numbers.NewParser("XX"); err == nil {
		t.Error("unknown home country accepted")
	}
	if numbers.CallingCode("jp") != 81 || numbers.CallingCode("XX") != 0 {
		t.Error("CallingCode")
	}
	if len(numbers.Regions()) < 240 || len(numbers.CallingCodes()) < 200 {
		t.Errorf("%d regions, %d calling codes", len(numbers.Regions()), len(numbers.CallingCodes()))
	}
	if r := numbers.RegionsForCallingCode(1); r[0] != "US" {
		t.Errorf("RegionsForCallingCode(1) = %v", r)
	}
}

// TestDigits: only the ASCII digits remain, in order.
func TestDigits(t *testing.T) {
	for in, want := range map[string]string{"+32 (0)2 555-12.12": "32025551212", "": "", "ACME": "", "٣4": "4"} {
		if got := numbers.Digits(in); got != want {
			t.Errorf("Digits(%q) = %q, want %q", in, got, want)
		}
	}
}

// A number of a possible length outside the numbering plan is refused,
// and the error carries it for a caller that lets the user send anyway.
func TestParseInvalidUnchecked(t *testing.T) {
	p, err := numbers.NewParser("BE")
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{"+32 2 123 45 67", "02 123 45 67"} {
		_, err := p.Parse(in)
		var ne *numbers.NumberError
		if !errors.As(err, &ne) || ne.Reason != numbers.ReasonInvalid {
			t.Fatalf("%q: %v, want ReasonInvalid", in, err)
		}
		if ne.Unchecked.E164 != "+3221234567" || ne.Unchecked.Region != "BE" {
			t.Errorf("%q: Unchecked %+v, want +3221234567 in BE", in, ne.Unchecked)
		}
	}
	_, err = p.Parse("+32 2")
	var ne *numbers.NumberError
	if !errors.As(err, &ne) || ne.Unchecked.E164 != "" {
		t.Errorf("a number too short: %v with Unchecked %+v, want none", err, ne.Unchecked)
	}
}
