package billing_test

import (
	"testing"

	"faxbox/firmware/billing"
)

func TestFormatParse(t *testing.T) {
	tests := []struct {
		cur  billing.Currency
		a    billing.Amount
		text string
	}{
		{billing.EUR, 12_500_000, "12.50"},
		{billing.EUR, 0, "0.00"},
		{billing.EUR, 12_300, "0.0123"},
		{billing.EUR, -1_000_001, "-1.000001"},
		{"JPY", 1500 * billing.Unit, "1500"},
		{"JPY", 1_500_000 + 500_000, "2"},
		{"KWD", 1_234_000, "1.234"},
		{"CLF", 1_234_500, "1.2345"},
	}
	for _, tt := range tests {
		if got := tt.cur.FormatNumber(tt.a); got != tt.text {
			t.Errorf("%s %d: %q, want %q", tt.cur, tt.a, got, tt.text)
		}
		back, err := tt.cur.Parse(tt.text)
		if err != nil || back != tt.a {
			t.Errorf("%s parse %q: %d %v", tt.cur, tt.text, back, err)
		}
	}
	if s := billing.EUR.Format(25 * billing.Unit); s != "25.00 EUR" {
		t.Errorf("Format: %q", s)
	}
	for _, in := range []string{"25 EUR", "EUR 25", "25.00 eur", "+25", "25."[:2]} {
		if a, err := billing.EUR.Parse(in); err != nil || a != 25*billing.Unit {
			t.Errorf("Parse(%q) = %d, %v", in, a, err)
		}
	}
	for _, in := range []string{"", "25 USD", "1.2345678", "abc", "1e3", "1,50", "99999999999999", ".", "25."} {
		if _, err := billing.EUR.Parse(in); err == nil {
			t.Errorf("Parse(%q) accepted", in)
		}
	}
}

func TestCurrency(t *testing.T) {
	if c, err := billing.ParseCurrency(" chf "); err != nil || c != "CHF" || c.Digits() != 2 {
		t.Errorf("CHF: %q %v", c, err)
	}
	if _, err := billing.ParseCurrency("XYZ"); err == nil {
		t.Error("XYZ accepted")
	}
	if billing.EUR.Minor() != 10_000 || billing.Currency("JPY").Minor() != billing.Unit || billing.Currency("KWD").Minor() != 1000 {
		t.Error("Minor")
	}
	for in, want := range map[billing.Amount]billing.Amount{0: 0, 1: 10_000, 10_000: 10_000, 10_001: 20_000, -1: 0, -10_001: -10_000} {
		if got := billing.EUR.RoundUp(in); got != want {
			t.Errorf("RoundUp(%d) = %d, want %d", in, got, want)
		}
	}
}
