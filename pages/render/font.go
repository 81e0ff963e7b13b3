package render

import (
	"fmt"
	"image"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"

	"faxbox/pages"
)

// fonts are the parsed embedded Go fonts, shared read-only by every
// Document (sfnt.Font is safe for concurrent use with separate Buffers).
type fonts struct {
	regular, bold, mono *sfnt.Font
}

func loadFonts() (*fonts, error) {
	var fs fonts
	for _, f := range []struct {
		dst  **sfnt.Font
		ttf  []byte
		name string
	}{{&fs.regular, goregular.TTF, "goregular"}, {&fs.bold, gobold.TTF, "gobold"}, {&fs.mono, gomono.TTF, "gomono"}} {
		var err error
		if *f.dst, err = sfnt.Parse(f.ttf); err != nil {
			return nil, fmt.Errorf("render: font %s: %w", f.name, err)
		}
	}
	return &fs, nil
}

// coverageThreshold is the fraction of a pixel a glyph must cover for the
// pixel to be black. A little under half keeps thin strokes (the bar of an
// "e", serifs of digits) from dropping out at 98 lines per inch.
const coverageThreshold = 0.42

// face is one font at one size, rasterised straight to bilevel glyphs at
// the page's true (non-square) pixel aspect: the outline is scaled by
// size*xdpi/72 across and size*ydpi/72 down, so text has its real shape
// on paper. A face caches its glyphs and is not safe for concurrent use.
type face struct {
	f      *sfnt.Font
	buf    sfnt.Buffer
	upem   fixed.Int26_6
	sx, sy float64 // pixels per font unit (26.6 units of LoadGlyph at ppem = upem)
	// Metrics in pixels (rows for the vertical ones).
	ascent, descent, lineHeight int
	space                       float64 // advance of U+0020
	missAdv                     float64 // advance of the replacement box
	capHeight                   int
	cache                       map[sfnt.GlyphIndex]*glyph
	ras                         vector.Rasterizer
}

// glyph is a rasterised glyph: a bilevel bitmap placed relative to the pen
// (on the baseline), and its advance in pixels.
type glyph struct {
	dx, dy int // bitmap's top-left relative to the pen
	w, h   int
	bits   []bool
	adv    float64
}

func newFace(f *sfnt.Font, sizePt, xdpi, ydpi float64) (*face, error) {
	upem := f.UnitsPerEm()
	fc := &face{f: f, upem: fixed.I(int(upem)), cache: map[sfnt.GlyphIndex]*glyph{}}
	// LoadGlyph at ppem = upem returns coordinates in font units * 64.
	fc.sx = sizePt * xdpi / 72 / float64(upem) / 64
	fc.sy = sizePt * ydpi / 72 / float64(upem) / 64
	m, err := f.Metrics(&fc.buf, fc.upem, font.HintingNone)
	if err != nil {
		return nil, fmt.Errorf("render: font metrics: %w", err)
	}
	fc.ascent = int(math.Ceil(float64(m.Ascent) * fc.sy))
	fc.descent = int(math.Ceil(float64(m.Descent) * fc.sy))
	fc.lineHeight = max(int(math.Round(float64(m.Height)*fc.sy*1.08)), fc.ascent+fc.descent+1)
	fc.capHeight = int(math.Round(float64(m.CapHeight) * fc.sy))
	if fc.capHeight <= 0 {
		fc.capHeight = fc.ascent * 7 / 10
	}
	fc.space = fc.advance(' ')
	fc.missAdv = float64(fc.upem) * 0.6 * fc.sx
	return fc, nil
}

// index returns the glyph index of r, or 0 when the font has no glyph.
func (fc *face) index(r rune) sfnt.GlyphIndex {
	x, err := fc.f.GlyphIndex(&fc.buf, r)
	if err != nil {
		return 0
	}
	return x
}

func (fc *face) advance(r rune) float64 {
	x := fc.index(r)
	if x == 0 {
		return fc.missAdv
	}
	return fc.glyph(x).adv
}

// kern returns the kerning adjustment between two glyphs in pixels.
func (fc *face) kern(a, b sfnt.GlyphIndex) float64 {
	if a == 0 || b == 0 {
		return 0
	}
	k, err := fc.f.Kern(&fc.buf, a, b, fc.upem, font.HintingNone)
	if err != nil {
		return 0
	}
	return float64(k) * fc.sx
}

// glyph returns the rasterised glyph x, from the cache when possible.
func (fc *face) glyph(x sfnt.GlyphIndex) *glyph {
	if g, ok := fc.cache[x]; ok {
		return g
	}
	g := &glyph{}
	fc.cache[x] = g
	if adv, err := fc.f.GlyphAdvance(&fc.buf, x, fc.upem, font.HintingNone); err == nil {
		g.adv = float64(adv) * fc.sx
	}
	segs, err := fc.f.LoadGlyph(&fc.buf, x, fc.upem, nil)
	if err != nil || len(segs) == 0 {
		return g // blank (space) or unloadable: draws nothing
	}
	b := segs.Bounds()
	x0 := int(math.Floor(float64(b.Min.X) * fc.sx))
	y0 := int(math.Floor(float64(b.Min.Y) * fc.sy))
	x1 := int(math.Ceil(float64(b.Max.X) * fc.sx))
	y1 := int(math.Ceil(float64(b.Max.Y) * fc.sy))
	w, h := x1-x0, y1-y0
	if w <= 0 || h <= 0 || w > 4096 || h > 4096 {
		return g
	}
	fc.ras.Reset(w, h)
	px := func(p fixed.Point26_6) (float32, float32) {
		return float32(float64(p.X)*fc.sx - float64(x0)), float32(float64(p.Y)*fc.sy - float64(y0))
	}
	for _, s := range segs {
		switch s.Op {
		case sfnt.SegmentOpMoveTo:
			fc.ras.MoveTo(px(s.Args[0]))
		case sfnt.SegmentOpLineTo:
			fc.ras.LineTo(px(s.Args[0]))
		case sfnt.SegmentOpQuadTo:
			ax, ay := px(s.Args[0])
			bx, by := px(s.Args[1])
			fc.ras.QuadTo(ax, ay, bx, by)
		case sfnt.SegmentOpCubeTo:
			ax, ay := px(s.Args[0])
			bx, by := px(s.Args[1])
			cx, cy := px(s.Args[2])
			fc.ras.CubeTo(ax, ay, bx, by, cx, cy)
		}
	}
	fc.ras.ClosePath()
	mask := image.NewAlpha(image.Rect(0, 0, w, h))
	fc.ras.Draw(mask, mask.Bounds(), image.Opaque, image.Point{})
	g.dx, g.dy, g.w, g.h = x0, y0, w, h
	g.bits = make([]bool, w*h)
	lim := uint8(math.Round(coverageThreshold * 255))
	for i, a := range mask.Pix {
		g.bits[i] = a > lim
	}
	return g
}

// draw paints glyph x with its pen at (px, baseline) onto p, clipped to clip.
func (fc *face) draw(p *pages.Page, x sfnt.GlyphIndex, px, baseline int, clip rect) {
	g := fc.glyph(x)
	for j := 0; j < g.h; j++ {
		y := baseline + g.dy + j
		if y < clip.y0 || y >= clip.y1 {
			continue
		}
		row := g.bits[j*g.w : (j+1)*g.w]
		for i, on := range row {
			if on {
				if xx := px + g.dx + i; xx >= clip.x0 && xx < clip.x1 {
					p.Set(xx, y, true)
				}
			}
		}
	}
}

// drawMissing paints the replacement box for a character the font lacks:
// an outlined rectangle of cap height, so that the reader sees that
// something is there.
func (fc *face) drawMissing(p *pages.Page, px, baseline int, clip rect) {
	w := int(fc.missAdv)
	x0, x1 := px+max(1, w/8), px+w-max(1, w/8)
	y0, y1 := baseline-fc.capHeight, baseline
	const vt = 2                                   // vertical stroke width in pixels
	ht := max(1, int(math.Round(fc.sy/fc.sx*1.5))) // horizontal stroke height in rows
	fill := func(ax, ay, bx, by int) {
		for y := max(ay, clip.y0); y < min(by, clip.y1); y++ {
			for x := max(ax, clip.x0); x < min(bx, clip.x1); x++ {
				p.Set(x, y, true)
			}
		}
	}
	fill(x0, y0, x1, y0+ht)
	fill(x0, y1-ht, x1, y1)
	fill(x0, y0, x0+vt, y1)
	fill(x1-vt, y0, x1, y1)
}

// rect is a clip rectangle in page pixels.
type rect struct{ x0, y0, x1, y1 int }
