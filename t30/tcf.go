package t30

import (
	"io"
	"time"

	"faxbox/modem"
)

// TCF is the training check of T.30 5.3.6.1.6: 1.5 s of zeros sent at the
// negotiated rate right after DCS. The receiver accepts the rate when it
// received them cleanly.
const tcfDuration = 1500 * time.Millisecond

// tcfBytes returns the number of zero octets that last the TCF at mod.
func tcfBytes(mod modem.Modulation) int {
	return int(int64(mod.Rate()) * int64(tcfDuration) / int64(time.Second) / 8)
}

// zeros is an io.Reader of n zero bytes.
type zeros struct{ n int }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	n := min(len(p), z.n)
	clear(p[:n])
	z.n -= n
	return n, nil
}

// tcfOK judges a received TCF as HylaFAX and spandsp do: it needs a run of
// zero octets lasting at least one second at the rate, and few non-zero
// octets overall (the carrier's start and end often bring a few).
func tcfOK(data []byte, mod modem.Modulation) bool {
	need := mod.Rate() / 8 // one second of octets
	run, best, nonzero := 0, 0, 0
	for _, b := range data {
		if b == 0 {
			run++
			best = max(best, run)
			continue
		}
		run = 0
		nonzero++
	}
	return best >= need && nonzero*10 <= len(data)
}
