package sound

import (
	"fmt"
	"strings"
	"time"
)

// QuietHours is a daily span of wall-clock time in which no alert is
// played; it may cross midnight ("22:00-07:00"). The zero QuietHours is
// never quiet.
type QuietHours struct {
	// Start and End are minutes since midnight, End exclusive.
	Start, End int
}

// ParseQuietHours parses "HH:MM-HH:MM"; "" is the zero QuietHours.
func ParseQuietHours(s string) (QuietHours, error) {
	if s == "" {
		return QuietHours{}, nil
	}
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return QuietHours{}, fmt.Errorf("sound: quiet hours %q: want HH:MM-HH:MM", s)
	}
	var q QuietHours
	var err error
	if q.Start, err = parseClock(from); err == nil {
		q.End, err = parseClock(to)
	}
	if err != nil {
		return QuietHours{}, fmt.Errorf("sound: quiet hours %q: %w", s, err)
	}
	if q.Start == q.End {
		return QuietHours{}, fmt.Errorf("sound: quiet hours %q: start and end are the same", s)
	}
	return q, nil
}

func parseClock(s string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not a time of day HH:MM", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

// Contains reports whether the wall-clock time of t, in t's location, is
// quiet.
func (q QuietHours) Contains(t time.Time) bool {
	if q.Start == q.End {
		return false
	}
	m := t.Hour()*60 + t.Minute()
	if q.Start < q.End {
		return m >= q.Start && m < q.End
	}
	return m >= q.Start || m < q.End
}

// String returns q as ParseQuietHours reads it: "22:00-07:00", or "".
func (q QuietHours) String() string {
	if q.Start == q.End {
		return ""
	}
	return fmt.Sprintf("%02d:%02d-%02d:%02d", q.Start/60, q.Start%60, q.End/60, q.End%60)
}
