package render

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"

	"faxbox/pages"
)

// maxJPEGScans bounds the scans of a progressive JPEG: each scan makes the
// decoder walk the whole image again, so thousands of tiny scans are a
// CPU bomb. Real encoders write about ten.
const maxJPEGScans = 100

// decodeConfig reads an image's size from its header and enforces
// MaxPixels before any pixel is decoded.
// When r is nil it reads data.
func (d *Document) decodeConfig(kind string, data []byte, r io.Reader) (image.Config, error) {
	var cfg image.Config
	var err error
	if r == nil {
		r = bytes.NewReader(data)
	}
	switch kind {
	case "png":
		cfg, err = png.DecodeConfig(r)
	case "jpeg":
		cfg, err = jpeg.DecodeConfig(r)
		if n := bytes.Count(data, []byte{0xff, 0xda}); err == nil && n > maxJPEGScans {
			return cfg, &LimitError{What: "jpeg scans", Got: int64(n), Max: maxJPEGScans}
		}
	case "gif":
		cfg, err = gif.DecodeConfig(r)
	case "bmp":
		cfg, err = bmp.DecodeConfig(r)
	case "tiff":
		cfg, err = tiff.DecodeConfig(r)
	case "webp":
		cfg, err = webp.DecodeConfig(r)
	default:
		return cfg, fmt.Errorf("%w: image/%s", ErrUnsupported, kind)
	}
	if err != nil {
		if w, h, ok := pngSize(kind, data); ok && int64(w)*int64(h) > d.r.lim.MaxPixels {
			// image/png refuses sizes whose pixel count overflows an int
			// (32-bit boards) before it says how large they are.
			return cfg, &LimitError{What: "pixels", Got: int64(w) * int64(h), Max: d.r.lim.MaxPixels, Width: w, Height: h}
		}
		return cfg, &FormatError{Format: kind, Err: err}
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return cfg, &FormatError{Format: kind, Err: fmt.Errorf("image size %dx%d", cfg.Width, cfg.Height)}
	}
	px := int64(cfg.Width) * int64(cfg.Height)
	if px > d.r.lim.MaxPixels {
		return cfg, &LimitError{What: "pixels", Got: px, Max: d.r.lim.MaxPixels, Width: cfg.Width, Height: cfg.Height}
	}
	if need := px * decodeCost(kind, cfg.ColorModel, data); need > d.r.lim.MaxDecodeMemory {
		return cfg, &LimitError{What: "decode memory", Got: need, Max: d.r.lim.MaxDecodeMemory, Width: cfg.Width, Height: cfg.Height}
	}
	return cfg, nil
}

// pngSize reads the width and height of a PNG's IHDR chunk, which must
// come first (PNG 11.2.2).
func pngSize(kind string, data []byte) (w, h int, ok bool) {
	if kind != "png" || len(data) < 24 || string(data[12:16]) != "IHDR" {
		return 0, 0, false
	}
	w, h = int(binary.BigEndian.Uint32(data[16:20])&0x7fffffff), int(binary.BigEndian.Uint32(data[20:24])&0x7fffffff)
	return w, h, w > 0 && h > 0
}

// decodeCost is the bytes per pixel that decoding an image and making it
// grey (toGray) takes, from its header's colour model: the decoded image
// (1 byte a pixel for grey and paletted images, 3 for YCbCr, 4 for RGBA
// and CMYK, 8 for 16-bit colour) and the grey copy unless the decoder's
// result is grey already (Gray, or the Y plane of YCbCr). A progressive
// JPEG also keeps every DCT coefficient of every component until its
// last scan (image/jpeg's progCoeffs: 64 int32 per 8x8 block, 4 bytes a
// pixel a component).
func decodeCost(kind string, m color.Model, data []byte) int64 {
	var cost int64
	switch m {
	case color.GrayModel:
		cost = 1
	case color.YCbCrModel:
		cost = 3
	case color.Gray16Model:
		cost = 2 + 1
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel, color.NYCbCrAModel:
		cost = 4 + 1
	case color.RGBA64Model, color.NRGBA64Model:
		cost = 8 + 1
	default: // a palette
		cost = 1 + 1
	}
	if kind == "jpeg" && bytes.Contains(data, []byte{0xff, 0xc2}) { // SOF2: progressive (T.81 Table B.1)
		comps := int64(1)
		if m != color.GrayModel {
			comps = 3
		}
		cost += 4 * comps
	}
	return cost
}

// decodeGray decodes an image (whose header decodeConfig has checked) into
// grey, compositing any transparency over white paper.
func decodeGray(kind string, data []byte) (*image.Gray, error) {
	var img image.Image
	var err error
	r := bytes.NewReader(data)
	switch kind {
	case "png":
		img, err = png.Decode(r)
	case "jpeg":
		img, err = jpeg.Decode(r)
	case "gif":
		img, err = gif.Decode(r)
	case "bmp":
		img, err = bmp.Decode(r)
	case "tiff":
		img, err = tiff.Decode(r)
	case "webp":
		img, err = webp.Decode(r)
	}
	if err != nil {
		return nil, &FormatError{Format: kind, Err: err}
	}
	return toGray(img), nil
}

// toGray converts any image to grey with BT.601 luma, over white.
func toGray(img image.Image) *image.Gray {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.Gray:
		return m
	case *image.YCbCr:
		// Luma is the Y plane: no conversion, no copy.
		return &image.Gray{Pix: m.Y[m.YOffset(b.Min.X, b.Min.Y):], Stride: m.YStride, Rect: image.Rect(0, 0, b.Dx(), b.Dy())}
	}
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	if pm, ok := img.(*image.Paletted); ok {
		var lut [256]uint8
		for i, c := range pm.Palette {
			lut[i] = grayOverWhite(c)
		}
		for y := 0; y < b.Dy(); y++ {
			src := pm.Pix[y*pm.Stride : y*pm.Stride+b.Dx()]
			dst := g.Pix[y*g.Stride:]
			for x, v := range src {
				dst[x] = lut[v]
			}
		}
		return g
	}
	for y := 0; y < b.Dy(); y++ {
		dst := g.Pix[y*g.Stride:]
		for x := 0; x < b.Dx(); x++ {
			dst[x] = grayOverWhite(img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return g
}

func grayOverWhite(c color.Color) uint8 {
	r, g, b, a := c.RGBA() // premultiplied
	w := 0xffff - a
	lum := (299*(r+w) + 587*(g+w) + 114*(b+w) + 500) / 1000
	return uint8(min(lum, 0xffff) >> 8)
}

// fit is how a shown image is placed: its size on the page in pixels,
// rotated to portrait or not, and over how many pages it is split.
type fit struct {
	rotate     bool
	dstW, dstH int
	pages      int
}

// fitImage scales an image of shown size w x h whose shown pixels are
// aspect times as tall as wide to the printable area of g, keeping its
// aspect. A landscape image is turned a quarter turn when that makes it
// more than 5% larger; an image more than twice as tall as the area at
// full width is split across pages at full width rather than shrunk.
func fitImage(g Geometry, w, h int, aspect float64) fit {
	aw, ah := float64(g.Area.Dx()), float64(g.Area.Dy())
	pw, ph := float64(w), float64(h)*aspect // physical, in shown pixel widths
	k := func(pw, ph float64) float64 {
		return min(aw/g.XDPI/pw, ah/g.YDPI/ph) // inches per unit
	}
	kw := aw / g.XDPI / pw
	if rows := ph * kw * g.YDPI; rows > 2*ah {
		return fit{dstW: int(aw), dstH: int(math.Round(rows)), pages: int(math.Ceil(rows / ah))}
	}
	f := fit{pages: 1}
	kk := k(pw, ph)
	if kr := k(ph, pw); kr > kk*1.05 {
		f.rotate, kk = true, kr
		pw, ph = ph, pw
	}
	f.dstW = min(max(int(math.Round(pw*kk*g.XDPI)), 1), g.Area.Dx())
	f.dstH = min(max(int(math.Round(ph*kk*g.YDPI)), 1), g.Area.Dy())
	return f
}

// rasterPages returns the generator of the pages of one grey image. load
// decodes it when the pages are wanted; aspect is a stored pixel's height
// over its width; exif is the EXIF orientation (1 when none).
func (d *Document) rasterPages(w, h int, aspect float64, exif int, load func() (*image.Gray, error)) (n int, gen func(ctx context.Context, emit func(*pages.Page) bool) error) {
	g := d.r.geom
	o := exifOrient(exif, w, h)
	shownAspect := aspect
	if o.swapsAxes() {
		shownAspect = 1 / aspect
	}
	f := fitImage(g, o.w, o.h, shownAspect)
	gen = func(ctx context.Context, emit func(*pages.Page) bool) error {
		img, err := load()
		if err != nil {
			return err
		}
		if img.Rect.Dx() != w || img.Rect.Dy() != h {
			return fmt.Errorf("decoded image is %dx%d, header said %dx%d", img.Rect.Dx(), img.Rect.Dy(), w, h)
		}
		src := &graySrc{pix: img.Pix, stride: img.Stride, o: o, aspect: aspect}
		if f.rotate {
			src.o = src.o.rotateCCW()
		}
		t := classify(src.histogram())
		rs := newResampler(src, f.dstW, f.dstH)
		ah := g.Area.Dy()
		for i := 0; i < f.pages; i++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			y0, y1 := i*ah, min((i+1)*ah, f.dstH)
			band := rs.rows(y0, y1)
			pg := g.newPage()
			x := g.Area.Min.X + (g.Area.Dx()-f.dstW)/2
			y := g.Area.Min.Y
			if f.pages == 1 {
				y += (ah - f.dstH) / 2
			}
			t.apply(pg, band, x, y)
			if !emit(pg) {
				return nil
			}
		}
		return nil
	}
	return f.pages, gen
}

// planImage checks a PNG, JPEG, GIF, BMP or WebP image and plans its pages.
func (d *Document) planImage(kind string, data []byte) (*part, error) {
	cfg, err := d.decodeConfig(kind, data, nil)
	if err != nil {
		return nil, err
	}
	exif := 1
	if kind == "jpeg" {
		exif = jpegOrientation(data)
	}
	n, gen := d.rasterPages(cfg.Width, cfg.Height, 1, exif, func() (*image.Gray, error) { return decodeGray(kind, data) })
	return &part{kind: kind, n: n, gen: gen}, nil
}
