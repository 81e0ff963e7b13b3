package pages

import (
	"fmt"
	"image"
	"image/color"
)

// Standard page widths in pixels at 8 pels/mm (T.4 clause 2.2): ISO A4,
// B4 and A3.
const (
	WidthA4 = 1728
	WidthB4 = 2048
	WidthA3 = 2432
)

// Limits that every decoder and reader in this package enforces, so that
// hostile input cannot make them allocate without bound.
const (
	// MaxWidth is the widest row accepted: A3 at 16 pels/mm (4864) with room.
	MaxWidth = 8192
	// MaxHeight is the most rows accepted on one page: more than two metres
	// of paper at superfine resolution.
	MaxHeight = 32768
)

// Resolution is a fax vertical resolution (T.30 DIS/DCS bits, T.4 2.2).
// The horizontal resolution of all three is 8 pels/mm (204 dpi).
type Resolution uint8

// The vertical resolutions of T.4.
const (
	Standard  Resolution = iota // 3.85 lines/mm, 98 lpi
	Fine                        // 7.7 lines/mm, 196 lpi
	Superfine                   // 15.4 lines/mm, 391 lpi
)

// String returns the name used in configuration and on the command line.
func (r Resolution) String() string {
	switch r {
	case Standard:
		return "standard"
	case Fine:
		return "fine"
	case Superfine:
		return "superfine"
	}
	return fmt.Sprintf("Resolution(%d)", r)
}

// LinesPerMM returns the nominal vertical resolution in lines per mm.
func (r Resolution) LinesPerMM() float64 {
	switch r {
	case Fine:
		return 7.7
	case Superfine:
		return 15.4
	}
	return 3.85
}

// DPI returns the horizontal and vertical resolution in dots per inch as
// fax software writes them in TIFF files (204 x 98, 204 x 196, 204 x 391).
func (r Resolution) DPI() (x, y float64) {
	switch r {
	case Fine:
		return 204, 196
	case Superfine:
		return 204, 391
	}
	return 204, 98
}

// ParseResolution parses "standard", "fine" or "superfine".
func ParseResolution(s string) (Resolution, error) {
	for r := Standard; r <= Superfine; r++ {
		if r.String() == s {
			return r, nil
		}
	}
	return 0, fmt.Errorf("pages: unknown resolution %q (want standard, fine or superfine)", s)
}

// ResolutionOf returns the fax resolution closest to a vertical resolution
// in dots per inch, as read from a TIFF file.
func ResolutionOf(ydpi float64) Resolution {
	switch {
	case ydpi >= 290:
		return Superfine
	case ydpi >= 150:
		return Fine
	}
	return Standard
}

// Page is a bilevel page: Height rows of Width pixels, packed eight to a
// byte with the leftmost pixel in the most significant bit, 1 = black.
// Each row takes Stride bytes; the unused low bits of a row's last byte are
// always zero. XDPI and YDPI give the resolution when known (0 otherwise).
//
// Page implements image.Image with color.Gray pixels (black or white).
type Page struct {
	Width, Height int
	Stride        int
	Pix           []byte
	XDPI, YDPI    float64
}

// NewPage returns an all-white page of the given size. It returns an error
// when the size is not positive or exceeds MaxWidth or MaxHeight.
func NewPage(width, height int) (*Page, error) {
	if width <= 0 || width > MaxWidth {
		return nil, fmt.Errorf("pages: width %d out of range 1..%d", width, MaxWidth)
	}
	if height < 0 || height > MaxHeight {
		return nil, fmt.Errorf("pages: height %d out of range 0..%d", height, MaxHeight)
	}
	stride := (width + 7) / 8
	return &Page{Width: width, Height: height, Stride: stride, Pix: make([]byte, stride*height)}, nil
}

// Row returns row y's packed bytes (a slice of Pix, not a copy).
func (p *Page) Row(y int) []byte { return p.Pix[y*p.Stride : (y+1)*p.Stride] }

// Black reports whether the pixel at (x, y) is black. Pixels outside the
// page are white.
func (p *Page) Black(x, y int) bool {
	if x < 0 || y < 0 || x >= p.Width || y >= p.Height {
		return false
	}
	return p.Pix[y*p.Stride+x/8]&(0x80>>(x%8)) != 0
}

// Set paints the pixel at (x, y) black or white; pixels outside the page are
// ignored.
func (p *Page) Set(x, y int, black bool) {
	if x < 0 || y < 0 || x >= p.Width || y >= p.Height {
		return
	}
	i, m := y*p.Stride+x/8, byte(0x80>>(x%8))
	if black {
		p.Pix[i] |= m
	} else {
		p.Pix[i] &^= m
	}
}

// Equal reports whether two pages have the same size and pixels.
func (p *Page) Equal(q *Page) bool {
	if p.Width != q.Width || p.Height != q.Height {
		return false
	}
	for y := 0; y < p.Height; y++ {
		if string(p.Row(y)) != string(q.Row(y)) {
			return false
		}
	}
	return true
}

// FirstDifference returns the first row and column where p and q differ,
// or ok = false when they are equal. Pages of different sizes differ at the
// first row past the shorter one, or at (0, 0) when widths differ.
func (p *Page) FirstDifference(q *Page) (x, y int, ok bool) {
	if p.Width != q.Width {
		return 0, 0, true
	}
	h := min(p.Height, q.Height)
	for y := 0; y < h; y++ {
		a, b := p.Row(y), q.Row(y)
		for i := range a {
			if a[i] != b[i] {
				d := a[i] ^ b[i]
				x := i * 8
				for d&0x80 == 0 {
					d <<= 1
					x++
				}
				return x, y, true
			}
		}
	}
	if p.Height != q.Height {
		return 0, h, true
	}
	return 0, 0, false
}

// ColorModel implements image.Image.
func (p *Page) ColorModel() color.Model { return color.GrayModel }

// Bounds implements image.Image.
func (p *Page) Bounds() image.Rectangle { return image.Rect(0, 0, p.Width, p.Height) }

// At implements image.Image: black pixels are color.Gray{0}, white ones
// color.Gray{255}.
func (p *Page) At(x, y int) color.Color {
	if p.Black(x, y) {
		return color.Gray{}
	}
	return color.Gray{Y: 255}
}

// Gray returns the page as an 8-bit grey image (0 black, 255 white), for
// PNG previews and other image encoders.
func (p *Page) Gray() *image.Gray {
	g := image.NewGray(p.Bounds())
	for y := 0; y < p.Height; y++ {
		row, out := p.Row(y), g.Pix[y*g.Stride:]
		for x := 0; x < p.Width; x++ {
			if row[x/8]&(0x80>>(x%8)) != 0 {
				out[x] = 0
			} else {
				out[x] = 255
			}
		}
	}
	return g
}

// FromImage converts any image into a page by a fixed threshold: a pixel
// darker than half intensity (after alpha over white) becomes black. It is
// meant for images that are already bilevel or nearly so (scans, line art);
// rendering photographs for fax is another package's job.
func FromImage(img image.Image) (*Page, error) {
	b := img.Bounds()
	p, err := NewPage(b.Dx(), b.Dy())
	if err != nil {
		return nil, err
	}
	if g, ok := img.(*image.Gray); ok {
		for y := 0; y < p.Height; y++ {
			off := g.PixOffset(b.Min.X, b.Min.Y+y)
			src := g.Pix[off : off+p.Width]
			row := p.Row(y)
			for x, v := range src {
				if v < 128 {
					row[x/8] |= 0x80 >> (x % 8)
				}
			}
		}
		return p, nil
	}
	for y := 0; y < p.Height; y++ {
		row := p.Row(y)
		for x := 0; x < p.Width; x++ {
			r, g, bl, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			// Composite over white, then take luma (BT.601 weights).
			w := 0xffff - a
			lum := (299*(r+w) + 587*(g+w) + 114*(bl+w)) / 1000
			if lum < 0x8000 {
				row[x/8] |= 0x80 >> (x % 8)
			}
		}
	}
	return p, nil
}
