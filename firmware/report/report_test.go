package report_test

import (
	"bytes"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/report"
	"faxbox/pages"
	"faxbox/pages/render"
)

// testPage is a fine-resolution A4 page with a frame, a diagonal and a
// black block, so that the reduced image has something to compare.
func testPage(t *testing.T) *pages.Page {
	t.Helper()
	p, err := pages.NewPage(1728, 2286)
	if err != nil {
		t.Fatal(err)
	}
	p.XDPI, p.YDPI = pages.Fine.DPI()
	for x := 0; x < p.Width; x++ {
		for _, y := range []int{100, 101, 2180, 2181} {
			p.Set(x, y, true)
		}
	}
	for y := 0; y < p.Height; y++ {
		p.Set(y*p.Width/p.Height, y, true)
	}
	for y := 300; y < 700; y++ {
		for x := 200; x < 900; x++ {
			p.Set(x, y, true)
		}
	}
	return p
}

func delivered(t *testing.T) report.Job {
	start := time.Date(2026, 12, 7, 14, 3, 9, 0, time.UTC)
	return report.Job{
		Station:        report.Station{Name: "Dupont (Brussels)", Number: "+32 2 555 01 00", Ident: "FAXBOX 1"},
		Sender:         "Anna Admin",
		Subject:        `Contract \ signed (v2) – 8 € net`,
		Number:         "+32 2 555 12 12",
		RecipientName:  "Acme SA",
		Outcome:        "Delivered",
		Submitted:      start.Add(-time.Minute),
		PagesTotal:     2,
		PagesConfirmed: 2,
		Attempts: []report.Attempt{
			{Number: 1, Started: start, Metered: 4200 * time.Millisecond, Line: "modem1", Result: "The line was busy."},
			{Number: 2, Started: start.Add(3 * time.Minute), Metered: 39740 * time.Millisecond, Line: "modem1", Result: "Delivered",
				Pages: 2, BitRate: 14400, Coding: "MMR", ECM: true, RemoteIdent: "SPANDSP REMOTE", Charge: "0.80 EUR"},
		},
		FirstPage: testPage(t),
		Generated: start.Add(5 * time.Minute),
	}
}

func writePDF(t *testing.T, j report.Job) string {
	t.Helper()
	var b bytes.Buffer
	if err := report.Write(&b, j); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestReportText reads the report back with poppler's pdftotext: every
// fact the issue lists is there, special characters survive.
func TestReportText(t *testing.T) {
	path := writePDF(t, delivered(t))
	info := run(t, "pdfinfo", path)
	if !regexp.MustCompile(`(?m)^Pages:\s+1$`).MatchString(info) || !strings.Contains(info, "(A4)") {
		t.Errorf("pdfinfo:\n%s", info)
	}
	text := run(t, "pdftotext", "-layout", path, "-")
	for _, want := range []string{
		"Transmission report", "Made 2026-12-07 14:08:09",
		"Delivered: 2 of 2 pages confirmed",
		`Dupont (Brussels), +32 2 555 01 00, "FAXBOX 1"`,
		"Anna Admin", "Acme SA, +32 2 555 12 12", `"SPANDSP REMOTE"`,
		`Contract \ signed (v2) ? 8 € net`,
		"43.9 s in 2 calls",
		"2026-12-07 14:03:09", "4.2 s", "The line was busy.",
		"2026-12-07 14:06:09", "39.7 s", "14400", "MMR ECM", "0.80 EUR",
		"First page",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if gs := run(t, "gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=nullpage", path); strings.Contains(gs, "Error") {
		t.Errorf("ghostscript: %s", gs)
	}
}

// TestReportFirstPage extracts the image with poppler's pdfimages: it is
// exactly the sent page reduced by render.Thumbnail.
func TestReportFirstPage(t *testing.T) {
	j := delivered(t)
	path := writePDF(t, j)
	dir := t.TempDir()
	run(t, "pdfimages", "-png", path, filepath.Join(dir, "img"))
	files, _ := filepath.Glob(filepath.Join(dir, "img-*.png"))
	if len(files) != 1 {
		t.Fatalf("images in the report: %v, want 1", files)
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	want := render.Thumbnail(j.FirstPage, 360)
	if got.Bounds() != want.Bounds() {
		t.Fatalf("image %v, want %v", got.Bounds(), want.Bounds())
	}
	for y := 0; y < want.Rect.Dy(); y++ {
		for x := 0; x < want.Rect.Dx(); x++ {
			r, _, _, _ := got.At(x, y).RGBA()
			if uint8(r>>8) != want.GrayAt(x, y).Y {
				t.Fatalf("pixel (%d,%d) = %d, want %d", x, y, r>>8, want.GrayAt(x, y).Y)
			}
		}
	}
}

// TestReportFailed: a failed job lists every attempt with its cause in
// plain words, and says when the first page is gone.
func TestReportFailed(t *testing.T) {
	start := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	j := report.Job{Number: "+1 212 555 0000", Outcome: "Failed", PagesTotal: 3, Generated: start.Add(time.Hour), Location: time.FixedZone("CET", 3600)}
	for i, cause := range []string{"No one answered.", "The line was busy.", "The remote machine hung up during page 2."} {
		j.Attempts = append(j.Attempts, report.Attempt{Number: i + 1, Started: start.Add(time.Duration(i) * 10 * time.Minute), Result: cause})
	}
	text := run(t, "pdftotext", "-layout", writePDF(t, j), "-")
	for _, want := range []string{"Failed: 0 of 3 pages confirmed", "No one answered.", "The line was busy.",
		"The remote machine hung up during page 2.", "2026-12-07 10:20:00", "The first page is no longer available."} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
}

func TestReportInvalid(t *testing.T) {
	if err := report.Write(&bytes.Buffer{}, report.Job{}); err == nil {
		t.Fatal("a report without a number was written")
	}
}
