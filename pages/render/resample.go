package render

import (
	"image"
	"math"
)

// graySrc is an 8-bit grey image (0 black, 255 white) as stored, with the
// orientation to show it in and the shape of its pixels.
type graySrc struct {
	pix    []byte
	stride int
	o      orient
	// aspect is a stored pixel's height over its width (1 for square
	// pixels, 204/98 for a standard-resolution fax page).
	aspect float64
}

// contrib is the weights of the source samples that make one output
// sample: an area average when shrinking, linear interpolation when
// enlarging. Equal sizes give the identity.
type contrib struct {
	start int
	w     []float32
}

func contribs(srcN, dstN int) []contrib {
	out := make([]contrib, dstN)
	scale := float64(srcN) / float64(dstN)
	for i := range out {
		if scale >= 1 {
			a, b := float64(i)*scale, float64(i+1)*scale
			j0, j1 := int(a), min(int(math.Ceil(b)), srcN)
			c := contrib{start: j0, w: make([]float32, 0, j1-j0)}
			for j := j0; j < j1; j++ {
				c.w = append(c.w, float32((min(b, float64(j+1))-max(a, float64(j)))/scale))
			}
			out[i] = c
			continue
		}
		c := (float64(i)+0.5)*scale - 0.5
		j := int(math.Floor(c))
		f := float32(c - float64(j))
		switch {
		case j < 0:
			out[i] = contrib{0, []float32{1}}
		case j >= srcN-1:
			out[i] = contrib{srcN - 1, []float32{1}}
		default:
			out[i] = contrib{j, []float32{1 - f, f}}
		}
	}
	return out
}

// resampler scales a graySrc, as shown, to dstW x dstH, producing any band
// of output rows on demand and holding only the source rows that band needs.
type resampler struct {
	src      *graySrc
	cx, cy   []contrib
	dstW     int
	winStart int
	win      [][]float32
	free     [][]float32
}

func newResampler(src *graySrc, dstW, dstH int) *resampler {
	return &resampler{src: src, cx: contribs(src.o.w, dstW), cy: contribs(src.o.h, dstH), dstW: dstW}
}

// hrow resamples shown source row oy horizontally into dst.
func (r *resampler) hrow(oy int, dst []float32) {
	s, o := r.src, r.src.o
	base := o.xy*oy + o.x0 + (o.yy*oy+o.y0)*s.stride
	step := o.xx + o.yx*s.stride
	for i, c := range r.cx {
		var sum float32
		p := base + c.start*step
		for _, w := range c.w {
			sum += w * float32(s.pix[p])
			p += step
		}
		dst[i] = sum
	}
}

// rows returns output rows [y0, y1) as a grey image. Calls must ask for
// increasing, non-overlapping bands.
func (r *resampler) rows(y0, y1 int) *image.Gray {
	out := image.NewGray(image.Rect(0, 0, r.dstW, y1-y0))
	acc := make([]float32, r.dstW)
	for y := y0; y < y1; y++ {
		c := r.cy[y]
		// Drop rows above this output row's window, add rows below it.
		for len(r.win) > 0 && r.winStart < c.start {
			r.free = append(r.free, r.win[0])
			r.win = r.win[1:]
			r.winStart++
		}
		if len(r.win) == 0 {
			r.winStart = c.start
		}
		for r.winStart+len(r.win) < c.start+len(c.w) {
			var buf []float32
			if n := len(r.free); n > 0 {
				buf, r.free = r.free[n-1], r.free[:n-1]
			} else {
				buf = make([]float32, r.dstW)
			}
			r.hrow(r.winStart+len(r.win), buf)
			r.win = append(r.win, buf)
		}
		clear(acc)
		for k, w := range c.w {
			row := r.win[c.start-r.winStart+k]
			for i, v := range row {
				acc[i] += w * v
			}
		}
		o := out.Pix[(y-y0)*out.Stride:]
		for i, v := range acc {
			o[i] = uint8(min(max(v+0.5, 0), 255))
		}
	}
	return out
}
