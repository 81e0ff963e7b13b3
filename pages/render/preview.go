package render

import (
	"image"
	"image/color"
	"image/png"
	"io"
	"math"

	"faxbox/pages"
)

// PreviewImage returns the page as a two-colour image with exactly the
// page's pixels (index 0 white, 1 black), sharing nothing with the page.
func PreviewImage(p *pages.Page) *image.Paletted {
	img := image.NewPaletted(p.Bounds(), color.Palette{color.Gray{Y: 255}, color.Gray{}})
	for y := 0; y < p.Height; y++ {
		row, out := p.Row(y), img.Pix[y*img.Stride:]
		for x := 0; x < p.Width; x++ {
			if row[x/8]&(0x80>>(x%8)) != 0 {
				out[x] = 1
			}
		}
	}
	return img
}

// WritePNG writes the page as a 1-bit PNG with exactly the page's pixels:
// the full-size preview of what will be sent. At standard and fine
// resolution fax pixels are taller than wide, so a viewer must stretch the
// image vertically by XDPI/YDPI to show its true shape (Thumbnail does).
func WritePNG(w io.Writer, p *pages.Page) error {
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	return enc.Encode(w, PreviewImage(p))
}

// Thumbnail returns a grey thumbnail of the page width pixels wide with the
// page's true proportions (non-square fax pixels corrected), each pixel the
// average of the page pixels it covers.
func Thumbnail(p *pages.Page, width int) *image.Gray {
	width = max(1, min(width, p.Width))
	aspect := 1.0
	if p.XDPI > 0 && p.YDPI > 0 {
		aspect = p.XDPI / p.YDPI
	}
	height := max(1, int(math.Round(float64(p.Height)*aspect*float64(width)/float64(p.Width))))
	g := p.Gray()
	src := &graySrc{pix: g.Pix, stride: g.Stride, o: exifOrient(1, p.Width, p.Height), aspect: aspect}
	return newResampler(src, width, height).rows(0, height)
}

// WriteThumbnailPNG writes Thumbnail(p, width) as a PNG.
func WriteThumbnailPNG(w io.Writer, p *pages.Page, width int) error {
	return png.Encode(w, Thumbnail(p, width))
}
