package render

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"faxbox/pages"
)

// photoPDF places a JPEG photograph on an A4 page of a PDF made by
// Ghostscript, which keeps it DCT-coded as cameras and scanners do.
func photoPDF(t testing.TB, jpg []byte) []byte {
	t.Helper()
	requireTools(t)
	cfg, err := (&Document{r: New(Options{})}).decodeConfig("jpeg", jpg, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "p.jpg")
	if err := os.WriteFile(in, jpg, 0o644); err != nil {
		t.Fatal(err)
	}
	w, h := cfg.Width, cfg.Height
	cs, dec := "/DeviceRGB", "0 1 0 1 0 1"
	if cfg.ColorModel == color.GrayModel {
		cs, dec = "/DeviceGray", "0 1"
	}
	src := fmt.Sprintf(`%%!PS
<< /PageSize [595 842] >> setpagedevice %s setcolorspace
40 150 translate 515 %g scale
<< /ImageType 1 /Width %d /Height %d /BitsPerComponent 8 /Decode [%s]
   /ImageMatrix [%d 0 0 -%d 0 %d] /DataSource (%s) (r) file /DCTDecode filter >> image
showpage
`, cs, 515*float64(h)/float64(w), w, h, dec, w, h, h, in)
	return pdfWrite(t, dir, src)
}

// gsPage rasterises page 1 of a PDF with Ghostscript into the printable
// area of g exactly as rasterisePDF asks it to, with device pbmraw (1 bit,
// Ghostscript's own halftone) or pgmraw (grey).
func gsPage(t testing.TB, g Geometry, pdf []byte, device string) (*image.Gray, *pages.Page) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE="+device,
		fmt.Sprintf("-r%gx%g", g.XDPI, g.YDPI), fmt.Sprintf("-g%dx%d", g.Area.Dx(), g.Area.Dy()),
		"-dFIXEDMEDIA", "-dPDFFitPage", "-dUseCropBox", "-sOutputFile=-", path)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gs %s: %v", device, err)
	}
	img, bits, err := readPNM(bufio.NewReader(bytes.NewReader(out)), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	return img, bits
}

// mmrBytes is the size of p's rows [y0, y1) coded in MMR (T.6).
func mmrBytes(t testing.TB, p *pages.Page, y0, y1 int) int {
	t.Helper()
	var b bytes.Buffer
	e, err := pages.NewEncoder(&b, pages.EncoderOptions{Coding: pages.MMR, Width: p.Width})
	if err != nil {
		t.Fatal(err)
	}
	for y := y0; y < y1; y++ {
		if err := e.WriteRow(p.Row(y)); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Len()
}

// blurred returns the pixels of r (in a grey image, 0 black to 255 white,
// or in a bitmap when img is nil) blurred by a Gaussian of sx pixels
// across and sy down: what the eye sees of a halftone from reading
// distance.
func blurred(img *image.Gray, bits *pages.Page, r image.Rectangle, sx, sy float64) []float64 {
	w, h := r.Dx(), r.Dy()
	v := make([]float64, w*h)
	for y := range h {
		for x := range w {
			if img != nil {
				v[y*w+x] = float64(img.Pix[(r.Min.Y+y)*img.Stride+r.Min.X+x])
			} else if bits.Row(r.Min.Y + y)[(r.Min.X+x)>>3]&(0x80>>((r.Min.X+x)&7)) == 0 {
				v[y*w+x] = 255
			}
		}
	}
	kernel := func(s float64) []float64 {
		n := int(math.Ceil(3 * s))
		k := make([]float64, 2*n+1)
		var sum float64
		for i := range k {
			d := float64(i - n)
			k[i] = math.Exp(-d * d / (2 * s * s))
			sum += k[i]
		}
		for i := range k {
			k[i] /= sum
		}
		return k
	}
	pass := func(src []float64, k []float64, step, n, lines, lstep int) []float64 {
		dst := make([]float64, len(src))
		c := len(k) / 2
		for l := range lines {
			for i := range n {
				var s float64
				for j, kv := range k {
					ii := min(max(i+j-c, 0), n-1)
					s += kv * src[l*lstep+ii*step]
				}
				dst[l*lstep+i*step] = s
			}
		}
		return dst
	}
	v = pass(v, kernel(sx), 1, w, h, w)
	return pass(v, kernel(sy), w, h, w, 1)
}

func meanAbs(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += math.Abs(a[i] - b[i])
	}
	return s / float64(len(a))
}

// TestPhotoHalftone renders a photograph placed in a PDF and compares the
// page with Ghostscript's own halftone of the same PDF page into the same
// area (the pbmraw device, whose screen is the tiffg4 device's): coded in
// MMR ours must take no more bytes, and blurred as the eye blurs a
// halftone (a Gaussian about a screen period wide) it must stay about as
// close to the grey page Ghostscript renders.
func TestPhotoHalftone(t *testing.T) {
	pdf := photoPDF(t, encodeJPEG(t, photo(1200, 900)))
	for _, res := range []pages.Resolution{pages.Standard, pages.Fine} {
		t.Run(res.String(), func(t *testing.T) {
			doc, ps := renderAll(t, Options{Resolution: res, NoCover: true, NoHeader: true}, Message{}, Attachment{Name: "photo.pdf", Data: pdf})
			g := doc.Geometry()
			ours := ps[0]
			grey, _ := gsPage(t, g, pdf, "pgmraw")
			_, theirs := gsPage(t, g, pdf, "pbmraw")
			area := image.Rect(0, 0, g.Area.Dx(), g.Area.Dy())
			ob, gb := mmrBytes(t, ours, g.Area.Min.Y, g.Area.Max.Y), mmrBytes(t, theirs, 0, theirs.Height)
			t.Logf("MMR bytes: ours %d, gs %d (%.2fx)", ob, gb, float64(ob)/float64(gb))
			if ob > gb {
				t.Errorf("photo codes to %d bytes of MMR, Ghostscript's halftone to %d", ob, gb)
			}
			// Blurs of 0.25 and 0.5 mm: a dot period of the coarser screen
			// (ours) and two.
			for _, sx := range []float64{2, 4} {
				sy := sx * g.YDPI / g.XDPI
				ref := blurred(grey, nil, area, sx, sy)
				oe := meanAbs(blurred(nil, ours, area.Add(g.Area.Min), sx, sy), ref)
				ge := meanAbs(blurred(nil, theirs, area, sx, sy), ref)
				t.Logf("blur %.0f px: mean abs error ours %.1f, gs %.1f grey levels", sx, oe, ge)
				if oe > 1.25*ge+0.5 {
					t.Errorf("blur %.0f px: mean abs error %.1f grey levels, Ghostscript's %.1f: photo less recognisable", sx, oe, ge)
				}
			}
		})
	}
}

// TestGreyScanPaperClean: a grey scan of a document (off-white paper,
// dark ink, JPEG in a PDF) goes through the screen, whose transfer prints
// the paper white and the ink (nearly) solid, not dotted.
func TestGreyScanPaperClean(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 1000, 1400))
	for i := range img.Pix {
		img.Pix[i] = 245
	}
	for y := 200; y < 1200; y += 40 { // lines of "text": dark bars
		for x := 100; x < 900; x++ {
			for k := range 14 {
				img.Pix[(y+k)*img.Stride+x] = 20
			}
		}
	}
	pdf := photoPDF(t, encodeJPEG(t, img))
	if f := scanPDF(pdf); !f.photo || f.mono {
		t.Fatalf("scanPDF of a JPEG page: %+v, want photo", f)
	}
	if f := scanPDF(makePDF(t, textPS(1, nil, false))); f.photo {
		t.Errorf("scanPDF of a text page: %+v, want no photo", f)
	}
	doc, ps := renderAll(t, Options{Resolution: pages.Fine, NoCover: true, NoHeader: true}, Message{}, Attachment{Name: "scan.pdf", Data: pdf})
	g := doc.Geometry()
	ink := inkBounds(ps[0], g.Area)
	if ink.Empty() {
		t.Fatal("no ink on the page")
	}
	// Over the first bar and the paper under it, the rows' black
	// fractions: the blackest (ink) nearly 1, the whitest (paper) 0.
	p := ps[0]
	period := int(40 * float64(ink.Dy()) / 974) // bars every 40 image rows, 200 to 1174
	most, least := 0.0, 1.0
	for y := ink.Min.Y; y < ink.Min.Y+period; y++ {
		black := 0
		for x := ink.Min.X + 10; x < ink.Max.X-10; x++ {
			if p.Black(x, y) {
				black++
			}
		}
		f := float64(black) / float64(ink.Dx()-20)
		most, least = max(most, f), min(least, f)
	}
	if most < 0.95 || least > 0 {
		t.Errorf("ink rows at most %.2f black, paper rows at least %.2f: the scan is dotted", most, least)
	}
}
