package render

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/png"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"

	"faxbox/pages"
)

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeGIF(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gif.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeBMP(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := bmp.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeTIFF(t testing.TB, img image.Image, c tiff.CompressionType) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := tiff.Encode(&b, img, &tiff.Options{Compression: c}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestImageFormats renders line art in every image format: one page each,
// crisp (no dithering) and placed inside the printable area.
func TestImageFormats(t *testing.T) {
	art := lineArt(400, 500)
	rgba := image.NewRGBA(art.Bounds())
	draw.Draw(rgba, rgba.Bounds(), art, image.Point{}, draw.Src)
	files := map[string][]byte{
		"a.png":  encodePNG(t, art),
		"a.jpg":  encodeJPEG(t, art),
		"a.gif":  encodeGIF(t, rgba),
		"a.bmp":  encodeBMP(t, rgba),
		"a.tif":  encodeTIFF(t, rgba, tiff.Uncompressed),
		"g.tif":  encodeTIFF(t, art, tiff.Deflate),
		"c.png":  encodePNG(t, rgba),
		"pa.png": encodePNG(t, paletted(art)),
	}
	for name, data := range files {
		doc, ps := renderAll(t, Options{}, testMessage(), Attachment{Name: name, Data: data})
		if len(ps) != 2 {
			t.Errorf("%s: %d pages", name, len(ps))
			continue
		}
		g := doc.Geometry()
		p := ps[1]
		if all, in := blackIn(p, p.Bounds()), blackIn(p, g.Area)+blackIn(p, g.Tagline); all != in || in == 0 {
			t.Errorf("%s: %d black pixels, %d in place", name, all, in)
		}
		// The top-left block is solid black, so line art was thresholded.
		cx, cy, _ := centroid(p, g.Area)
		if cx >= float64(g.Area.Min.X+g.Area.Max.X)/2 || cy >= float64(g.Area.Min.Y+g.Area.Max.Y)/2 {
			t.Errorf("%s: drawing not upright (centroid %.0f,%.0f)", name, cx, cy)
		}
	}
}

func paletted(g *image.Gray) *image.Paletted {
	p := image.NewPaletted(g.Bounds(), color.Palette{color.White, color.Black, color.Gray{Y: 128}})
	draw.Draw(p, p.Bounds(), g, image.Point{}, draw.Src)
	return p
}

// TestJPEGExifOrientation stores a portrait picture with a black block at
// its top-left turned as a camera would, with the EXIF tag saying how to
// turn it back; the page must show the block top-left every time.
func TestJPEGExifOrientation(t *testing.T) {
	shown := lineArt(300, 400)
	for _, o := range []int{1, 2, 3, 4, 5, 6, 7, 8} {
		stored := unorient(shown, o)
		for _, be := range []bool{false, true} {
			data := withExif(encodeJPEG(t, stored), uint16(o), be)
			if got := jpegOrientation(data); got != o {
				t.Fatalf("orientation %d read as %d", o, got)
			}
			doc, ps := renderAll(t, Options{}, Message{Time: testTime}, Attachment{Name: "cam.jpg", Data: data})
			g := doc.Geometry()
			cx, cy, _ := centroid(ps[1], g.Area)
			if cx >= float64(g.Area.Min.X+g.Area.Max.X)/2 || cy >= float64(g.Area.Min.Y+g.Area.Max.Y)/2 {
				t.Errorf("orientation %d: block not top-left (centroid %.0f,%.0f)", o, cx, cy)
			}
		}
	}
}

// unorient returns the stored image that EXIF orientation o turns into
// shown, built pixel by pixel from the EXIF 2.3 definitions.
func unorient(shown *image.Gray, o int) *image.Gray {
	w, h := shown.Rect.Dx(), shown.Rect.Dy()
	sw, sh := w, h
	if o >= 5 {
		sw, sh = h, w
	}
	st := image.NewGray(image.Rect(0, 0, sw, sh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var sx, sy int
			switch o {
			case 1:
				sx, sy = x, y
			case 2: // mirrored horizontally
				sx, sy = w-1-x, y
			case 3: // turned 180
				sx, sy = w-1-x, h-1-y
			case 4: // mirrored vertically
				sx, sy = x, h-1-y
			case 5: // transposed
				sx, sy = y, x
			case 6: // stored turned 90 counter-clockwise: show turning clockwise
				sx, sy = y, w-1-x
			case 7: // transverse
				sx, sy = h-1-y, w-1-x
			case 8: // stored turned 90 clockwise
				sx, sy = h-1-y, x
			}
			st.Pix[sy*st.Stride+sx] = shown.Pix[y*shown.Stride+x]
		}
	}
	return st
}

// TestLandscapeRotated: a wide picture is turned to portrait with its top
// at the left, so its top-left block lands bottom-left.
func TestLandscapeRotated(t *testing.T) {
	doc, ps := renderAll(t, Options{}, Message{Time: testTime}, Attachment{Name: "wide.png", Data: encodePNG(t, lineArt(800, 400))})
	g := doc.Geometry()
	cx, cy, _ := centroid(ps[1], g.Area)
	if cx >= float64(g.Area.Min.X+g.Area.Max.X)/2 || cy <= float64(g.Area.Min.Y+g.Area.Max.Y)/2 {
		t.Errorf("block at %.0f,%.0f, want bottom-left", cx, cy)
	}
	f := fitImage(g, 800, 400, 1)
	if !f.rotate || f.dstH != g.Area.Dy() && f.dstW != g.Area.Dx() {
		t.Errorf("fit %+v", f)
	}
}

func TestTallImageSplit(t *testing.T) {
	for _, res := range []pages.Resolution{pages.Standard, pages.Superfine} {
		_, ps := renderAll(t, Options{Resolution: res}, Message{Time: testTime}, Attachment{Name: "receipt.png", Data: encodePNG(t, lineArt(300, 3000))})
		if len(ps) < 4 {
			t.Errorf("%v: tall image on %d pages", res, len(ps)-1)
		}
	}
}

// TestPhotoDithered: a photograph is halftoned, so a mid-grey region
// has a mix of black and white pixels rather than a solid area.
func TestPhotoDithered(t *testing.T) {
	if tn := classify(lineArtHist(t)); tn.photo {
		t.Error("line art classified as photo")
	}
	ph := photo(640, 480)
	doc, ps := renderAll(t, Options{Resolution: pages.Fine}, Message{Time: testTime}, Attachment{Name: "photo.jpg", Data: encodeJPEG(t, ph)})
	g := doc.Geometry()
	p := ps[1]
	// Sample a 40x40 window in the middle of the image on the page.
	c := image.Pt((g.Area.Min.X+g.Area.Max.X)/2+200, (g.Area.Min.Y+g.Area.Max.Y)/2+100)
	r := image.Rect(c.X-20, c.Y-20, c.X+20, c.Y+20)
	n := blackIn(p, r)
	if n < 160 || n > 1440 {
		t.Errorf("mid-grey window has %d of 1600 pixels black: not dithered", n)
	}
}

func lineArtHist(t *testing.T) levels {
	a := lineArt(400, 300)
	s := &graySrc{pix: a.Pix, stride: a.Stride, o: exifOrient(1, 400, 300), aspect: 1}
	return s.histogram()
}

func TestMultipageTIFF(t *testing.T) {
	// A colour multipage TIFF: two single-page files joined by hand is
	// awkward, so patch page 1's "next IFD" to point at a second IFD
	// appended after it.
	a := encodeTIFF(t, lineArt(200, 300), tiff.Uncompressed)
	b := encodeTIFF(t, photo(300, 200), tiff.Deflate)
	multi := joinTIFF(t, a, b)
	offs, err := tiffIFDs(multi, 10)
	if err != nil || len(offs) != 2 {
		t.Fatalf("ifds %v %v", offs, err)
	}
	doc, ps := renderAll(t, Options{}, Message{Time: testTime}, Attachment{Name: "multi.tif", Data: multi})
	if len(ps) != 3 || doc.Sources[1].Kind != "tiff" {
		t.Fatalf("%d pages, %+v", len(ps), doc.Sources)
	}
}

// joinTIFF appends little-endian TIFF b to a, relocating b's offsets, and
// links a's last IFD to b's first. Only the tags the Go encoder writes
// (short/long/rational values and the strip offsets) are handled.
func joinTIFF(t *testing.T, a, b []byte) []byte {
	t.Helper()
	le := func(p []byte) uint32 { return uint32(p[0]) | uint32(p[1])<<8 | uint32(p[2])<<16 | uint32(p[3])<<24 }
	put := func(p []byte, v uint32) { p[0], p[1], p[2], p[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24) }
	base := uint32(len(a))
	b = append([]byte{}, b...)
	ifd := le(b[4:])
	n := int(b[ifd]) | int(b[ifd+1])<<8
	for i := 0; i < n; i++ {
		e := b[ifd+2+uint32(12*i):]
		tag, typ := int(e[0])|int(e[1])<<8, int(e[2])|int(e[3])<<8
		cnt := le(e[4:])
		size := map[int]uint32{1: 1, 2: 1, 3: 2, 4: 4, 5: 8}[typ] * cnt
		if size > 4 {
			off := le(e[8:])
			if tag == 273 { // StripOffsets array: relocate each
				for k := uint32(0); k < cnt; k++ {
					put(b[off+4*k:], le(b[off+4*k:])+base)
				}
			}
			put(e[8:], off+base)
		} else if tag == 273 {
			put(e[8:], le(e[8:])+base)
		}
	}
	out := append([]byte{}, a...)
	aifd := le(out[4:])
	an := int(out[aifd]) | int(out[aifd+1])<<8
	put(out[aifd+2+uint32(12*an):], ifd+base)
	return append(out, b...)
}

// TestTIFFFPassThrough: a fax TIFF already 1728 wide at the document's
// resolution is sent pixel for pixel (except the header-line band).
func TestTIFFFPassThrough(t *testing.T) {
	_, ps := renderAll(t, Options{Resolution: pages.Fine}, testMessage())
	src := ps[0]
	var buf bytes.Buffer
	tw, err := pages.NewTIFFWriter(&buf, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := tw.WritePage(src, pages.EncoderOptions{Coding: pages.MMR}); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	doc, got := renderAll(t, Options{Resolution: pages.Fine, NoHeader: true}, Message{Time: testTime}, Attachment{Name: "fax.tif", Data: buf.Bytes()})
	if doc.Sources[1].Kind != "tiff-f" || !got[1].Equal(src) {
		t.Errorf("fine TIFF-F not passed through (kind %s)", doc.Sources[1].Kind)
	}
	// At standard resolution the same file is re-rendered, at half height.
	doc, got = renderAll(t, Options{Resolution: pages.Standard}, Message{Time: testTime}, Attachment{Name: "fax.tif", Data: buf.Bytes()})
	if doc.Sources[1].Kind != "tiff" || got[1].Height != doc.Geometry().Height {
		t.Errorf("kind %s height %d", doc.Sources[1].Kind, got[1].Height)
	}
}
