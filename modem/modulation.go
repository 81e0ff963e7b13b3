package modem

import (
	"strconv"
	"strings"
)

// Modulation is a T.31 modulation code, the n of AT+FTM=n, AT+FRM=n,
// AT+FTH=n and AT+FRH=n (T.31 Table 1). It encodes as its number in JSON.
type Modulation int

// Modulation codes of T.31 Table 1. The V.17 codes come in pairs: the
// first uses long training (for TCF), the second short training.
const (
	V21         Modulation = 3   // V.21 channel 2, 300 bit/s, HDLC only
	V27ter2400  Modulation = 24  // V.27ter 2400 bit/s
	V27ter4800  Modulation = 48  // V.27ter 4800 bit/s
	V29At7200   Modulation = 72  // V.29 7200 bit/s
	V17At7200   Modulation = 73  // V.17 7200 bit/s, long training
	V17At7200S  Modulation = 74  // V.17 7200 bit/s, short training
	V29At9600   Modulation = 96  // V.29 9600 bit/s
	V17At9600   Modulation = 97  // V.17 9600 bit/s, long training
	V17At9600S  Modulation = 98  // V.17 9600 bit/s, short training
	V17At12000  Modulation = 121 // V.17 12000 bit/s, long training
	V17At12000S Modulation = 122 // V.17 12000 bit/s, short training
	V17At14400  Modulation = 145 // V.17 14400 bit/s, long training
	V17At14400S Modulation = 146 // V.17 14400 bit/s, short training
)

// lastModCodes is the highest code of T.31 Table 1.
const lastModCodes = 146

// Rate returns the bit rate of m, or 0 for an unknown code.
func (m Modulation) Rate() int {
	switch m {
	case V21:
		return 300
	case V27ter2400:
		return 2400
	case V27ter4800:
		return 4800
	case V29At7200, V17At7200, V17At7200S:
		return 7200
	case V29At9600, V17At9600, V17At9600S:
		return 9600
	case V17At12000, V17At12000S:
		return 12000
	case V17At14400, V17At14400S:
		return 14400
	}
	return 0
}

// Family returns the recommendation of m: "V.21", "V.27ter", "V.29" or
// "V.17", or "" for an unknown code.
func (m Modulation) Family() string {
	switch m {
	case V21:
		return "V.21"
	case V27ter2400, V27ter4800:
		return "V.27ter"
	case V29At7200, V29At9600:
		return "V.29"
	case V17At7200, V17At7200S, V17At9600, V17At9600S, V17At12000, V17At12000S, V17At14400, V17At14400S:
		return "V.17"
	}
	return ""
}

// ShortTraining reports whether m is a V.17 short-training code.
func (m Modulation) ShortTraining() bool {
	switch m {
	case V17At7200S, V17At9600S, V17At12000S, V17At14400S:
		return true
	}
	return false
}

// Valid reports whether m is a code of T.31 Table 1.
func (m Modulation) Valid() bool { return m.Rate() != 0 }

// String returns a name such as "V.17/14400" or "V.17/14400 short".
func (m Modulation) String() string {
	if !m.Valid() {
		return "Modulation(" + strconv.Itoa(int(m)) + ")"
	}
	s := m.Family() + "/" + strconv.Itoa(m.Rate())
	if m.ShortTraining() {
		s += " short"
	}
	return s
}

// ParseModulations parses the answer to AT+FTM=? and friends, a list of
// codes such as "24,48,72,73,74,96,97,98,121,122,145,146", possibly in
// parentheses and possibly with ranges ("24-96"). Ranges yield only the
// valid codes they span; unknown single codes are kept, in order.
func ParseModulations(s string) ([]Modulation, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "(")
	s = strings.TrimSuffix(s, ")")
	var out []Modulation
	if s == "" {
		return out, nil
	}
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		lo, hi, isRange := strings.Cut(f, "-")
		a, err := strconv.Atoi(strings.TrimSpace(lo))
		if err != nil || a < 0 {
			return nil, &ProtocolError{Line: s, Msg: "bad modulation list"}
		}
		if !isRange {
			out = append(out, Modulation(a))
			continue
		}
		b, err := strconv.Atoi(strings.TrimSpace(hi))
		if err != nil || b < a {
			return nil, &ProtocolError{Line: s, Msg: "bad modulation range"}
		}
		for c := a; c <= b && c <= lastModCodes; c++ {
			if Modulation(c).Valid() {
				out = append(out, Modulation(c))
			}
		}
	}
	return out, nil
}
