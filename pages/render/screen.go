package render

import (
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// screen is an ordered, clustered-dot halftone screen: a tile of w x h
// pixels, repeated over the page, whose pixels turn black one after the
// other as the grey darkens, growing dots from the centres of the screen's
// cells (and, past mid-grey, shrinking white dots between them).
//
// Clustered dots suit fax coding: a dot is one run on each of the rows it
// spans, and its edges move little from one row to the next, so that
// modified READ (T.4 4.2, T.6) codes them mostly in vertical mode, a few
// bits a dot. Error diffusion, whose scattered pixels make runs of one or
// two, codes to several times more.
type screen struct {
	w, h  int
	level []uint8 // level[y*w+x]: the pixel is black when the grey is below it
}

// screenCell is half the screen's period along the page's axes, in
// horizontal fax pixels (1/204 inch): the dots sit on a 45-degree lattice
// 4 x 1.41 = 5.7 pixels apart, about 36 lines per inch, the coarse screen
// of fax machines' photo modes, which codes a page-sized photograph in
// 60 to 120 KB of MMR: one to two minutes at 9600 bit/s.
const screenCell = 4

// newScreen returns the screen for pixels of xdpi by ydpi: dots on a
// 45-degree lattice whose shape is round on paper at any resolution.
func newScreen(xdpi, ydpi float64) *screen {
	aspect := 1.0 // a pixel's height over its width
	if xdpi > 0 && ydpi > 0 {
		aspect = xdpi / ydpi
	}
	c := float64(screenCell)
	w := 2 * screenCell
	h := max(1, int(math.Round(2*c/aspect)))
	ay := 2 * c / float64(h) // the tile is exactly one period tall
	type px struct {
		i    int
		spot float64
	}
	pxs := make([]px, 0, w*h)
	for y := range h {
		for x := range w {
			// The spot function cos(pi X/c) cos(pi Y/c) peaks at the
			// black dots' centres (0,0) and (c,c), in physical units.
			X, Y := float64(x)+0.5, (float64(y)+0.5)*ay
			s := math.Cos(math.Pi*X/c) * math.Cos(math.Pi*Y/c)
			// Ties (the symmetry of the two dots of a tile) go to the
			// dot at the tile's corner first, alternating the two dots.
			s += 1e-6 * float64(w*h-y*w-x) / float64(w*h)
			pxs = append(pxs, px{y*w + x, s})
		}
	}
	slices.SortStableFunc(pxs, func(a, b px) int {
		switch {
		case a.spot > b.spot:
			return -1
		case a.spot < b.spot:
			return 1
		}
		return 0
	})
	sc := &screen{w: w, h: h, level: make([]uint8, w*h)}
	n := len(pxs)
	for r, p := range pxs {
		// The r-th pixel to darken is black below (n-r-1/2)/n of white.
		sc.level[p.i] = uint8((float64(n-r) - 0.5) * 256 / float64(n))
	}
	return sc
}

// Grey at or above paperLevel (of white) is printed white, at or below
// inkLevel black, and the greys between are stretched over the screen's
// levels: the paper of a grey scan comes out clean, not dotted, and its
// ink solid.
const paperLevel, inkLevel = 0.95, 0.05

// transfer maps a grey (0 black, 255 white) to the grey the screen prints.
func transfer(v int) int {
	f := float64(v) / 255
	switch {
	case f >= paperLevel:
		return 255
	case f <= inkLevel:
		return 0
	}
	return int(math.Round((f - inkLevel) / (paperLevel - inkLevel) * 255))
}

// rows returns the screen's h rows expanded to width pixels, with the
// levels moved through transfer to the source's grey scale: transfer(v)
// is below a level exactly when v is below the returned threshold. Row i
// applies to the page rows y with y % h == i, so that the dots of images
// side by side on one page line up.
func (sc *screen) rows(width int) [][]uint8 {
	var inv [256]uint8 // inv[l]: the least v with transfer(v) >= l
	v := 0
	for l := range 256 {
		for v < 255 && transfer(v) < l {
			v++
		}
		inv[l] = uint8(v)
	}
	out := make([][]uint8, sc.h)
	for y := range sc.h {
		r := make([]uint8, width)
		tile := sc.level[y*sc.w : (y+1)*sc.w]
		for x := range r {
			r[x] = inv[tile[x%sc.w]]
		}
		out[y] = r
	}
	return out
}

// postScript returns PostScript that makes the screen Ghostscript's
// halftone, a type 3 halftone (a threshold array, PLRM 7.4.5), with
// transfer as its transfer function (settransfer, PLRM 7.3), both set by
// the page device's Install procedure (PLRM 6.2.5) so that they hold on
// every page. Ghostscript paints a pixel black when its grey is below the
// threshold, as rows does; a threshold of 0 is read as 1.
func (sc *screen) postScript() string {
	return "<< /Install { << /HalftoneType 3 /Width " + strconv.Itoa(sc.w) + " /Height " + strconv.Itoa(sc.h) +
		" /Thresholds <" + hex.EncodeToString(sc.level) + "> >> sethalftone " +
		fmt.Sprintf("{ dup %[2]g ge { pop 1 } { dup %[1]g le { pop 0 } { %[1]g sub %[3]g div } ifelse } ifelse } settransfer",
			inkLevel, paperLevel, paperLevel-inkLevel) +
		" } >> setpagedevice"
}
