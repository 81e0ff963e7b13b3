package render

import (
	"image"
	"math/bits"

	"faxbox/pages"
)

// tone is how a grey image becomes black and white.
type tone struct {
	photo     bool
	threshold uint8 // line art: a pixel at or below it is black
}

// levels is a grey-level histogram of an image, and the histogram of its
// smooth mid-tones: mid-grey pixels whose four neighbours are mid-grey too,
// as in the continuous tones of a photograph (the grey edge pixels of
// anti-aliased text and line art have black or white neighbours).
type levels struct {
	all, smooth [256]int
}

func isMid(v uint8) bool { return v >= 48 && v < 208 }

// histogram counts the grey levels of the stored pixels, sampling at most
// about a million of them.
func (s *graySrc) histogram() levels {
	var lv levels
	w, ht := s.o.w, s.o.h
	if s.o.swapsAxes() {
		w, ht = ht, w
	}
	step := 1
	for (w/step)*(ht/step) > 1<<20 {
		step++
	}
	for y := 0; y < ht; y += step {
		row := s.pix[y*s.stride : y*s.stride+w]
		for x := 0; x < w; x += step {
			v := row[x]
			lv.all[v]++
			if isMid(v) && x > 0 && x < w-1 && y > 0 && y < ht-1 &&
				isMid(row[x-1]) && isMid(row[x+1]) && isMid(s.pix[(y-1)*s.stride+x]) && isMid(s.pix[(y+1)*s.stride+x]) {
				lv.smooth[v]++
			}
		}
	}
	return lv
}

// classify decides between line art and photograph from a histogram.
//
// Line art, text and scans of documents have two well separated groups of
// grey levels, ink and paper: Otsu's threshold splits them and the
// between-class variance is nearly all of the variance (eta near 1); their
// few mid-tones are edges. Photographs spread over the grey scale (eta is
// 0.64 for a normal distribution, 0.75 for a uniform one) in smooth areas
// of mid-tone. An image is a photograph when it has many mid-tones and a
// low eta, or when at least 2% of it is smooth mid-tone spread over 48 or
// more grey levels (a photograph on an otherwise white page). Line art is
// thresholded at Otsu's level; photographs go through the halftone screen
// with their tones as drawn, which also keeps the pure black and white of
// any text beside them exact.
func classify(lv levels) tone {
	h := lv.all
	var n, sum float64
	for v, c := range h {
		n += float64(c)
		sum += float64(v) * float64(c)
	}
	if n == 0 {
		return tone{threshold: 127}
	}
	mean := sum / n
	var total float64
	for v, c := range h {
		d := float64(v) - mean
		total += d * d * float64(c)
	}
	total /= n
	// Otsu: maximise the between-class variance.
	best, bestT := -1.0, 127
	var w0, s0 float64
	for t := 0; t < 255; t++ {
		w0 += float64(h[t])
		s0 += float64(t) * float64(h[t])
		if w0 == 0 || w0 == n {
			continue
		}
		m0, m1 := s0/w0, (sum-s0)/(n-w0)
		b := w0 * (n - w0) / (n * n) * (m0 - m1) * (m0 - m1)
		if b > best {
			best, bestT = b, t
		}
	}
	var mid float64
	for v := 48; v < 208; v++ {
		mid += float64(h[v])
	}
	mid /= n
	eta := 1.0
	if total > 0 {
		eta = best / total
	}
	if total < 1 {
		// A flat image: keep it white unless it is dark.
		return tone{threshold: 127}
	}
	var smooth float64
	spread := 0
	for _, c := range lv.smooth {
		smooth += float64(c)
	}
	for _, c := range lv.smooth {
		if c > 0 && float64(c) >= smooth/1000 {
			spread++
		}
	}
	photo := eta < 0.85 && mid >= 0.06 || smooth >= 0.02*n && spread >= 48
	if !photo {
		return tone{threshold: uint8(bestT)}
	}
	return tone{photo: true}
}

// apply draws g onto page p with its top-left at (x0, y0): thresholded
// (line art) or, for photographs, through the clustered-dot screen made
// for the page's resolution (newScreen). Both are one comparison a pixel
// against a row of thresholds, packed eight pixels a byte.
func (t *tone) apply(p *pages.Page, g *image.Gray, x0, y0 int) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	xa, xb := max(0, -x0), min(w, p.Width-x0)
	if xa >= xb {
		return
	}
	var rows [][]uint8
	if t.photo {
		rows = newScreen(p.XDPI, p.YDPI).rows(p.Width)
	} else {
		flat := make([]uint8, p.Width)
		for i := range flat {
			flat[i] = t.threshold + 1 // threshold < 255 (classify)
		}
		rows = [][]uint8{flat}
	}
	for y := max(0, -y0); y < h && y0+y < p.Height; y++ {
		threshold(p.Row(y0+y), g.Pix[y*g.Stride:y*g.Stride+w], rows[(y0+y)%len(rows)], x0, xa, xb)
	}
}

// threshold sets the bits of out (a packed page row) where src[x] is below
// thr[x0+x], for x in [xa, xb).
func threshold(out, src, thr []uint8, x0, xa, xb int) {
	src, thr = src[xa:xb], thr[x0+xa:x0+xb]
	px := x0 + xa
	// Up to the first byte boundary bit by bit, then whole bytes.
	i := 0
	for ; i < len(src) && (px+i)&7 != 0; i++ {
		if src[i] < thr[i] {
			out[(px+i)>>3] |= 0x80 >> ((px + i) & 7)
		}
	}
	for ; i+8 <= len(src); i += 8 {
		s, t := src[i:i+8:i+8], thr[i:i+8:i+8]
		// Branch-free: s < t exactly when s - t wraps, setting the top
		// bit of a uint (bit 31 on the 32-bit boards, 63 elsewhere).
		var b uint
		for k := range 8 {
			b = b<<1 | (uint(s[k])-uint(t[k]))>>(bits.UintSize-1)
		}
		out[(px+i)>>3] |= byte(b)
	}
	for ; i < len(src); i++ {
		if src[i] < thr[i] {
			out[(px+i)>>3] |= 0x80 >> ((px + i) & 7)
		}
	}
}
