package pages

import (
	"fmt"
	"math"
)

// CodedSize is a page's size coded two ways: T.6 (MMR, what a fax call
// sends in error correction mode) and T.4 one-dimensional (MH, the coding
// every receiver takes without it), each with its end of page (EOFB, RTC).
// A call's line time follows from it.
type CodedSize struct {
	MMR int // bytes
	MH  int // bytes
}

// MeasureCoded codes p as T.6 and as T.4 MH, counting the bytes without
// keeping them.
func MeasureCoded(p *Page) (CodedSize, error) {
	var mmr, mh countingWriter
	if err := encodePage(&mmr, p, EncoderOptions{Coding: MMR, RTC: true}); err != nil {
		return CodedSize{}, fmt.Errorf("pages: measuring a page as T.6: %w", err)
	}
	if err := encodePage(&mh, p, EncoderOptions{Coding: MH, RTC: true}); err != nil {
		return CodedSize{}, fmt.Errorf("pages: measuring a page as MH: %w", err)
	}
	return CodedSize{MMR: mmr.n, MH: mh.n}, nil
}

// countingWriter counts the bytes written to it.
type countingWriter struct{ n int }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	return len(p), nil
}

// Merged estimates the coded size of the page s measures once its rows
// are merged by factor (2 from fine to standard, 4 from superfine, as a
// sender does for a receiver that lacks the page's resolution, T.30
// Table 2 bits 15, 41) without coding it again. MH codes each row on
// its own: its size falls with the rows, by factor. T.6 codes each row
// against the one above (T.6 2.2), and merged rows resemble their
// neighbours less, so its size falls by about the square root of
// factor. TestMergedModel holds it within 15 % of the ITU charts merged
// (within 10 % measured; rendered text gave 0.72 and 0.53 of the fine
// sizes, model 0.71 and 0.5).
func (s CodedSize) Merged(factor int) CodedSize {
	if factor <= 1 {
		return s
	}
	return CodedSize{MMR: int(float64(s.MMR) / math.Sqrt(float64(factor))), MH: s.MH / factor}
}
