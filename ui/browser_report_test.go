package ui_test

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/chromedp/chromedp"
)

// demoRemoteIdent is the ident (CSI) the demo's simulated remote fax
// machine answers with (firmware/demo/demo.go, RemoteCSI).
const demoRemoteIdent = "+32 2 555 12 12"

// checkReport downloads, from its link in the outbox, the transmission
// report of a job the browser test delivered: it names the remote's
// ident as the remote machine sent it, the sender by name, the pages
// confirmed and the duration metered (as the call statement has it), and
// its image is the sent first page reduced.
func (b *browser) checkReport() {
	t := b.t
	t.Helper()
	ids := evalJS[[]string](b, `(() => { const j = document.querySelector('.job[data-state=delivered]');
		return [j.closest('.message').dataset.message, j.dataset.job, j.querySelector('a.report')?.getAttribute('href') || ''] })()`)
	msg, job, href := ids[0], ids[1], ids[2]
	if href != "/api/jobs/"+job+"/report.pdf" {
		t.Fatalf("the delivered job %s's report link is %q", job, href)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "report.pdf")
	if err := os.WriteFile(path, b.fetchBytes(href), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	text := string(out)
	var m struct {
		Jobs []struct {
			ID             int64 `json:"id"`
			PagesTotal     int   `json:"pages_total"`
			PagesConfirmed int   `json:"pages_confirmed"`
		} `json:"jobs"`
	}
	if err := json.Unmarshal(b.fetchBytes("/api/messages/"+msg), &m); err != nil {
		t.Fatal(err)
	}
	var confirmed string
	for _, j := range m.Jobs {
		if strconv.FormatInt(j.ID, 10) == job {
			confirmed = fmt.Sprintf("Delivered: %d of %d pages confirmed", j.PagesConfirmed, j.PagesTotal)
		}
	}
	metered := b.meteredSeconds("job" + job)
	// The sender as colleagues know them: the name given at the first run.
	for _, want := range []string{`"` + demoRemoteIdent + `"`, confirmed, metered, "Anna Admin"} {
		if want == "" || !strings.Contains(text, want) {
			t.Errorf("the report of job %s lacks %q:\n%s", job, want, text)
		}
	}
	b.checkReportImage(path, fmt.Sprintf("/api/messages/%s/pages/%%d.png?job=%s", msg, job))
	t.Logf("the report of job %s:\n%s", job, text)
}

// meteredSeconds returns the metered duration of the job's call, as the
// call statement (the ledger's CSV) has it, to the tenth of a second as
// the report writes it ("46.9 s").
func (b *browser) meteredSeconds(job string) string {
	t := b.t
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(b.fetchBytes("/api/account/ledger?format=csv"))).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("the call statement: %v (%d rows)", err, len(recs))
	}
	col := map[string]int{}
	for i, name := range recs[0] {
		col[name] = i
	}
	for _, r := range recs[1:] {
		if r[col["job"]] == job && r[col["kind"]] == "charge" {
			s, err := strconv.ParseFloat(r[col["duration_s"]], 64)
			if err != nil {
				t.Fatalf("the statement's duration of %s: %v", job, err)
			}
			return strconv.FormatFloat(s, 'f', 1, 64) + " s"
		}
	}
	t.Fatalf("the call statement has no charge for %s", job)
	return ""
}

// checkReportImage extracts the report's image with poppler's pdfimages
// and compares it with the job's pages reduced to its size: it is the
// first page (nearly the same grey levels) and not the second.
func (b *browser) checkReportImage(report, pagePath string) {
	t := b.t
	t.Helper()
	dir := filepath.Dir(report)
	if out, err := exec.Command("pdfimages", "-png", report, filepath.Join(dir, "img")).CombinedOutput(); err != nil {
		t.Fatalf("pdfimages: %v\n%s", err, out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "img-*.png"))
	if len(files) != 1 {
		t.Fatalf("images in the report: %v, want 1", files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	first := meanDiff(img, reduce(b.image(fmt.Sprintf(pagePath, 1)), img.Bounds().Size()))
	second := meanDiff(img, reduce(b.image(fmt.Sprintf(pagePath, 2)), img.Bounds().Size()))
	// Reductions by different filters differ by a few grey levels on
	// average; another page differs by far more.
	if first > 2 || second < 3*first {
		t.Errorf("the report's image differs from the first page by %.1f grey levels on average, from the second by %.1f", first, second)
	}
	t.Logf("the report's image %v: %.2f grey levels from the first page reduced, %.2f from the second", img.Bounds().Size(), first, second)
}

// reduce scales img down to size by averaging the source pixels that
// fall in each target pixel.
func reduce(img image.Image, size image.Point) *image.Gray {
	r := img.Bounds()
	out := image.NewGray(image.Rectangle{Max: size})
	for y := range size.Y {
		y0, y1 := r.Min.Y+y*r.Dy()/size.Y, r.Min.Y+max((y+1)*r.Dy()/size.Y, y*r.Dy()/size.Y+1)
		for x := range size.X {
			x0, x1 := r.Min.X+x*r.Dx()/size.X, r.Min.X+max((x+1)*r.Dx()/size.X, x*r.Dx()/size.X+1)
			sum, n := 0, 0
			for sy := y0; sy < y1; sy++ {
				for sx := x0; sx < x1; sx++ {
					sum += int(color.GrayModel.Convert(img.At(sx, sy)).(color.Gray).Y)
					n++
				}
			}
			out.SetGray(x, y, color.Gray{Y: uint8(sum / n)})
		}
	}
	return out
}

// meanDiff is the mean absolute difference of two images' grey levels.
func meanDiff(a image.Image, b *image.Gray) float64 {
	r := b.Bounds()
	total := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ga := int(color.GrayModel.Convert(a.At(x, y)).(color.Gray).Y)
			total += max(ga-int(b.GrayAt(x, y).Y), int(b.GrayAt(x, y).Y)-ga)
		}
	}
	return float64(total) / float64(r.Dx()*r.Dy())
}

// fetchBytes fetches path through the page's session.
func (b *browser) fetchBytes(path string) []byte {
	b.t.Helper()
	b64 := evalJS[string](b, fmt.Sprintf(`fetch(%q, {credentials: 'same-origin'}).then(r => r.arrayBuffer()).then(b => {
		const u = new Uint8Array(b); let s = ''; for (let i = 0; i < u.length; i++) s += String.fromCharCode(u[i]); return btoa(s) })`, path),
		chromedp.EvalAwaitPromise)
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		b.t.Fatalf("%s: %v", path, err)
	}
	return data
}

// image fetches a PNG image through the page's session.
func (b *browser) image(path string) image.Image {
	b.t.Helper()
	img, err := png.Decode(bytes.NewReader(b.fetchBytes(path)))
	if err != nil {
		b.t.Fatalf("%s: %v", path, err)
	}
	return img
}
