package api_test

import (
	"bytes"
	"context"
	"image/png"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"faxbox/firmware/api"
	"faxbox/firmware/billing"
	"faxbox/firmware/store"
	"faxbox/pages/render"
)

// needTool fails the test when a peer program is missing: tests never
// skip for that; `make test` installs the packages.
func needTool(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found: run `make test` as root or `apt-get install -y %s`", name, pkg)
	}
	return p
}

// fetch gets path as tok's user and returns the status, the content type
// and the body.
func (e *env) fetch(t *testing.T, tok, path string) (int, string, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestPreviews: the preview is the first recipient's copy, priced for all
// recipients, stores nothing, is served to its user only, and expires.
func TestPreviews(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	e := newEnv(t, 50*billing.Unit, func(c *api.Config) { c.Now = clk.now })
	fields := map[string]string{"to": "02 555 12 12", "cc": "+32 2 555 13 13", "subject": "Report", "body": "See attached."}
	files := map[string]string{"notes.txt": "line one\nline two\n"}
	ct, body := form(t, fields, files)
	var pv struct {
		Pages     int      `json:"pages"`
		Estimate  string   `json:"estimate"`
		Currency  string   `json:"currency"`
		Previews  []string `json:"previews"`
		Estimates struct {
			Recipients []recipientEstimate `json:"recipients"`
		} `json:"estimates"`
	}
	if code := e.do(t, "POST", "/api/previews", ct, body, &pv); code != http.StatusOK {
		t.Fatalf("status %d: %+v", code, pv)
	}
	if pv.Pages != 2 || len(pv.Previews) != 2 || pv.Currency != "EUR" {
		t.Fatalf("preview %+v; want 2 pages", pv)
	}
	checkEstimates(context.Background(), t, e.led, pv.Estimate, pv.Estimates.Recipients, 2)
	if ms, _ := e.st.ListMessages(context.Background(), store.ListOptions{}); len(ms) != 0 {
		t.Errorf("%d messages stored by a preview", len(ms))
	}
	if _, err := os.Stat(filepath.Join(e.dir, "messages")); !os.IsNotExist(err) {
		t.Errorf("a preview wrote message pages: %v", err)
	}

	// The same pages as the renderer draws for the first recipient,
	// naming the To and the Cc recipient.
	doc, err := render.New(render.Options{}).Render(context.Background(), render.Message{
		From: render.Party{Organisation: "Test office", Fax: "+3225550100", Name: "alice"},
		To:   render.Party{Fax: "+32 2 555 12 12"}, Addressees: []render.Addressee{
			{Party: render.Party{Fax: "+32 2 555 12 12"}, Field: "To", Self: true},
			{Party: render.Party{Fax: "+32 2 555 13 13"}, Field: "Cc"}},
		Subject: "Report", Body: "See attached.", Time: clk.now()},
		[]render.Attachment{{Name: "notes.txt", Data: []byte(files["notes.txt"])}})
	if err != nil {
		t.Fatal(err)
	}
	want, err := doc.All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i, u := range pv.Previews {
		code, ctype, data := e.fetch(t, token, u)
		if code != http.StatusOK || ctype != "image/png" {
			t.Fatalf("%s: %d %s %s", u, code, ctype, data)
		}
		var w bytes.Buffer
		render.WriteThumbnailPNG(&w, want[i], want[i].Width)
		if !bytes.Equal(data, w.Bytes()) {
			t.Errorf("%s differs from the first recipient's page %d", u, i+1)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil || img.Bounds().Dx() != want[i].Width {
			t.Fatalf("%s: %v", u, err)
		}
		t.Logf("%s: %dx%d, %d bytes", u, img.Bounds().Dx(), img.Bounds().Dy(), len(data))
	}
	if code, _, _ := e.fetch(t, bobToken, pv.Previews[0]); code != http.StatusNotFound {
		t.Errorf("bob gets alice's preview: %d", code)
	}
	if code, _, _ := e.fetch(t, token, strings.Replace(pv.Previews[0], "/1.png", "/3.png", 1)); code != http.StatusNotFound {
		t.Errorf("page 3 of 2: %d", code)
	}
	clk.advance(31 * time.Minute)
	if code, _, _ := e.fetch(t, token, pv.Previews[0]); code != http.StatusNotFound {
		t.Errorf("after 31 minutes: %d", code)
	}
	if ents, _ := os.ReadDir(filepath.Join(e.dir, "previews")); len(ents) != 0 {
		t.Errorf("%d expired previews left on disk", len(ents))
	}

	var ae apiError
	ct, body = form(t, map[string]string{"to": "+32 0 2 555 12 12", "body": "x"}, nil)
	if code := e.do(t, "POST", "/api/previews", ct, body, &ae); code != http.StatusBadRequest || len(ae.Invalid) != 1 {
		t.Errorf("invalid number: %d %+v", code, ae)
	}
}

// TestMessagePagesAndArchive: a message's pages as PNG and as a PDF that
// Poppler reads, for its sender and administrators only.
func TestMessagePagesAndArchive(t *testing.T) {
	pdfinfo := needTool(t, "pdfinfo", "poppler-utils")
	e := newEnv(t, 50*billing.Unit)
	ct, body := form(t, map[string]string{"to": "02 555 12 12", "bcc": "02 555 12 13", "subject": "Report", "body": "Hi"},
		map[string]string{"notes.txt": "line one\n"})
	var m message
	if code := e.do(t, "POST", "/api/messages", ct, body, &m); code != http.StatusCreated || len(m.Jobs) != 2 {
		t.Fatalf("submit: %d %+v", code, m)
	}
	base := "/api/messages/" + itoa(m.ID)
	code, ctype, data := e.fetch(t, token, base+"/pages/2.png")
	if code != http.StatusOK || ctype != "image/png" {
		t.Fatalf("page 2: %d %s %s", code, ctype, data)
	}
	if img, err := png.Decode(bytes.NewReader(data)); err != nil || img.Bounds().Dx() != 1728 {
		t.Fatalf("page 2 PNG: %v", err)
	}
	// Each recipient's copy has its own header line: the Bcc copy differs.
	_, _, bcc := e.fetch(t, token, base+"/pages/1.png?job="+itoa(m.Jobs[1].ID))
	_, _, first := e.fetch(t, token, base+"/pages/1.png")
	if len(bcc) == 0 || bytes.Equal(bcc, first) {
		t.Errorf("the Bcc recipient's first page is the To recipient's")
	}
	for path, want := range map[string]int{base + "/pages/3.png": 404, base + "/pages/0.png": 404, base + "/pages/x": 404,
		base + "/pages/1.png?job=99999": 404, "/api/messages/999/pages/1.png": 404} {
		if code, _, _ := e.fetch(t, token, path); code != want {
			t.Errorf("%s: %d, want %d", path, code, want)
		}
	}
	if code, _, _ := e.fetch(t, bobToken, base+"/pages/1.png"); code != http.StatusNotFound {
		t.Errorf("bob sees alice's page: %d", code)
	}
	if code, _, _ := e.fetch(t, bobToken, base+"/archive.pdf"); code != http.StatusNotFound {
		t.Errorf("bob gets alice's archive: %d", code)
	}
	code, ctype, data = e.fetch(t, adminToken, base+"/archive.pdf")
	if code != http.StatusOK || ctype != "application/pdf" || !bytes.HasPrefix(data, []byte("%PDF-")) {
		t.Fatalf("archive: %d %s", code, ctype)
	}
	path := filepath.Join(t.TempDir(), "archive.pdf")
	os.WriteFile(path, data, 0o644)
	out, err := exec.Command(pdfinfo, path).CombinedOutput()
	if err != nil || !regexp.MustCompile(`(?m)^Pages:\s+2$`).Match(out) || !regexp.MustCompile(`(?m)^Title:\s+Report$`).Match(out) ||
		!regexp.MustCompile(`(?m)^Subject:\s+Faxbox message \d+, standard resolution$`).Match(out) {
		t.Errorf("pdfinfo: %v\n%s", err, out)
	}
}
