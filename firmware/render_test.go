package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"faxbox/pages"
)

// TestRenderCLI: a body, a PBM and a PNG become a TIFF-F, an archive PDF
// that poppler reads, and PNG previews.
func TestRenderCLI(t *testing.T) {
	dir := t.TempDir()
	body := filepath.Join(dir, "body.txt")
	os.WriteFile(body, []byte("Dear colleagues,\n\nthe results are attached.\n"), 0o644)
	pbm := filepath.Join(dir, "scan.pbm")
	writePBMs(t, pbm, testPages(t)[:1])
	img := image.NewGray(image.Rect(0, 0, 400, 300))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for x := 50; x < 350; x++ {
		img.SetGray(x, 150, color.Gray{})
	}
	var pngBuf bytes.Buffer
	png.Encode(&pngBuf, img)
	pic := filepath.Join(dir, "line.png")
	os.WriteFile(pic, pngBuf.Bytes(), 0o644)

	tif := filepath.Join(dir, "out.tif")
	if code, so, se := runFaxd("render", "--subject", "Results", "--body", body, "--to", "Lab", "--out", tif, pbm, pic); code != 0 || !strings.Contains(so, "3 pages") {
		t.Fatalf("exit %d: %s %s", code, so, se)
	}
	data, _ := os.ReadFile(tif)
	got, _, err := pages.ReadTIFF(data)
	if err != nil || len(got) != 3 || got[0].Width != pages.WidthA4 {
		t.Fatalf("TIFF: %d pages, %v", len(got), err)
	}
	pdf := filepath.Join(dir, "out.pdf")
	if code, _, se := runFaxd("render", "--no-cover", "--no-header", "--resolution", "standard", "--out", pdf, pbm); code != 0 {
		t.Fatalf("pdf: %s", se)
	}
	info, err := exec.Command("pdfinfo", pdf).CombinedOutput()
	if err != nil || !strings.Contains(string(info), "Pages:           1") {
		t.Fatalf("pdfinfo: %v %s", err, info)
	}
	pngs := filepath.Join(dir, "previews")
	if code, _, se := runFaxd("render", "--body", body, "--out", pngs, pic); code != 0 {
		t.Fatalf("previews: %s", se)
	}
	for _, f := range []string{"page-001.png", "page-001-thumb.png", "page-002.png", "page-002-thumb.png"} {
		if _, err := os.Stat(filepath.Join(pngs, f)); err != nil {
			t.Fatal(err)
		}
	}
	// A corrupt attachment is named, and nothing is written.
	bad := filepath.Join(dir, "broken.png")
	os.WriteFile(bad, pngBuf.Bytes()[:40], 0o644)
	out := filepath.Join(dir, "bad.tif")
	if code, _, se := runFaxd("render", "--out", out, bad); code == 0 || !strings.Contains(se, "broken.png") {
		t.Fatalf("corrupt attachment: exit %d, %q", code, se)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("output written for a corrupt attachment")
	}
}
