package t30

import (
	"fmt"

	"faxbox/modem"
	"faxbox/pages"
)

// Negotiation (T.30 5.3.6.2, 5.4): the calling station reads the DIS, picks
// the best mode both ends have and the document needs, and says it in DCS.

// modulationOf maps a DCS bit rate to the T.31 code used for TCF (long
// training for V.17).
func modulationOf(r BitRate) modem.Modulation {
	switch r {
	case Rate14400V17:
		return modem.V17At14400
	case Rate12000V17:
		return modem.V17At12000
	case Rate9600V17:
		return modem.V17At9600
	case Rate7200V17:
		return modem.V17At7200
	case Rate9600V29:
		return modem.V29At9600
	case Rate7200V29:
		return modem.V29At7200
	case Rate4800V27ter:
		return modem.V27ter4800
	}
	return modem.V27ter2400
}

// bitRateOf maps a T.31 code to the DCS bit rate.
func bitRateOf(m modem.Modulation) BitRate {
	switch longTrain(m) {
	case modem.V17At14400:
		return Rate14400V17
	case modem.V17At12000:
		return Rate12000V17
	case modem.V17At9600:
		return Rate9600V17
	case modem.V17At7200:
		return Rate7200V17
	case modem.V29At9600:
		return Rate9600V29
	case modem.V29At7200:
		return Rate7200V29
	case modem.V27ter4800:
		return Rate4800V27ter
	}
	return Rate2400V27ter
}

// allModulations is every class 1 high-speed code.
var allModulations = []modem.Modulation{
	modem.V27ter2400, modem.V27ter4800, modem.V29At7200, modem.V29At9600,
	modem.V17At7200, modem.V17At9600, modem.V17At12000, modem.V17At14400,
}

func (o *Options) modulations() []modem.Modulation {
	if len(o.Modulations) == 0 {
		return allModulations
	}
	return o.Modulations
}

// lineModulations is a line that knows the modulations it can carry only
// once its call is up: a T.38 session allows those up to the
// T38MaxBitRate agreed for it (T.38 Annex D.2.3), so a gateway limited to
// 9600 bit/s is never sent V.17 at 14400. The engine asks after Dial or
// Answer; an empty list leaves Options.Modulations as they are.
type lineModulations interface {
	Modulations() []modem.Modulation
}

// capModulations keeps of ours those the line allows; all of ours when
// the line says nothing.
func capModulations(ours, line []modem.Modulation) []modem.Modulation {
	if len(line) == 0 {
		return ours
	}
	var out []modem.Modulation
	for _, m := range ours {
		for _, l := range line {
			if longTrain(l) == longTrain(m) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// remoteModulations lists what a DIS offers as T.31 codes.
func remoteModulations(caps Capabilities) []modem.Modulation {
	var out []modem.Modulation
	for _, r := range caps.BitRates() {
		out = append(out, modulationOf(r))
	}
	return out
}

// ourDIS is what this station offers when it answers: every rate its
// modem has, all resolutions, MR, any width and length, no minimum scan
// line time (the decoder keeps up at any speed).
func (o *Options) ourDIS() Capabilities {
	mods := o.modulations()
	has := func(m modem.Modulation) bool {
		for _, x := range mods {
			if longTrain(x) == m {
				return true
			}
		}
		return false
	}
	var ms Modems
	switch {
	case has(modem.V17At14400) || has(modem.V17At12000):
		ms = ModemsV27terV29V17
	case has(modem.V29At9600) || has(modem.V29At7200):
		ms = ModemsV27terV29
	case has(modem.V27ter4800):
		ms = ModemsV27ter
	default:
		ms = ModemsV27terFallback
	}
	return Capabilities{
		ReadyToReceive:  true,
		Modems:          ms,
		Resolutions:     ResolutionSet(0).With(ResStandard).With(ResFine).With(ResSuperfine),
		MR:              !o.NoMR,
		MaxWidth:        WidthA3,
		MaxLength:       LengthUnlimited,
		ScanTime:        ScanCap0,
		ECM:             !o.NoECM,
		MMR:             !o.NoECM && !o.NoMMR,
		MetricPreferred: true,
	}
}

// pagesCoding maps a DCS coding to the codec's.
func pagesCoding(c Coding) pages.Coding {
	switch c {
	case CodingMR:
		return pages.MR
	case CodingMMR:
		return pages.MMR
	}
	return pages.MH
}

// pagesResolution maps a DCS resolution to the codec's.
func pagesResolution(r Resolution) pages.Resolution {
	switch r {
	case ResFine:
		return pages.Fine
	case ResSuperfine, Res300, Res400:
		return pages.Superfine
	}
	return pages.Standard
}

// resolutionOf gives the T.30 resolution of a page: from its dots per inch
// when known, else from its height (an A4 page has about 1143 rows at
// standard and 2287 at fine).
func resolutionOf(p *pages.Page) Resolution {
	var r pages.Resolution
	switch {
	case p.YDPI > 0:
		r = pages.ResolutionOf(p.YDPI)
	case p.Height > 3500:
		r = pages.Superfine
	case p.Height > 1600:
		r = pages.Fine
	default:
		r = pages.Standard
	}
	switch r {
	case pages.Fine:
		return ResFine
	case pages.Superfine:
		return ResSuperfine
	}
	return ResStandard
}

// choose picks the DCS for a page (T.30 5.3.6.2.3): rate mod (from the
// ladder), the page's resolution or the best lower one the receiver has,
// MR when both have it, the page's width, a length the receiver takes,
// and the receiver's minimum scan line time.
func (o *Options) choose(caps Capabilities, mod modem.Modulation, p *pages.Page) (Params, error) {
	res := resolutionOf(p)
	for res != ResStandard && !caps.Resolutions.Has(res) {
		res--
	}
	width := WidthA4
	switch {
	case p.Width > WidthPels(WidthB4) && caps.MaxWidth == WidthA3:
		width = WidthA3
	case p.Width > WidthPels(WidthA4) && caps.MaxWidth >= WidthB4:
		width = WidthB4
	}
	// The longest length the receiver takes, so that pages of different
	// lengths need no new negotiation (EOM).
	length := caps.MaxLength
	ecm := caps.ECM && !o.NoECM
	coding := CodingMH
	switch {
	case ecm && caps.MMR && !o.NoMMR:
		coding = CodingMMR // T.6 only with ECM (T.30 Table 2 note)
	case caps.MR && !o.NoMR:
		coding = CodingMR
	}
	scan := caps.MinScanTime(res)
	if ecm {
		scan = Scan0
	}
	return Params{
		Receive:    true,
		Rate:       bitRateOf(mod),
		Resolution: res,
		Coding:     coding,
		Width:      width,
		Length:     length,
		ScanTime:   scan,
		ECM:        ecm,
		Frame64:    ecm && caps.Prefer64,
	}, nil
}

// WidthPels returns the pixels across a page of width w at 8 pels/mm.
func WidthPels(w Width) int {
	switch w {
	case WidthB4:
		return pages.WidthB4
	case WidthA3:
		return pages.WidthA3
	}
	return pages.WidthA4
}

// prepare fits a page to the chosen parameters: the width the DCS says
// (padded with white, or scaled down when wider) and the resolution
// (rows merged when the receiver lacks the page's resolution).
func prepare(p *pages.Page, ps Params) (*pages.Page, error) {
	want := WidthPels(ps.Width)
	from, to := resolutionOf(p), ps.Resolution
	factor := 1
	for r := from; r > to; r-- {
		factor *= 2
	}
	if p.Width == want && factor == 1 {
		return p, nil
	}
	h := (p.Height + factor - 1) / factor
	q, err := pages.NewPage(want, h)
	if err != nil {
		return nil, fmt.Errorf("t30: preparing page: %w", err)
	}
	xd, yd := pagesResolution(to).DPI()
	q.XDPI, q.YDPI = xd, yd
	for y := 0; y < p.Height; y++ {
		dst := q.Row(y / factor)
		src := p.Row(y)
		if p.Width <= want {
			// Same scale: OR the rows (black wins when merging).
			for i := range src {
				dst[i] |= src[i]
			}
			continue
		}
		// Wider: scale down horizontally, a black source pixel blackens
		// the target pixel it falls in.
		for x := 0; x < p.Width; x++ {
			if src[x/8]&(0x80>>(x%8)) != 0 {
				tx := x * want / p.Width
				dst[tx/8] |= 0x80 >> (tx % 8)
			}
		}
	}
	return q, nil
}
