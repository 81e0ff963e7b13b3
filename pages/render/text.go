package render

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font/sfnt"

	"faxbox/pages"
)

// Font sizes in points. At standard resolution (98 lines per inch) an 11 pt
// line is 15 rows tall and a lower-case letter about 7: the smallest that
// still reads well on a fax. Fine and superfine use the same sizes with
// more rows.
const (
	bodyPt     = 11
	monoPt     = 10 // gomono at 10 pt gives 90 columns across an A4 page
	titlePt    = 22
	taglinePt  = 8
	tabColumns = 8
)

// glyphPos is one glyph of a laid-out line, at x pixels from the line start.
type glyphPos struct {
	fc   *face
	x    int32
	g    sfnt.GlyphIndex
	miss bool // the font has no glyph: draw the replacement box
}

// line is one laid-out line of text, or a horizontal rule.
type line struct {
	glyphs    []glyphPos
	ascent    int // rows above the baseline
	height    int // rows from this line's top to the next line's top
	rule      bool
	pageBreak bool // a form feed: start a new page with this line
}

// layoutText breaks UTF-8 text into lines of at most width pixels, all
// starting at x pixels from the left of the printable area (x0 is added
// to every glyph position). Newlines end paragraphs, form feeds start a new
// page, tabs advance to the next stop every eight spaces, spaces break
// lines, and words longer than a line are broken between characters.
// Control characters other than these are dropped; characters the font
// lacks are kept and drawn as replacement boxes.
func layoutText(text string, fc *face, x0, width int) []line {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	var lines []line
	tab := fc.space * tabColumns
	w := float64(width)
	for _, para := range strings.Split(text, "\n") {
		var cur []glyphPos
		x := 0.0
		wrapped, brk := false, false
		emit := func() {
			lines = append(lines, line{glyphs: cur, ascent: fc.ascent, height: fc.lineHeight, pageBreak: brk})
			cur, x, brk = nil, 0, false
		}
		for len(para) > 0 {
			r, n := utf8.DecodeRuneInString(para)
			switch {
			case r == '\f':
				if len(cur) > 0 || x > 0 {
					emit()
				}
				brk = true
				para = para[n:]
				continue
			case r == ' ':
				if !(wrapped && x == 0) {
					x += fc.space
				}
				para = para[n:]
				continue
			case r == '\t':
				x = (math.Floor(x/tab+1e-9) + 1) * tab
				if x >= w {
					emit()
					wrapped = true
				}
				para = para[n:]
				continue
			case unicode.IsControl(r):
				para = para[n:]
				continue
			}
			// A word: everything up to the next space, tab or form feed.
			end := strings.IndexAny(para, " \t\f")
			if end < 0 {
				end = len(para)
			}
			word := shape(fc, para[:end])
			para = para[end:]
			ww := wordWidth(word)
			switch {
			case x+ww <= w:
			case x > 0 && ww <= w:
				emit()
				wrapped = true
			default:
				// Too long for any line: break it between characters.
				for len(word) > 0 {
					i := 0
					for i < len(word) && (x+word[i].end <= w || i == 0 && x == 0) {
						i++
					}
					if i == 0 {
						emit()
						wrapped = true
						continue
					}
					for _, sg := range word[:i] {
						cur = append(cur, glyphPos{fc: fc, x: int32(x0 + int(math.Round(x+sg.x))), g: sg.g, miss: sg.miss})
					}
					base := word[i-1].end
					x += base
					word = word[i:]
					for j := range word {
						word[j].x -= base
						word[j].end -= base
					}
					if len(word) > 0 {
						emit()
						wrapped = true
					}
				}
				continue
			}
			for _, sg := range word {
				cur = append(cur, glyphPos{fc: fc, x: int32(x0 + int(math.Round(x+sg.x))), g: sg.g, miss: sg.miss})
			}
			x += ww
		}
		emit()
		wrapped = false
	}
	return lines
}

// shapedGlyph is a glyph of a word at x from the word's start; end is where
// the word would end after it.
type shapedGlyph struct {
	g      sfnt.GlyphIndex
	x, end float64
	miss   bool
}

// shape places the glyphs of a word (no spaces), with kerning. Control
// characters are dropped.
func shape(fc *face, s string) []shapedGlyph {
	var out []shapedGlyph
	x := 0.0
	var prev sfnt.GlyphIndex
	for _, r := range s {
		if unicode.IsControl(r) {
			continue
		}
		g := fc.index(r)
		sg := shapedGlyph{g: g}
		if g == 0 {
			sg.miss = true
			sg.x = x
			x += fc.missAdv
		} else {
			x += fc.kern(prev, g)
			sg.x = x
			x += fc.glyph(g).adv
		}
		sg.end = x
		prev = g
		out = append(out, sg)
	}
	return out
}

func wordWidth(w []shapedGlyph) float64 {
	if len(w) == 0 {
		return 0
	}
	return w[len(w)-1].end
}

// textWidth returns the width of a single-line string in pixels.
func textWidth(fc *face, s string) int {
	w := 0.0
	for i, word := range strings.Split(s, " ") {
		if i > 0 {
			w += fc.space
		}
		w += wordWidth(shape(fc, word))
	}
	return int(math.Ceil(w))
}

// drawLine paints a laid-out line with its top at y, offset by dx pixels.
func drawLine(p *pages.Page, l *line, dx, y int, clip rect) {
	if l.rule {
		t := max(2, l.height/6)
		for yy := y + l.height/2 - t/2; yy < y+l.height/2-t/2+t; yy++ {
			for x := clip.x0; x < clip.x1; x++ {
				p.Set(x, yy, true)
			}
		}
		return
	}
	base := y + l.ascent
	for _, gp := range l.glyphs {
		if gp.miss {
			gp.fc.drawMissing(p, dx+int(gp.x), base, clip)
		} else {
			gp.fc.draw(p, gp.g, dx+int(gp.x), base, clip)
		}
	}
}

// placedLine is a line at a vertical position (its top) on a page.
type placedLine struct {
	l *line
	y int
}

// paginate places lines on pages of the printable area area. The first
// page's lines start firstY rows down instead of at the top (below the
// header block); later pages start at the top.
func paginate(lines []line, areaY0, areaY1, firstY int) [][]placedLine {
	var out [][]placedLine
	var cur []placedLine
	y := firstY
	for i := range lines {
		l := &lines[i]
		if (l.pageBreak || y+l.height > areaY1) && (len(cur) > 0 || y > areaY0) {
			out = append(out, cur)
			cur, y = nil, areaY0
		}
		cur = append(cur, placedLine{l, y})
		y += l.height
	}
	if len(cur) > 0 || len(out) == 0 {
		out = append(out, cur)
	}
	return out
}
