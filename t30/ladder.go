package t30

import "faxbox/modem"

// ladder is the order in which a sender tries modulations, fastest first,
// when training fails (FTT) or pages come back rejected (RTN). It follows
// what works with real machines (HylaFAX's dropToNextBR, spandsp's
// fallback_sequence): V.17 14400 and 12000, then straight to V.29 (many
// receivers give up after three failed TCFs, so V.17 9600 and 7200 are
// skipped when V.29 is there), then V.27ter. It never climbs back up.
var ladder = []modem.Modulation{
	modem.V17At14400, modem.V17At12000,
	modem.V29At9600, modem.V29At7200,
	modem.V17At9600, modem.V17At7200, // only when V.29 is missing
	modem.V27ter4800, modem.V27ter2400,
}

// rateSet is a set of modulations, keyed by T.31 code.
type rateSet map[modem.Modulation]bool

// newRateSet returns the modulations in both lists (each given as the
// long-training codes or the short ones: V.17 pairs count as one).
func newRateSet(a, b []modem.Modulation) rateSet {
	in := func(l []modem.Modulation, m modem.Modulation) bool {
		for _, x := range l {
			if x == m || longTrain(x) == m {
				return true
			}
		}
		return false
	}
	s := rateSet{}
	for _, m := range ladder {
		if in(a, m) && in(b, m) {
			s[m] = true
		}
	}
	// V.17 9600/7200 only stand in for a missing V.29.
	if s[modem.V29At9600] {
		delete(s, modem.V17At9600)
	}
	if s[modem.V29At7200] {
		delete(s, modem.V17At7200)
	}
	return s
}

// first returns the fastest modulation of the set no faster than maxRate
// (0 means no limit), or 0 when there is none.
func (s rateSet) first(maxRate int) modem.Modulation {
	for _, m := range ladder {
		if s[m] && (maxRate == 0 || m.Rate() <= maxRate) {
			return m
		}
	}
	return 0
}

// below returns the next modulation of the set after m on the ladder, or
// 0 at the bottom.
func (s rateSet) below(m modem.Modulation) modem.Modulation {
	seen := false
	for _, x := range ladder {
		if seen && s[x] {
			return x
		}
		if x == m {
			seen = true
		}
	}
	return 0
}

// longTrain maps a V.17 short-training code to its long-training code.
func longTrain(m modem.Modulation) modem.Modulation {
	switch m {
	case modem.V17At7200S:
		return modem.V17At7200
	case modem.V17At9600S:
		return modem.V17At9600
	case modem.V17At12000S:
		return modem.V17At12000
	case modem.V17At14400S:
		return modem.V17At14400
	}
	return m
}

// shortTrain maps a V.17 long-training code to its short-training code:
// the page data after a successful TCF uses short training (T.30 5.3.2.4).
func shortTrain(m modem.Modulation) modem.Modulation {
	switch m {
	case modem.V17At7200:
		return modem.V17At7200S
	case modem.V17At9600:
		return modem.V17At9600S
	case modem.V17At12000:
		return modem.V17At12000S
	case modem.V17At14400:
		return modem.V17At14400S
	}
	return m
}
