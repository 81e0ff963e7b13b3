package render

import (
	"bytes"
	"context"
	"encoding/binary"
	"flag"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"faxbox/pages"
)

var update = flag.Bool("update", false, "rewrite the golden PNGs in testdata")

// testTime is the fixed time of every test message.
var testTime = time.Date(2025, 3, 14, 9, 26, 0, 0, time.UTC)

func testMessage() Message {
	return Message{
		From:    Party{Name: "Anna Schmidt", Organisation: "Praxis Dr. Weber"},
		To:      Party{Name: "Labor Nord", Fax: "+49 40 555 0101"},
		Subject: "Befund Müller, Hans – Rückfrage",
		Body: "Sehr geehrte Damen und Herren,\n\nanbei der Befund.\tTabs\tline up.\n" +
			"Ελληνικά, Кириллица, and 日本語 (boxes).\n\nMit freundlichen Grüßen\nAnna Schmidt",
		Time: testTime,
	}
}

// requireTools fails (never skips) when a PDF tool the tests use is missing.
func requireTools(t testing.TB) {
	t.Helper()
	for _, tool := range []string{"gs", "pdftoppm", "pdfinfo"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: run  apt-get install -y ghostscript poppler-utils", tool)
		}
	}
}

// makePDF turns PostScript into a PDF with Ghostscript's pdfwrite device,
// which embeds the fonts the PostScript uses.
func makePDF(t testing.TB, ps string) []byte {
	t.Helper()
	return pdfWrite(t, t.TempDir(), ps)
}

// pdfWrite runs Ghostscript's pdfwrite on PostScript in dir, where it may
// also read the files the PostScript opens.
func pdfWrite(t testing.TB, dir, ps string) []byte {
	t.Helper()
	requireTools(t)
	in, out := filepath.Join(dir, "in.ps"), filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(in, []byte(ps), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("gs", "-q", "-dSAFER", "-dNOPAUSE", "-dBATCH", "-sDEVICE=pdfwrite", "--permit-file-read="+dir+"/", "-o", out, in)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gs pdfwrite: %v: %s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// textPS returns PostScript for n A4 pages of text; landscape pages are
// A4 turned sideways. With scan, each page also carries a grey image as a
// scanner would make.
func textPS(n int, landscape map[int]bool, scan bool) string {
	var b bytes.Buffer
	b.WriteString("%!PS\n/Helvetica findfont 14 scalefont setfont\n")
	for i := 1; i <= n; i++ {
		if landscape[i] {
			b.WriteString("<< /PageSize [842 595] >> setpagedevice\n")
		} else {
			b.WriteString("<< /PageSize [595 842] >> setpagedevice\n")
		}
		b.WriteString("/Helvetica findfont 14 scalefont setfont\n")
		for l := 0; l < 30; l++ {
			b.WriteString("72 " + itoa(560-l*16) + " moveto (Page " + itoa(i) + " line " + itoa(l) + ": The quick brown fox jumps over the lazy dog.) show\n")
		}
		b.WriteString("4 setlinewidth 60 60 moveto 400 60 lineto stroke\n")
		if scan {
			// A 64 x 64 grey ramp with a disc, scaled to 300 x 300 points.
			b.WriteString("gsave 150 100 translate 300 300 scale 64 64 8 [64 0 0 -64 0 64] {<")
			for y := 0; y < 64; y++ {
				for x := 0; x < 64; x++ {
					v := (x*3 + y) & 0xff
					if (x-32)*(x-32)+(y-32)*(y-32) < 200 {
						v = 40
					}
					b.WriteString(hex2(v))
				}
			}
			b.WriteString(">} image grestore\n")
		}
		b.WriteString("showpage\n")
	}
	return b.String()
}

func itoa(i int) string { return string(appendInt(nil, i)) }

func appendInt(b []byte, i int) []byte {
	if i < 0 {
		return appendInt(append(b, '-'), -i)
	}
	if i >= 10 {
		b = appendInt(b, i/10)
	}
	return append(b, byte('0'+i%10))
}

func hex2(v int) string {
	const h = "0123456789abcdef"
	return string([]byte{h[v>>4], h[v&15]})
}

// withExif inserts an APP1 Exif segment holding only the Orientation tag
// right after a JPEG's SOI marker.
func withExif(jpg []byte, orientation uint16, bigEndian bool) []byte {
	var bo binary.ByteOrder = binary.LittleEndian
	tiffHdr := []byte{'I', 'I', 42, 0, 8, 0, 0, 0}
	if bigEndian {
		bo = binary.BigEndian
		tiffHdr = []byte{'M', 'M', 0, 42, 0, 0, 0, 8}
	}
	ifd := make([]byte, 2+12+4)
	bo.PutUint16(ifd[0:], 1)
	bo.PutUint16(ifd[2:], 0x0112)
	bo.PutUint16(ifd[4:], 3)
	bo.PutUint32(ifd[6:], 1)
	bo.PutUint16(ifd[10:], orientation)
	payload := append(append([]byte("Exif\x00\x00"), tiffHdr...), ifd...)
	seg := []byte{0xff, 0xe1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	seg = append(seg, payload...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// photo returns a smooth synthetic photograph: shaded gradients and a disc.
func photo(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r := uint8(40 + 180*x/w)
			g := uint8(60 + 150*y/h)
			b := uint8(128 + 60*((x/7+y/5)%3) - 60)
			dx, dy := x-w/3, y-h/3
			if dx*dx+dy*dy < (h/5)*(h/5) {
				r, g, b = r/2+40, g/3+30, b/2
			}
			img.Set(x, y, color.RGBA{r, g, b, 255})
		}
	}
	return img
}

// lineArt returns a black-on-white drawing: a frame and a block in the
// top-left corner, with a grey anti-aliased edge.
func lineArt(w, h int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			switch {
			case x < 4 || y < 4 || x >= w-4 || y >= h-4:
				img.Pix[y*img.Stride+x] = 0
			case x < w/4 && y < h/4:
				img.Pix[y*img.Stride+x] = 0
			case x == w/4 && y < h/4:
				img.Pix[y*img.Stride+x] = 128
			}
		}
	}
	return img
}

// render renders msg and attachments with o and returns all pages.
func renderAll(t testing.TB, o Options, msg Message, atts ...Attachment) (*Document, []*pages.Page) {
	t.Helper()
	doc, err := New(o).Render(context.Background(), msg, atts)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	ps, err := doc.All(context.Background())
	if err != nil {
		t.Fatalf("pages: %v", err)
	}
	if len(ps) != doc.NumPages() {
		t.Fatalf("got %d pages, NumPages says %d", len(ps), doc.NumPages())
	}
	return doc, ps
}

// blackIn counts the black pixels of p inside r.
func blackIn(p *pages.Page, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if p.Black(x, y) {
				n++
			}
		}
	}
	return n
}

// centroid returns the mean position of the black pixels of p inside r.
func centroid(p *pages.Page, r image.Rectangle) (cx, cy float64, n int) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if p.Black(x, y) {
				cx += float64(x)
				cy += float64(y)
				n++
			}
		}
	}
	if n > 0 {
		cx /= float64(n)
		cy /= float64(n)
	}
	return
}

// inkBounds returns the bounding box of the black pixels of p inside r.
func inkBounds(p *pages.Page, r image.Rectangle) image.Rectangle {
	var b image.Rectangle
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if p.Black(x, y) {
				b = b.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return b
}
