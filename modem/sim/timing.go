package sim

import "time"

// Simulated durations (before LineConfig.Scale).
const (
	preamble    = time.Second             // V.21 flags before the first frame (T.30 5.3.1)
	cedTime     = 3 * time.Second         // answer tone (T.30 4.3.2.2: 2.6 to 4 s)
	cedPause    = 75 * time.Millisecond   // silence after CED
	dialTime    = 2 * time.Second         // dial tone wait plus digits
	ringPeriod  = 6 * time.Second         // US cadence: 2 s on, 4 s off
	cidDelay    = 2500 * time.Millisecond // caller ID after the first ring
	flagTimeout = 40 * time.Second        // answered, but no V.21: NO CARRIER
	dteTimeout  = 5 * time.Second         // no frame from the DTE after CONNECT: ERROR
	tick        = 20 * time.Millisecond   // high-speed transmitter granularity
)

// rate returns the bit rate of a T.31 modulation code, 0 if unknown.
func rate(mod int) int {
	switch mod {
	case 3:
		return 300
	case 24:
		return 2400
	case 48:
		return 4800
	case 72, 73, 74:
		return 7200
	case 96, 97, 98:
		return 9600
	case 121, 122:
		return 12000
	case 145, 146:
		return 14400
	}
	return 0
}

// family returns the modulation family of a code: 17 (V.17), 29 (V.29),
// 27 (V.27ter), 21 (V.21) or 0.
func family(mod int) int {
	switch mod {
	case 3:
		return 21
	case 24, 48:
		return 27
	case 72, 96:
		return 29
	case 73, 74, 97, 98, 121, 122, 145, 146:
		return 17
	}
	return 0
}

// sameCarrier reports whether a receiver set for want can demodulate a
// carrier sent as got: same family and rate (V.17 long and short
// training are the same carrier).
func sameCarrier(want, got int) bool {
	return family(want) == family(got) && rate(want) == rate(got)
}

// training returns the training time of a high-speed modulation
// (V.27ter 4800: 708 ms, 2400: 943 ms; V.29: 253 ms; V.17 long: 1393 ms,
// short: 142 ms).
func training(mod int) time.Duration {
	switch mod {
	case 24:
		return 943 * time.Millisecond
	case 48:
		return 708 * time.Millisecond
	case 72, 96:
		return 253 * time.Millisecond
	case 74, 98, 122, 146:
		return 142 * time.Millisecond
	}
	return 1393 * time.Millisecond
}

// bitTime is the time n octets take at r bit/s.
func bitTime(n, r int) time.Duration {
	return time.Duration(n) * 8 * time.Second / time.Duration(r)
}

const (
	dle = 0x10
	etx = 0x03
	sub = 0x1a
)

// stuff appends p to dst with DLEs doubled.
func stuff(dst, p []byte) []byte {
	for _, c := range p {
		if c == dle {
			dst = append(dst, dle)
		}
		dst = append(dst, c)
	}
	return dst
}
