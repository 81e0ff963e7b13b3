package pages

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPDFArchive: the archive PDF opens in poppler, has one page per fax
// page at the fax's physical size, and renders at the fax's own
// resolution to the identical bitmap.
func TestPDFArchive(t *testing.T) {
	needTool(t, "pdfinfo", "poppler-utils")
	needTool(t, "pdftoppm", "poppler-utils")
	fine := crop(chart(t, 1), 1200)
	fine.XDPI, fine.YDPI = 204, 196
	std := band(chart(t, 5), 0, 1143)
	std.XDPI, std.YDPI = 204, 98
	want := []*Page{fine, std, crop(chart(t, 8), 700)} // the last: resolution unknown (fine)
	var buf bytes.Buffer
	w := NewPDFWriter(&buf, PDFInfo{Title: "Fax from +32 2 555 01 01 (test)", Created: time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)})
	for _, p := range want {
		if err := w.AddPage(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// Small: about the size of the MMR data.
	var mmr int
	for _, p := range want {
		mmr += len(mustEncode(t, p, EncoderOptions{Coding: MMR, RTC: true}))
	}
	if buf.Len() > mmr+4096 {
		t.Errorf("PDF of %d bytes for %d bytes of MMR", buf.Len(), mmr)
	}
	dir := t.TempDir()
	path := writeTemp(t, dir, "fax.pdf", buf.Bytes())
	info := string(runTool(t, "pdfinfo", path))
	if !strings.Contains(info, "Pages:           3") || !strings.Contains(info, "Title:           Fax from +32 2 555 01 01 (test)") {
		t.Fatalf("pdfinfo:\n%s", info)
	}
	// A4 width: 1728 pels at 204 dpi is 609.88 pt.
	if !strings.Contains(info, "Page size:       609.882 x") {
		t.Fatalf("page size:\n%s", info)
	}
	for i, p := range want {
		xd, yd := p.XDPI, p.YDPI
		if yd == 0 {
			xd, yd = 204, 196
		}
		out := filepath.Join(dir, fmt.Sprint("p", i))
		runTool(t, "pdftoppm", "-f", fmt.Sprint(i+1), "-l", fmt.Sprint(i+1), "-rx", fmt.Sprint(xd), "-ry", fmt.Sprint(yd), "-mono", "-singlefile", path, out)
		data, err := readFile(out + ".pbm")
		if err != nil {
			t.Fatal(err)
		}
		got := readPBMOut(t, "pdftoppm", data)[0]
		samePage(t, fmt.Sprint("page ", i+1), got, p)
	}
}

func TestPDFErrors(t *testing.T) {
	var buf bytes.Buffer
	w := NewPDFWriter(&buf, PDFInfo{})
	if err := w.Close(); err == nil {
		t.Fatal("an empty PDF closed without error")
	}
	if err := w.AddPage(crop(chart(t, 1), 10)); err == nil {
		t.Fatal("page added after close")
	}
	if got := pdfString(`a(b)\c`); got != `(a\(b\)\\c)` {
		t.Fatalf("pdfString: %s", got)
	}
}
