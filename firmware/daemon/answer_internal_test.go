package daemon

import (
	"testing"
	"time"

	"faxbox/firmware/config"
)

// TestDecide: the answer policy by mode, ring count and time of day.
func TestDecide(t *testing.T) {
	office := config.TimeRange{Start: 8 * 60, End: 18 * 60}
	night := config.TimeRange{Start: 22 * 60, End: 7 * 60}
	at := func(h, m int) time.Time { return time.Date(2026, 3, 10, h, m, 0, 0, time.UTC) }
	for _, tc := range []struct {
		p       AnswerPolicy
		ring    int
		now     time.Time
		answer  bool
		refused bool
	}{
		{AnswerPolicy{Mode: config.AnswerRings, Rings: 3}, 2, at(12, 0), false, false},
		{AnswerPolicy{Mode: config.AnswerRings, Rings: 3}, 3, at(3, 0), true, false},
		{AnswerPolicy{Mode: config.AnswerRings}, 1, at(3, 0), false, false}, // default 2 rings
		{AnswerPolicy{Mode: config.AnswerRings}, 2, at(3, 0), true, false},
		{AnswerPolicy{Mode: config.AnswerHours, Rings: 1, Hours: office}, 1, at(8, 0), true, false},
		{AnswerPolicy{Mode: config.AnswerHours, Rings: 1, Hours: office}, 1, at(17, 59), true, false},
		{AnswerPolicy{Mode: config.AnswerHours, Rings: 1, Hours: office}, 5, at(18, 0), false, true},
		{AnswerPolicy{Mode: config.AnswerHours, Rings: 1, Hours: night}, 1, at(23, 0), true, false},
		{AnswerPolicy{Mode: config.AnswerHours, Rings: 1, Hours: night}, 1, at(12, 0), false, true},
		{AnswerPolicy{Mode: config.AnswerHours, Rings: 1}, 1, at(12, 0), false, true}, // no hours: never
		{AnswerPolicy{Mode: config.AnswerNever, Rings: 1}, 9, at(12, 0), false, true},
		{AnswerPolicy{}, 9, at(12, 0), false, true},
	} {
		answer, why := tc.p.decide(tc.ring, tc.now)
		if answer != tc.answer || (why != "") != tc.refused {
			t.Errorf("%+v ring %d at %s: answer %v (%q), want %v (refused %v)", tc.p, tc.ring, tc.now.Format("15:04"), answer, why, tc.answer, tc.refused)
		}
	}
}

// TestAnswerPolicyFrom: a [[modems]] table's answer keys.
func TestAnswerPolicyFrom(t *testing.T) {
	m := config.DefaultModem()
	m.Answer, m.Rings, m.Hours = config.AnswerHours, 4, config.TimeRange{Start: 60, End: 120}
	if p := AnswerPolicyFrom(m); p != (AnswerPolicy{Mode: config.AnswerHours, Rings: 4, Hours: m.Hours}) {
		t.Fatalf("%+v", p)
	}
}
