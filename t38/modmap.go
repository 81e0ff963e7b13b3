package t38

import (
	"time"

	"faxbox/modem"
)

// dataType returns the T.38 data type that carries modulation m.
func dataType(m modem.Modulation) (DataType, bool) {
	switch m {
	case modem.V21:
		return V21, true
	case modem.V27ter2400:
		return V27ter2400, true
	case modem.V27ter4800:
		return V27ter4800, true
	case modem.V29At7200:
		return V29At7200, true
	case modem.V29At9600:
		return V29At9600, true
	case modem.V17At7200, modem.V17At7200S:
		return V17At7200, true
	case modem.V17At9600, modem.V17At9600S:
		return V17At9600, true
	case modem.V17At12000, modem.V17At12000S:
		return V17At12000, true
	case modem.V17At14400, modem.V17At14400S:
		return V17At14400, true
	}
	return 0, false
}

// training returns the indicator announcing modulation m's training.
func training(m modem.Modulation) Indicator {
	switch m {
	case modem.V27ter2400:
		return V27ter2400Training
	case modem.V27ter4800:
		return V27ter4800Training
	case modem.V29At7200:
		return V29At7200Training
	case modem.V29At9600:
		return V29At9600Training
	case modem.V17At7200:
		return V17At7200LongTraining
	case modem.V17At7200S:
		return V17At7200ShortTraining
	case modem.V17At9600:
		return V17At9600LongTraining
	case modem.V17At9600S:
		return V17At9600ShortTraining
	case modem.V17At12000:
		return V17At12000LongTraining
	case modem.V17At12000S:
		return V17At12000ShortTraining
	case modem.V17At14400:
		return V17At14400LongTraining
	case modem.V17At14400S:
		return V17At14400ShortTraining
	}
	return V21Preamble
}

// startup returns how long the far gateway's modem takes to start the
// signal an indicator announces, before it can send data: the training
// sequences of V.27ter (943 ms at 2400, 708 ms at 4800 bit/s),
// V.29 (234 ms) and V.17 (1393 ms long, 142 ms short), the V.21 preamble
// of T.30 5.3.1 (1 s of flags) and CED (T.30: 2.6 to 4 s).
func startup(i Indicator) time.Duration {
	switch i {
	case CED:
		return 3 * time.Second
	case V21Preamble:
		return time.Second
	case V27ter2400Training:
		return 943 * time.Millisecond
	case V27ter4800Training:
		return 708 * time.Millisecond
	case V29At7200Training, V29At9600Training:
		return 234 * time.Millisecond
	case V17At7200LongTraining, V17At9600LongTraining, V17At12000LongTraining, V17At14400LongTraining:
		return 1393 * time.Millisecond
	case V17At7200ShortTraining, V17At9600ShortTraining, V17At12000ShortTraining, V17At14400ShortTraining:
		return 142 * time.Millisecond
	}
	return 0
}
