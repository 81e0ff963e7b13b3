package render

import (
	"fmt"
	"image"
	"math"

	"faxbox/pages"
)

// Paper is the paper size a document is laid out for. Fax pages are always
// 1728 pixels (216 mm at 8 pels/mm, T.4 2.2) across; the paper decides the
// page length and the printable area inside the scan line.
type Paper uint8

// The paper sizes Faxbox lays pages out for.
const (
	A4     Paper = iota // ISO A4, 210 x 297 mm
	Letter              // US Letter, 8.5 x 11 in (215.9 x 279.4 mm)
)

// String returns "a4" or "letter", the names used in configuration.
func (p Paper) String() string {
	switch p {
	case A4:
		return "a4"
	case Letter:
		return "letter"
	}
	return fmt.Sprintf("Paper(%d)", p)
}

// ParsePaper parses "a4" or "letter".
func ParsePaper(s string) (Paper, error) {
	for p := A4; p <= Letter; p++ {
		if p.String() == s {
			return p, nil
		}
	}
	return 0, fmt.Errorf("render: unknown paper %q (want a4 or letter)", s)
}

// SizeMM returns the paper's width and height in millimetres.
func (p Paper) SizeMM() (w, h float64) {
	if p == Letter {
		return 215.9, 279.4
	}
	return 210, 297
}

// Margins are the blank borders of a page in millimetres, measured from the
// paper's edges. The header line (tagline) is drawn inside the top margin,
// so Top must leave room for it.
type Margins struct {
	Top, Bottom, Left, Right float64
}

// DefaultMargins returns the margins used when Options.Margins is the zero
// value: 12 mm at the top (the tagline is drawn in it), 10 mm elsewhere.
func DefaultMargins() Margins { return Margins{Top: 12, Bottom: 10, Left: 10, Right: 10} }

// pelsPerMM is the horizontal resolution of every fax resolution (T.4 2.2).
const pelsPerMM = 8.0

// Geometry is the pixel layout of every page of a document: the page size,
// its resolution and the printable area that content is placed in.
type Geometry struct {
	// Width and Height are the page size in pixels; Width is always
	// pages.WidthA4 (1728).
	Width, Height int
	// XDPI and YDPI are the resolution (pages.Resolution.DPI).
	XDPI, YDPI float64
	// Area is the printable area: the page less the margins.
	Area image.Rectangle
	// Tagline is the band at the top of the page that the header line is
	// drawn in; it lies inside the top margin.
	Tagline image.Rectangle
}

// NewGeometry returns the layout of a page of paper at resolution res with
// margins m (the zero Margins means DefaultMargins()). It fails when the
// margins leave no printable area.
func NewGeometry(paper Paper, res pages.Resolution, m Margins) (Geometry, error) {
	if m == (Margins{}) {
		m = DefaultMargins()
	}
	if paper > Letter {
		return Geometry{}, fmt.Errorf("render: unknown paper %v", paper)
	}
	if res > pages.Superfine {
		return Geometry{}, fmt.Errorf("render: unknown resolution %v", res)
	}
	wmm, hmm := paper.SizeMM()
	lpm := res.LinesPerMM()
	g := Geometry{Width: pages.WidthA4, Height: int(math.Round(hmm * lpm))}
	g.XDPI, g.YDPI = res.DPI()
	// The scan line is 216 mm; paper narrower than that is centred in it.
	off := (float64(g.Width) - wmm*pelsPerMM) / 2
	x0 := int(math.Round(off + m.Left*pelsPerMM))
	x1 := int(math.Round(off + (wmm-m.Right)*pelsPerMM))
	y0 := int(math.Round(m.Top * lpm))
	y1 := int(math.Round((hmm - m.Bottom) * lpm))
	x0, x1 = max(x0, 0), min(x1, g.Width)
	if m.Left < 0 || m.Right < 0 || m.Top < 0 || m.Bottom < 0 || x1-x0 < g.Width/4 || y1-y0 < g.Height/4 {
		return Geometry{}, fmt.Errorf("render: margins %+v leave too little printable area", m)
	}
	g.Area = image.Rect(x0, y0, x1, y1)
	// The tagline band: from 2 mm below the top edge to 2 mm above the
	// printable area, across the printable width.
	g.Tagline = image.Rect(x0, int(math.Round(2*lpm)), x1, max(y0-int(math.Round(1.5*lpm)), int(math.Round(2*lpm))+1))
	return g, nil
}

// newPage returns a blank page of the geometry's size and resolution.
func (g Geometry) newPage() *pages.Page {
	p, err := pages.NewPage(g.Width, g.Height)
	if err != nil {
		panic("render: geometry out of range: " + err.Error()) // NewGeometry bounds it
	}
	p.XDPI, p.YDPI = g.XDPI, g.YDPI
	return p
}
