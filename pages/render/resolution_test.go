package render

import (
	"bytes"
	"testing"

	"faxbox/pages"
)

// faxTIFF codes pages as a TIFF-F file.
func faxTIFF(t *testing.T, ps ...*pages.Page) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := pages.WriteTIFF(&buf, ps, pages.EncoderOptions{Coding: pages.MMR}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestKeepsOwnResolution: a fax page at a resolution lower than the
// message's is kept at its own (no rows invented, no line time added),
// with a header line of the same size as on the other pages; one at a
// higher resolution is drawn at the message's.
func TestKeepsOwnResolution(t *testing.T) {
	_, std := renderAll(t, Options{Resolution: pages.Standard}, testMessage())
	_, fine := renderAll(t, Options{Resolution: pages.Fine}, testMessage())
	att := Attachment{Name: "scan.tif", Data: faxTIFF(t, std[0])}
	doc, got := renderAll(t, Options{Resolution: pages.Superfine}, testMessage(), att)
	if doc.Sources[1].Kind != "tiff-f" || got[1].Height != std[0].Height || pages.ResolutionOf(got[1].YDPI) != pages.Standard {
		t.Fatalf("standard page in a superfine fax: kind %s, %d rows at %v dpi", doc.Sources[1].Kind, got[1].Height, got[1].YDPI)
	}
	if pages.ResolutionOf(got[0].YDPI) != pages.Superfine {
		t.Fatalf("the cover is at %v dpi, want superfine", got[0].YDPI)
	}
	// The header line is drawn at the page's own resolution: the same
	// band as on a standard fax's page.
	g, _ := NewGeometry(A4, pages.Standard, Margins{})
	if blackIn(got[1], g.Tagline) == 0 {
		t.Error("no header line on the page kept at standard")
	}
	if a, b := inkBounds(got[1], g.Tagline).Dy(), inkBounds(std[0], g.Tagline).Dy(); a != b {
		t.Errorf("header line of the kept page is %d rows high, a standard page's %d", a, b)
	}
	// A fine page in a standard fax is drawn down to standard.
	doc, got = renderAll(t, Options{Resolution: pages.Standard}, testMessage(), Attachment{Name: "fine.tif", Data: faxTIFF(t, fine[0])})
	if doc.Sources[1].Kind != "tiff" || pages.ResolutionOf(got[1].YDPI) != pages.Standard || got[1].Height != doc.Geometry().Height {
		t.Errorf("fine page in a standard fax: kind %s, %d rows at %v dpi", doc.Sources[1].Kind, got[1].Height, got[1].YDPI)
	}
}

// TestWithResolution: a Renderer derived for another resolution lays out
// pages at that resolution and leaves the original as it was.
func TestWithResolution(t *testing.T) {
	r := New(Options{})
	f := r.WithResolution(pages.Fine)
	if r.Geometry().YDPI == f.Geometry().YDPI || f.Resolution() != pages.Fine || r.Resolution() != pages.Standard {
		t.Fatalf("geometries %v / %v", r.Geometry(), f.Geometry())
	}
	if f.Geometry().Height < 2*r.Geometry().Height-2 {
		t.Errorf("fine page %d rows, standard %d", f.Geometry().Height, r.Geometry().Height)
	}
}
