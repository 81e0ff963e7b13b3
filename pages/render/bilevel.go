package render

import (
	"image"

	"faxbox/pages"
)

// tone is how a grey image becomes black and white.
type tone struct {
	photo     bool
	threshold uint8      // line art: a pixel at or below it is black
	lut       [256]uint8 // photo: contrast stretch applied before dithering
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
// thresholded at Otsu's level; photographs are contrast-stretched between
// their 1st and 99th percentiles and error-diffused, which also keeps the
// pure black and white of any text beside them exact.
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
	t := tone{photo: true}
	lo, hi, acc := 0, 255, 0.0
	for v := 0; v < 256; v++ {
		if acc += float64(h[v]); acc > n*0.01 {
			lo = v
			break
		}
	}
	acc = 0
	for v := 255; v >= 0; v-- {
		if acc += float64(h[v]); acc > n*0.01 {
			hi = v
			break
		}
	}
	if hi-lo < 32 {
		lo, hi = 0, 255
	}
	for v := range t.lut {
		t.lut[v] = uint8(min(max((v-lo)*255/(hi-lo), 0), 255))
	}
	return t
}

// apply draws g onto page p with its top-left at (x0, y0): thresholded, or
// for photographs error-diffused with the Floyd-Steinberg weights in
// serpentine order (alternate rows run right to left, which avoids the
// diagonal "worms" of one-way diffusion).
func (t *tone) apply(p *pages.Page, g *image.Gray, x0, y0 int) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	if !t.photo {
		// Clip to the page once, then set bits without Page.Set.
		xa, xb := max(0, -x0), min(w, p.Width-x0)
		for y := max(0, -y0); y < h && y0+y < p.Height; y++ {
			row := g.Pix[y*g.Stride : y*g.Stride+w]
			out := p.Row(y0 + y)
			for x := xa; x < xb; x++ {
				if row[x] <= t.threshold {
					px := x0 + x
					out[px>>3] |= 0x80 >> (px & 7)
				}
			}
		}
		return
	}
	cur := make([]int32, w+2)
	next := make([]int32, w+2)
	for y := 0; y < h; y++ {
		row := g.Pix[y*g.Stride : y*g.Stride+w]
		for x, v := range row {
			cur[x+1] += int32(t.lut[v]) << 4
		}
		ltr := y%2 == 0
		for i := 0; i < w; i++ {
			x, d := i, 1
			if !ltr {
				x, d = w-1-i, -1
			}
			v := cur[x+1]
			out := int32(255 << 4)
			if v < 128<<4 {
				out = 0
				p.Set(x0+x, y0+y, true)
			}
			e := v - out
			cur[x+1+d] += e * 7 / 16
			next[x+1-d] += e * 3 / 16
			next[x+1] += e * 5 / 16
			next[x+1+d] += e / 16
		}
		cur, next = next, cur
		clear(next)
	}
}
