package billing

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Amount is an amount of money in micro-units: 1e-6 of the currency's
// main unit (1 EUR = 1_000_000), small enough for per-second prices.
type Amount int64

// Units of Amount.
const (
	Micro Amount = 1         // one millionth of the main unit
	Unit  Amount = 1_000_000 // one main unit (1 EUR, 1 USD, 1 JPY)
)

// maxAmount bounds amounts accepted from outside (1e12 main units), so that
// sums of many of them cannot overflow int64.
const maxAmount = Amount(1_000_000_000_000) * Unit

// Currency is an ISO 4217 alphabetic code such as "EUR".
type Currency string

// EUR is the default currency of an appliance.
const EUR Currency = "EUR"

// ParseCurrency returns the Currency for an ISO 4217 code
// (case-insensitive), or an error for an unknown code.
func ParseCurrency(code string) (Currency, error) {
	c := Currency(strings.ToUpper(strings.TrimSpace(code)))
	if _, ok := minorDigits(c); !ok {
		return "", fmt.Errorf("billing: unknown currency %q (want an ISO 4217 code such as EUR, USD, CHF)", code)
	}
	return c, nil
}

// Valid reports whether c is a known ISO 4217 code in upper case.
func (c Currency) Valid() bool {
	_, ok := minorDigits(c)
	return ok
}

// Digits returns how many decimals the currency's minor unit has (2 for
// EUR, 0 for JPY, 3 for KWD); 2 for an unknown code.
func (c Currency) Digits() int {
	d, ok := minorDigits(c)
	if !ok {
		return 2
	}
	return d
}

// Minor returns the minor unit (1 cent for EUR) as an Amount.
func (c Currency) Minor() Amount {
	m := Unit
	for range c.Digits() {
		m /= 10
	}
	return m
}

// RoundUp rounds a up (toward positive infinity) to a whole minor unit.
// Charges are rounded this way once, so that what a user is shown is
// exactly what the ledger holds.
func (c Currency) RoundUp(a Amount) Amount {
	m := c.Minor()
	r := a % m
	switch {
	case r == 0:
		return a
	case r > 0:
		return a - r + m
	default:
		return a - r
	}
}

// FormatNumber writes a with the currency's decimals, and more when a has
// finer digits (a per-second price), never fewer: 12.5 EUR is "12.50",
// 0.0123 EUR is "0.0123", 1500 JPY is "1500".
func (c Currency) FormatNumber(a Amount) string {
	neg := a < 0
	u := uint64(a)
	if neg {
		u = uint64(-(a + 1)) + 1 // no overflow for math.MinInt64
	}
	whole, frac := u/1_000_000, u%1_000_000
	fs := fmt.Sprintf("%06d", frac)
	keep := c.Digits()
	for n := 6; n > keep; n-- {
		if fs[n-1] != '0' {
			keep = n
			break
		}
	}
	s := strconv.FormatUint(whole, 10)
	if keep > 0 {
		s += "." + fs[:keep]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Format writes a followed by the currency code: "12.50 EUR".
func (c Currency) Format(a Amount) string { return c.FormatNumber(a) + " " + string(c) }

// Parse reads an amount written as a decimal number with '.' as the
// separator, an optional sign, and optionally the currency code before or
// after it ("25", "25.00", "-0.0125", "25.00 EUR", "EUR 25"). Up to six
// decimals are accepted; another currency's code is an error.
func (c Currency) Parse(s string) (Amount, error) {
	orig := s
	s = strings.TrimSpace(s)
	if f := strings.Fields(s); len(f) == 2 {
		code, num := f[1], f[0]
		if strings.IndexFunc(f[0], isLetter) >= 0 {
			code, num = f[0], f[1]
		}
		if !strings.EqualFold(code, string(c)) {
			return 0, fmt.Errorf("billing: amount %q: currency is %s, not %s", orig, c, strings.ToUpper(code))
		}
		s = num
	}
	a, err := parseDecimal(s)
	if err != nil {
		return 0, fmt.Errorf("billing: amount %q: %w", orig, err)
	}
	return a, nil
}

func isLetter(r rune) bool { return (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z') }

func parseDecimal(s string) (Amount, error) {
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" && frac == "" || dot && frac == "" {
		return 0, fmt.Errorf("not a decimal number")
	}
	if len(frac) > 6 {
		return 0, fmt.Errorf("more than 6 decimals")
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("not a decimal number")
		}
	}
	var w uint64
	if whole != "" {
		var err error
		if w, err = strconv.ParseUint(whole, 10, 64); err != nil || w > uint64(maxAmount/Unit) {
			return 0, fmt.Errorf("too large")
		}
	}
	f := uint64(0)
	if frac != "" {
		f, _ = strconv.ParseUint((frac + "000000")[:6], 10, 64)
	}
	a := Amount(w)*Unit + Amount(f)
	if neg {
		a = -a
	}
	return a, nil
}

// mulDivCeil returns ceil(a*b/d) for a, b >= 0 and d > 0, or MaxInt64 on
// overflow.
func mulDivCeil(a, b, d int64) int64 {
	if a != 0 && b > math.MaxInt64/a {
		return math.MaxInt64
	}
	p := a * b
	q := p / d
	if p%d != 0 {
		q++
	}
	return q
}
