package render

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"faxbox/pages"
)

func TestGeometry(t *testing.T) {
	tests := []struct {
		paper  Paper
		res    pages.Resolution
		height int
	}{
		{A4, pages.Standard, 1143}, {A4, pages.Fine, 2287}, {A4, pages.Superfine, 4574},
		{Letter, pages.Standard, 1076}, {Letter, pages.Fine, 2151}, {Letter, pages.Superfine, 4303},
	}
	for _, tt := range tests {
		g, err := NewGeometry(tt.paper, tt.res, Margins{})
		if err != nil {
			t.Fatal(err)
		}
		if g.Width != 1728 || g.Height != tt.height {
			t.Errorf("%v %v: %dx%d, want 1728x%d", tt.paper, tt.res, g.Width, g.Height, tt.height)
		}
		if !g.Tagline.In(image.Rect(0, 0, g.Width, g.Area.Min.Y)) || !g.Area.In(image.Rect(0, 0, g.Width, g.Height)) {
			t.Errorf("%v %v: tagline %v / area %v out of place", tt.paper, tt.res, g.Tagline, g.Area)
		}
	}
	if _, err := NewGeometry(A4, pages.Fine, Margins{Left: 100, Right: 100, Top: 10, Bottom: 10}); err == nil {
		t.Error("margins wider than the paper accepted")
	}
}

func TestFirstPage(t *testing.T) {
	for _, res := range []pages.Resolution{pages.Standard, pages.Fine, pages.Superfine} {
		doc, ps := renderAll(t, Options{Resolution: res, StationFax: "+49 30 1234567"}, testMessage())
		if len(ps) != 1 {
			t.Fatalf("%v: %d pages", res, len(ps))
		}
		g := doc.Geometry()
		p := ps[0]
		if p.Width != 1728 || p.Height != g.Height || p.YDPI != g.YDPI {
			t.Errorf("%v: page %dx%d at %v dpi", res, p.Width, p.Height, p.YDPI)
		}
		if blackIn(p, g.Tagline) == 0 {
			t.Errorf("%v: no header line", res)
		}
		if blackIn(p, g.Area) == 0 {
			t.Errorf("%v: empty body", res)
		}
		// Nothing outside the tagline band and the printable area.
		all := blackIn(p, p.Bounds())
		if in := blackIn(p, g.Tagline) + blackIn(p, g.Area); in != all {
			t.Errorf("%v: %d black pixels outside the band and area", res, all-in)
		}
	}
}

// TestGolden compares the first page and the header line with the PNGs
// in testdata; go test -run TestGolden -update rewrites them.
func TestGolden(t *testing.T) {
	for _, res := range []pages.Resolution{pages.Standard, pages.Fine} {
		doc, ps := renderAll(t, Options{Resolution: res, StationFax: "+49 30 1234567"}, testMessage())
		g := doc.Geometry()
		band := ps[0].Gray().SubImage(g.Tagline)
		for name, img := range map[string]image.Image{
			"first-page-" + res.String() + ".png": PreviewImage(ps[0]),
			"tagline-" + res.String() + ".png":    band,
		} {
			path := filepath.Join("testdata", name)
			var buf bytes.Buffer
			if err := png.Encode(&buf, img); err != nil {
				t.Fatal(err)
			}
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGolden -update)", err)
			}
			want, err := png.Decode(f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			if d := diffImages(img, want); d != "" {
				t.Errorf("%s: %s (run with -update after checking the new output)", name, d)
				os.WriteFile(filepath.Join(t.TempDir(), name), buf.Bytes(), 0o644)
			}
		}
	}
}

func diffImages(got, want image.Image) string {
	gb, wb := got.Bounds(), want.Bounds()
	if gb.Dx() != wb.Dx() || gb.Dy() != wb.Dy() {
		return "size " + gb.String() + " want " + wb.String()
	}
	n := 0
	for y := 0; y < gb.Dy(); y++ {
		for x := 0; x < gb.Dx(); x++ {
			r1, _, _, _ := got.At(gb.Min.X+x, gb.Min.Y+y).RGBA()
			r2, _, _, _ := want.At(wb.Min.X+x, wb.Min.Y+y).RGBA()
			if (r1 < 0x8000) != (r2 < 0x8000) {
				n++
			}
		}
	}
	if n > 0 {
		return itoa(n) + " pixels differ"
	}
	return ""
}

func TestLongBodyPaginates(t *testing.T) {
	msg := testMessage()
	var b strings.Builder
	for i := 0; i < 400; i++ {
		b.WriteString("Paragraph " + itoa(i) + ": " + strings.Repeat("word ", 30) + "\n")
	}
	b.WriteString(strings.Repeat("x", 5000)) // one word longer than many lines
	msg.Body = b.String()
	doc, ps := renderAll(t, Options{}, msg)
	if len(ps) < 5 {
		t.Fatalf("%d pages for a long body", len(ps))
	}
	g := doc.Geometry()
	for i, p := range ps {
		if blackIn(p, g.Area) == 0 {
			t.Errorf("page %d empty", i+1)
		}
	}
	if doc.FormatHeader(3) != "2025-03-14 09:26|From: Anna Schmidt |To: +49 40 555 0101|Page 3 of "+itoa(len(ps)) {
		t.Errorf("header line %q", doc.FormatHeader(3))
	}
}

func TestFormFeedAndWrap(t *testing.T) {
	fc := mustFaces(t).body
	lines := layoutText("a\fb\n"+strings.Repeat("long ", 200), fc, 0, 500)
	if !lines[1].pageBreak {
		t.Error("form feed did not break the page")
	}
	for _, l := range lines {
		for _, g := range l.glyphs {
			if g.x < 0 || g.x >= 500 {
				t.Fatalf("glyph at x=%d outside 0..500", g.x)
			}
		}
	}
	if len(lines) < 10 {
		t.Errorf("only %d lines: no wrapping", len(lines))
	}
}

func mustFaces(t *testing.T) faceSet {
	r := New(Options{})
	fs, err := r.newFaces()
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// TestNonLatin renders a UTF-8 text in Greek, Cyrillic, CJK and Arabic as
// a text attachment: the Latin, Greek and Cyrillic come out in Go Mono,
// the rest as replacement boxes, and nothing fails.
func TestNonLatin(t *testing.T) {
	text := "Ελληνικά: Καλημέρα κόσμε\nРусский: Съешь же ещё этих мягких французских булок\n日本語のテキスト\nالعربية\n"
	fs := mustFaces(t)
	var miss, have int
	for _, l := range layoutText(text, fs.mono, 0, 1500) {
		for _, g := range l.glyphs {
			if g.miss {
				miss++
			} else {
				have++
			}
		}
	}
	if miss != len([]rune("日本語のテキスト"))+len([]rune("العربية")) || have < 60 {
		t.Errorf("%d glyphs, %d replacement boxes", have, miss)
	}
	doc, ps := renderAll(t, Options{Resolution: pages.Fine}, testMessage(), Attachment{Name: "utf8.txt", Data: []byte(text)})
	if len(ps) != 2 || doc.Sources[1].Kind != "text" {
		t.Fatalf("%d pages, sources %+v", len(ps), doc.Sources)
	}
	if blackIn(ps[1], doc.Geometry().Area) == 0 {
		t.Error("text page empty")
	}
}

func TestTextEncodings(t *testing.T) {
	if got := decodeText([]byte("Gr\xfc\xdfe")); got != "Grüße" {
		t.Errorf("latin-1: %q", got)
	}
	if got := decodeText([]byte{0xff, 0xfe, 'h', 0, 'i', 0}); got != "hi" {
		t.Errorf("utf-16: %q", got)
	}
	if got := decodeText([]byte("\xef\xbb\xbfok")); got != "ok" {
		t.Errorf("bom: %q", got)
	}
}

func TestPreviewEqualsPage(t *testing.T) {
	_, ps := renderAll(t, Options{}, testMessage(), Attachment{Name: "p.png", Data: encodePNG(t, photo(300, 200))})
	for i, p := range ps {
		var buf bytes.Buffer
		if err := WritePNG(&buf, p); err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(&buf)
		if err != nil {
			t.Fatal(err)
		}
		q, err := pages.FromImage(img)
		if err != nil {
			t.Fatal(err)
		}
		if x, y, diff := p.FirstDifference(q); diff {
			t.Errorf("page %d: preview differs at (%d,%d)", i+1, x, y)
		}
		th := Thumbnail(p, 200)
		if th.Rect.Dx() != 200 || th.Rect.Dy() < 270 || th.Rect.Dy() > 290 {
			t.Errorf("thumbnail %v, want 200 x ~283 (A4 proportions)", th.Rect)
		}
		if err := WriteThumbnailPNG(&buf, p, 120); err != nil {
			t.Fatal(err)
		}
	}
}

func TestUnsupportedAndErrorsNameAttachment(t *testing.T) {
	_, err := New(Options{}).Render(context.Background(), testMessage(), []Attachment{
		{Name: "ok.txt", Data: []byte("fine")},
		{Name: "prog.exe", Data: []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00")},
	})
	var ae *AttachmentError
	if !errors.As(err, &ae) || ae.Index != 1 || ae.Name != "prog.exe" || !errors.Is(err, ErrUnsupported) {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), `"prog.exe"`) {
		t.Errorf("error does not name the attachment: %v", err)
	}
}

func TestStreamingStopsEarly(t *testing.T) {
	msg := testMessage()
	msg.Body = strings.Repeat("line\n", 500)
	doc, err := New(Options{}).Render(context.Background(), msg, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, err := range doc.Pages(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 2 {
			break
		}
	}
	if n != 2 {
		t.Fatal(n)
	}
}
