package pages

import (
	"bufio"
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
)

func TestPBMPlainAndRaw(t *testing.T) {
	p, _ := NewPage(13, 3)
	for _, xy := range [][2]int{{0, 0}, {12, 0}, {5, 1}, {6, 2}, {12, 2}} {
		p.Set(xy[0], xy[1], true)
	}
	for name, write := range map[string]func(*bytes.Buffer, *Page) error{
		"P4": func(b *bytes.Buffer, p *Page) error { return WritePBM(b, p) },
		"P1": func(b *bytes.Buffer, p *Page) error { return WritePlainPBM(b, p) },
	} {
		var buf bytes.Buffer
		if err := write(&buf, p); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(buf.String(), name+"\n13 3\n") {
			t.Fatalf("%s header: %q", name, buf.String()[:8])
		}
		q, err := ReadPBM(bufio.NewReader(&buf))
		if err != nil {
			t.Fatal(err)
		}
		samePage(t, name, q, p)
	}
	// Comments, odd whitespace and junk in the padding bits.
	q, err := ReadPBM(bufio.NewReader(strings.NewReader("P4 # c\n# more\n 3\t2\n\xff\xa0")))
	if err != nil {
		t.Fatal(err)
	}
	if q.Pix[0] != 0xe0 || q.Pix[1] != 0xa0 {
		t.Fatalf("padding bits kept: % x", q.Pix)
	}
	for _, bad := range []string{"P5\n1 1\n\x00", "P4\n0 5\n", "P4\n2 2\n", "P1\n2 1\n1 x", "P4\n-3 1\n"} {
		if _, err := ReadPBM(bufio.NewReader(strings.NewReader(bad))); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestImageConversions(t *testing.T) {
	p := crop(chart(t, 1), 300)
	// Page -> PNG -> image.Image -> Page is lossless.
	var buf bytes.Buffer
	if err := png.Encode(&buf, p.Gray()); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	q, err := FromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	samePage(t, "png", q, p)
	// Page itself is an image.Image.
	if c := color.GrayModel.Convert(p.At(0, 0)).(color.Gray); c.Y != 255 {
		t.Fatalf("white pixel reads %v", c)
	}
	r, err := FromImage(p)
	if err != nil {
		t.Fatal(err)
	}
	samePage(t, "Page as image", r, p)
	// Colour with alpha: transparent is white, opaque dark is black, and a
	// sub-image with a non-zero origin keeps its pixels.
	rgba := image.NewNRGBA(image.Rect(10, 10, 14, 11))
	rgba.Set(10, 10, color.NRGBA{0, 0, 0, 0})
	rgba.Set(11, 10, color.NRGBA{20, 20, 20, 255})
	rgba.Set(12, 10, color.NRGBA{250, 250, 250, 255})
	rgba.Set(13, 10, color.NRGBA{0, 0, 200, 255})
	s, _ := FromImage(rgba)
	got := []bool{s.Black(0, 0), s.Black(1, 0), s.Black(2, 0), s.Black(3, 0)}
	if got[0] || !got[1] || got[2] || !got[3] {
		t.Fatalf("NRGBA thresholds: %v", got)
	}
	full := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range full.Pix {
		full.Pix[i] = 255
	}
	g := full.SubImage(image.Rect(2, 2, 6, 6)).(*image.Gray)
	g.SetGray(2, 2, color.Gray{10})
	s, _ = FromImage(g)
	if s.Width != 4 || !s.Black(0, 0) || s.Black(1, 0) {
		t.Fatalf("sub-image converted wrong")
	}
}

func TestResolutions(t *testing.T) {
	for _, r := range []Resolution{Standard, Fine, Superfine} {
		got, err := ParseResolution(r.String())
		if err != nil || got != r {
			t.Fatalf("%v: %v %v", r, got, err)
		}
		_, y := r.DPI()
		if ResolutionOf(y) != r {
			t.Fatalf("%v: ResolutionOf(%v) = %v", r, y, ResolutionOf(y))
		}
	}
	if _, err := ParseResolution("ultra"); err == nil {
		t.Fatal("ultra accepted")
	}
}
