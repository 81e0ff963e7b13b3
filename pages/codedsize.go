package pages

import "fmt"

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
