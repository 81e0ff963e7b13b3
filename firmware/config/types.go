package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"faxbox/firmware/billing"
)

// Duration is a time.Duration written as a Go duration string in the
// file: "90s", "15m", "1h30m". Negative durations are read but refused by
// Validate.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String returns d as time.Duration formats it, without zero trailing
// units: "1m30s", "15m", "1h".
func (d Duration) String() string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") || strings.HasSuffix(s, "h0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// MarshalText writes d as String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a Go duration string such as "90s" or "1h30m".
func (d *Duration) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	v, err := time.ParseDuration(s)
	if err != nil {
		if _, nerr := strconv.ParseFloat(s, 64); nerr == nil {
			return fmt.Errorf("%q has no unit (write \"%ss\" for seconds, or m, h)", s, s)
		}
		return fmt.Errorf("%q is not a duration (want for example \"90s\", \"15m\", \"1h30m\")", s)
	}
	*d = Duration(v)
	return nil
}

// Money is an amount in the appliance's currency (billing.currency),
// written as a decimal string without the currency code: "10.00", "0.5".
// It holds a billing.Amount (micro-units), so up to six decimals are kept
// exactly.
type Money billing.Amount

// Amount returns m as a billing.Amount.
func (m Money) Amount() billing.Amount { return billing.Amount(m) }

// String returns m with at least two decimals ("10.00").
func (m Money) String() string { return billing.EUR.FormatNumber(billing.Amount(m)) }

// MarshalText writes m with at least two decimals ("10.00"), and more when
// it has finer digits.
func (m Money) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads a decimal number with '.' as separator and up to six
// decimals.
func (m *Money) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	if strings.ContainsAny(s, " \t") || strings.IndexFunc(s, isLetter) >= 0 {
		return fmt.Errorf("%q is not an amount: write the number only, like \"10.00\" (billing.currency sets the currency)", s)
	}
	a, err := billing.EUR.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not an amount (want a decimal number like \"10.00\", at most 6 decimals)", s)
	}
	*m = Money(a)
	return nil
}

func isLetter(r rune) bool { return (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z') }

// TimeRange is a daily span of wall-clock time, written "HH:MM-HH:MM" in
// the appliance's local time: "08:00-18:00". It may wrap midnight
// ("22:00-07:00"); "24:00" is allowed as an end. The empty string is the
// zero TimeRange, which means "not set".
type TimeRange struct {
	// Start and End are minutes since midnight, End exclusive; Start !=
	// End in every non-zero TimeRange.
	Start, End int
}

// IsZero reports whether r is unset.
func (r TimeRange) IsZero() bool { return r == TimeRange{} }

// Contains reports whether the wall-clock time of t (in t's location) is
// inside r. The zero TimeRange contains nothing.
func (r TimeRange) Contains(t time.Time) bool {
	if r.IsZero() {
		return false
	}
	m := t.Hour()*60 + t.Minute()
	if r.Start < r.End {
		return m >= r.Start && m < r.End
	}
	return m >= r.Start || m < r.End
}

// String returns "HH:MM-HH:MM", or "" for the zero TimeRange.
func (r TimeRange) String() string {
	if r.IsZero() {
		return ""
	}
	return fmt.Sprintf("%02d:%02d-%02d:%02d", r.Start/60, r.Start%60, r.End/60, r.End%60)
}

// MarshalText writes r as String does.
func (r TimeRange) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads "HH:MM-HH:MM", or "" for the zero TimeRange.
func (r *TimeRange) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	if s == "" {
		*r = TimeRange{}
		return nil
	}
	bad := fmt.Errorf("%q is not a time range (want \"HH:MM-HH:MM\", for example \"08:00-18:00\" or \"22:00-07:00\")", s)
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return bad
	}
	start, ok1 := clock(strings.TrimSpace(a), false)
	end, ok2 := clock(strings.TrimSpace(b), true)
	if !ok1 || !ok2 {
		return bad
	}
	if start == end {
		return fmt.Errorf("%q is empty: start and end are the same time", s)
	}
	*r = TimeRange{Start: start, End: end}
	return nil
}

// clock parses "HH:MM" into minutes since midnight; "24:00" only as an
// end.
func clock(s string, end bool) (int, bool) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 {
		return 0, false
	}
	if hh == 24 && mm == 0 && end {
		return 24 * 60, true
	}
	if hh > 23 {
		return 0, false
	}
	return hh*60 + mm, true
}

// DiskLimit bounds the disk space that faxes may use under the data
// directory: a share of the file system ("80%") or a size ("4GiB",
// "500MB", "1000000"). The zero DiskLimit, written "0", means no limit
// besides the disk itself.
type DiskLimit struct {
	Percent int   // 1 to 100 of the file system's size; 0 if Bytes is used
	Bytes   int64 // a size in bytes; 0 if Percent is used
}

// Limit returns the limit for a file system of fsSize bytes, or 0 for no
// limit.
func (l DiskLimit) Limit(fsSize int64) int64 {
	if l.Percent > 0 {
		return fsSize / 100 * int64(l.Percent)
	}
	return l.Bytes
}

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
	{"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"kB", 1e3}, {"B", 1},
}

// String returns "80%", a size with the largest binary unit that divides
// it ("4GiB"), or a number of bytes.
func (l DiskLimit) String() string {
	if l.Percent > 0 {
		return strconv.Itoa(l.Percent) + "%"
	}
	for _, u := range sizeUnits[:4] {
		if l.Bytes != 0 && l.Bytes%u.mult == 0 {
			return strconv.FormatInt(l.Bytes/u.mult, 10) + u.suffix
		}
	}
	return strconv.FormatInt(l.Bytes, 10)
}

// MarshalText writes l as String does.
func (l DiskLimit) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText reads a percentage ("80%"), a size with a unit (B, KB,
// MB, GB, TB, KiB, MiB, GiB, TiB) or a number of bytes.
func (l *DiskLimit) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	bad := fmt.Errorf("%q is not a disk limit (want a share like \"80%%\", a size like \"4GiB\" or \"500MB\", or \"0\" for none)", s)
	if p, ok := strings.CutSuffix(s, "%"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return bad
		}
		if n < 1 || n > 100 {
			return fmt.Errorf("%q: a share of the disk must be 1%% to 100%%", s)
		}
		*l = DiskLimit{Percent: n}
		return nil
	}
	mult := int64(1)
	num := s
	for _, u := range sizeUnits {
		if v, ok := strings.CutSuffix(s, u.suffix); ok {
			mult, num = u.mult, strings.TrimSpace(v)
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 {
		return bad
	}
	if n > (1<<62)/mult {
		return fmt.Errorf("%q is too large", s)
	}
	*l = DiskLimit{Bytes: n * mult}
	return nil
}

// Line names a GPIO line of board.gpio_chip: by its name as the kernel
// knows it ("LED_READY", "GPIO17"), or by its offset on the chip ("17").
// Empty means the board has no such line.
type Line string

// Offset returns the line's offset and true when l is written as a
// number, or 0 and false when it is a name (or empty).
func (l Line) Offset() (int, bool) {
	n, err := strconv.Atoi(string(l))
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// check returns what is wrong with l, or "".
func (l Line) check() string {
	s := string(l)
	switch {
	case s == "":
		return ""
	case s[0] >= '0' && s[0] <= '9':
		if n, ok := l.Offset(); !ok || n > 511 {
			return fmt.Sprintf("%q is not a line offset (want 0 to 511) or a line name", s)
		}
	case len(s) > 31:
		return fmt.Sprintf("%q is longer than the 31 characters of a GPIO line name", s)
	case strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r > '~' }):
		return fmt.Sprintf("%q: a line name has no spaces or control characters", s)
	}
	return ""
}
