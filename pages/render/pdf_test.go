package render

import (
	"context"
	"errors"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"faxbox/pages"
)

// TestPDF renders a three-page PDF with embedded fonts (one page
// landscape) and a scanned-looking page, with both rasterisers.
func TestPDF(t *testing.T) {
	text := makePDF(t, textPS(3, map[int]bool{2: true}, false))
	scan := makePDF(t, textPS(1, nil, true))
	for _, ras := range []Rasteriser{Ghostscript, Poppler} {
		for _, res := range []pages.Resolution{pages.Standard, pages.Fine} {
			o := Options{Resolution: res, Rasteriser: ras}
			doc, ps := renderAll(t, o, testMessage(),
				Attachment{Name: "letter.pdf", Data: text},
				Attachment{Name: "scan.pdf", Data: scan, ContentType: "application/pdf"})
			if len(ps) != 5 || doc.Sources[1].Pages != 3 || doc.Sources[2].First != 5 {
				t.Fatalf("%v %v: %d pages, sources %+v", ras, res, len(ps), doc.Sources)
			}
			g := doc.Geometry()
			for i, p := range ps {
				if p.Width != 1728 || p.Height != g.Height {
					t.Errorf("%v %v page %d: %dx%d", ras, res, i+1, p.Width, p.Height)
				}
				if blackIn(p, g.Area) < 1000 {
					t.Errorf("%v %v page %d: nearly empty", ras, res, i+1)
				}
			}
			// The landscape page is turned with its top to the left: the
			// rule drawn along its bottom edge is a vertical bar at the right.
			if b := inkBounds(ps[2], g.Area); b.Max.X < g.Area.Max.X-200 {
				t.Errorf("%v %v: landscape page not turned (ink %v)", ras, res, b)
			}
			// The scanned page's grey image is halftoned, not solid.
			b := inkBounds(ps[4], g.Area)
			c := image.Pt((b.Min.X+b.Max.X)/2, b.Max.Y-(b.Dy()/4))
			if n := blackIn(ps[4], image.Rect(c.X-20, c.Y-20, c.X+20, c.Y+20)); n < 100 || n > 1500 {
				t.Errorf("%v %v: scanned image not dithered (%d of 1600 black)", ras, res, n)
			}
		}
	}
}

// TestPDFFromPath renders a PDF named by Path, not Data.
func TestPDFFromPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.pdf")
	if err := os.WriteFile(path, makePDF(t, textPS(2, nil, false)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, ps := renderAll(t, Options{}, Message{Time: testTime}, Attachment{Name: "f.pdf", Path: path})
	if len(ps) != 3 {
		t.Fatalf("%d pages", len(ps))
	}
}

func TestPDFMissingRasteriser(t *testing.T) {
	pdf := makePDF(t, textPS(1, nil, false))
	t.Setenv("PATH", t.TempDir())
	_, err := New(Options{}).Render(context.Background(), Message{}, []Attachment{{Name: "x.pdf", Data: pdf}})
	if !errors.Is(err, ErrNoRasteriser) || !strings.Contains(err.Error(), "ghostscript") || !strings.Contains(err.Error(), "x.pdf") {
		t.Fatalf("err = %v", err)
	}
}

// TestPDFTimeLimit: a PDF whose page loops forever is killed by the time
// limit, and the error says so.
func TestPDFTimeLimit(t *testing.T) {
	requireTools(t)
	// A content stream that gs executes: PostScript loops are not allowed in
	// PDF, so build a huge page instead: very many tiny filled paths.
	var b strings.Builder
	b.WriteString("%!PS\n")
	b.WriteString("0 1 400000 { dup 1000 mod 0.5 mul exch 1000 idiv 0.5 mul 0.4 0.4 rectfill } for showpage\n")
	pdf := makePDF(t, b.String())
	o := Options{Resolution: pages.Fine, Limits: Limits{PDFTimeout: 50 * time.Millisecond}}
	// The limit may strike while the pages are counted or rasterised.
	doc, err := New(o).Render(context.Background(), Message{}, []Attachment{{Name: "slow.pdf", Data: pdf}})
	if err == nil {
		_, err = doc.All(context.Background())
	}
	var ae *AttachmentError
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &ae) {
		t.Fatalf("err = %v", err)
	}
}
