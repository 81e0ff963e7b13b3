package t30

import (
	"time"

	"faxbox/pages"
)

// The line-time model: how long a call sending given pages is expected
// to stay connected, for the estimate shown before sending and for the
// credit held when dialling. A call spends SetupTime before its first
// page (the answering machine's CED, DIS/DCS and the training check:
// T.30 phases A and B, 5.3.6.1.6) and PageOverhead after each page (the
// post-page message and its answer, phase D); a page's own time (phase
// C) is its coded size at the bit rate.
const (
	SetupTime    = 12 * time.Second
	PageOverhead = 3 * time.Second
	// BlockOverhead is what each ECM block after a page's first adds:
	// the partial page's PPS-NULL and its MCF at 300 bit/s with their
	// flags, and the high-speed modem's training for the next block
	// (T.30 Annex A, A.4; phase C restarts at each block).
	BlockOverhead = 3 * time.Second
	// DefaultRate is the rate assumed for a destination never reached:
	// V.17 (T.30 Table 2).
	DefaultRate = 14400
)

// LineTime is the model for calls at one bit rate, with or without
// error correction mode. The zero value is a call at DefaultRate with
// ECM.
type LineTime struct {
	Rate  int  // bit/s of phase C; 0 means DefaultRate
	NoECM bool // pages sent without ECM (T.4 MH or MR)
}

// Expected returns the model for a destination whose last call in which
// the remote confirmed a page ran at rate, with ecm or not; rate 0
// means no such call: DefaultRate with ECM.
func Expected(rate int, ecm bool) LineTime {
	if rate <= 0 {
		return LineTime{}
	}
	return LineTime{Rate: rate, NoECM: !ecm}
}

// Within returns l limited by the options a call is made with: no faster
// than o.MaxRate, without ECM when o.NoECM.
func (l LineTime) Within(o Options) LineTime {
	if o.MaxRate > 0 && o.MaxRate < l.BitRate() {
		l.Rate = o.MaxRate
	}
	l.NoECM = l.NoECM || o.NoECM
	return l
}

// BitRate returns the rate the model assumes, in bit/s.
func (l LineTime) BitRate() int {
	if l.Rate <= 0 {
		return DefaultRate
	}
	return l.Rate
}

// Page returns the expected line time of a page coded as s, phase D
// included.
//
// With ECM the page goes as T.6 in HDLC frames of 256 octets (T.4 Annex
// A), about 3% of framing more, in blocks of at most 64 KiB, each after
// the first costing BlockOverhead. Without it the page goes as T.4 coded
// lines; the model takes the MH size, the one-dimensional coding every
// receiver has (T.4 4.1). MR (T.4 4.2, one line in K coded as MH) is
// smaller for text and up to about 15% larger for dithered photos,
// which MH codes better than two-dimensional coding. Two things are not
// modelled, for want of knowing them before the call: the fill bits a
// receiver's minimum scan line time adds to short lines (T.30 Table 2
// bits 21 to 23, T.4 4.1.3 fill), and the pages a receiver without ECM
// rejects and gets again after a retrain (RTN, a T.30 post-message
// response).
func (l LineTime) Page(s pages.CodedSize) time.Duration {
	if l.NoECM {
		return PageOverhead + l.phaseC(int64(s.MH)*8)
	}
	// Frames of 256 octets (T.4 Annex A), as the engine sends them.
	extra := blocks(s.MMR, 256) - 1
	return PageOverhead + time.Duration(extra)*BlockOverhead + l.phaseC(int64(s.MMR)*8*103/100)
}

// phaseC is the time bits take at the model's rate.
func (l LineTime) phaseC(bits int64) time.Duration {
	return time.Duration(bits * int64(time.Second) / int64(l.BitRate()))
}

// Call returns the expected line time of a call sending pages coded as
// ps: SetupTime and every page.
func (l LineTime) Call(ps []pages.CodedSize) time.Duration {
	d := SetupTime
	for _, s := range ps {
		d += l.Page(s)
	}
	return d
}
