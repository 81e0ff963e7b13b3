package ui_test

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// copies sends a message to a To, a Cc and a Bcc contact from the
// compose page, opens each recipient's copy in the outbox and reads its
// first page with tesseract, as the recipient would read it: the To and
// Cc copies name the To and Cc recipients (with their address book
// names) and not the Bcc one; the Bcc copy names them and itself; each
// copy marks its own recipient, and only that one.
func (c *composeRun) copies() {
	t := c.t
	t.Helper()
	if code, body := c.call("POST", "/api/contacts", `{"name": "Dora Stille", "numbers": [{"label": "fax", "number": "+32 2 555 78 90"}]}`); code != 201 {
		t.Fatalf("adding a contact: %d %s", code, body)
	}
	if code, body := c.call("DELETE", "/api/draft", ""); code != 204 {
		t.Fatalf("discarding the draft: %d %s", code, body)
	}
	c.open("#/outbox")
	c.open("#/compose")
	c.waitJS("an empty compose page", `!!document.getElementById('rcpt-to') && document.querySelectorAll('.chip').length === 0`)
	for _, r := range []struct{ field, typed, name string }{
		{"to", "peet", "Bruno Peeters"}, {"cc", "alice", "Alice Martin"}, {"bcc", "stille", "Dora Stille"},
	} {
		c.do("type "+r.typed, chromedp.SendKeys(chromedp.CSS(`#rcpt-`+r.field), r.typed))
		c.waitJS(r.name+" suggested", fmt.Sprintf(`document.querySelector('#suggest-%s [aria-selected=true]')?.textContent.includes(%q)`, r.field, r.name))
		c.do("take "+r.name, chromedp.SendKeys(chromedp.CSS(`#rcpt-`+r.field), kb.Enter))
		c.waitJS(r.name+"'s chip", fmt.Sprintf(`[...document.querySelectorAll('[data-field=%s] .chip[data-state=ok] .chip-label')].some(e => e.textContent.includes(%q))`, r.field, r.name))
	}
	c.fill(map[string]string{"input[name=subject]": "Copies"})
	c.do("write the body", chromedp.SendKeys(chromedp.CSS(`textarea[name=body]`), "The minutes of the meeting."))
	c.click("send", `#send`)
	c.waitJS("the outbox with the message's three jobs", `location.hash === '#/outbox' && document.querySelectorAll('.message')[0]?.querySelectorAll('.job').length === 3`)
	m := c.newestMessage()
	if len(m.Jobs) != 3 {
		t.Fatalf("the message has %d jobs, want 3: %+v", len(m.Jobs), m)
	}
	for _, j := range m.Jobs {
		text := ocr(t, c.copyPage(m.ID, j.ID))
		t.Logf("the %s copy's first page, as tesseract reads it:\n%s", j.Recipient.Field, text)
		c.checkCopy(j.Recipient.Field, text)
	}
	c.shot("outbox-copy-pages")
}

// copyPage shows job's copy in the outbox and returns its first page as
// the page shows it.
func (c *composeRun) copyPage(msg, job int64) image.Image {
	c.t.Helper()
	c.click("show the copy's pages", fmt.Sprintf(`.job[data-job="%d"] button.pages-one`, job))
	sel := fmt.Sprintf(`.message[data-message="%d"] .previews[data-job="%d"] img`, msg, job)
	c.waitJS("the copy's first page", fmt.Sprintf(`(() => { const i = document.querySelector(%q);
		return !!i && i.complete && i.naturalWidth > 0 && document.querySelector('.job[data-job="%d"]').getAttribute('aria-current') === 'true' })()`, sel, job))
	return c.image(evalJS[string](c.browser, fmt.Sprintf(`document.querySelector(%q).getAttribute('src')`, sel)))
}

// checkCopy checks the header block of a copy for field's recipient as
// tesseract read it.
func (c *composeRun) checkCopy(field, text string) {
	t := c.t
	t.Helper()
	own := map[string]string{"to": "Bruno Peeters", "cc": "Alice Martin", "bcc": "Dora Stille"}[field]
	want := []struct{ name, label, digits string }{
		{"Bruno Peeters", "To", "3235556677"}, {"Alice Martin", "C", "3225551234"}, {"Dora Stille", "Bcc", "3225557890"},
	}
	if field != "bcc" {
		want = want[:2]
		if strings.Contains(text, "Dora") || strings.Contains(text, "Stille") || strings.Contains(text, "Bcc") {
			t.Errorf("the %s copy names the Bcc recipient:\n%s", field, text)
		}
	}
	for _, w := range want {
		line := lineWith(text, w.name)
		if !strings.HasPrefix(line, w.label) {
			t.Errorf("the %s copy: %s is on %q, want a line starting %q:\n%s", field, w.name, line, w.label, text)
			continue
		}
		if mine := strings.Contains(line, "(this copy)"); mine != (w.name == own) {
			t.Errorf("the %s copy: %q marked as this copy: %v", field, line, mine)
		}
		if got := ocrDigits(line); !strings.Contains(got, w.digits) {
			t.Errorf("the %s copy: %s's number reads %q, want %s", field, w.name, got, w.digits)
		}
	}
	if n := strings.Count(text, "(this copy)"); n != 1 {
		t.Errorf("the %s copy marks %d recipients as this copy:\n%s", field, n, text)
	}
}

// lineWith returns the first line of text that contains s, trimmed.
func lineWith(text, s string) string {
	for line := range strings.Lines(text) {
		if strings.Contains(line, s) {
			return strings.TrimSpace(line)
		}
	}
	return ""
}

// ocrDigits returns the digits of a header line's number (after its
// last comma), reading the letters OCR confuses with digits as those.
func ocrDigits(line string) string {
	line = strings.TrimSuffix(line, "(this copy)")
	if i := strings.LastIndex(line, ","); i >= 0 {
		line = line[i+1:]
	}
	var b strings.Builder
	for _, r := range line {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case strings.ContainsRune("@Oo", r):
			b.WriteByte('0')
		case strings.ContainsRune("lI|", r):
			b.WriteByte('1')
		case r == 'S':
			b.WriteByte('5')
		case r == 'B':
			b.WriteByte('8')
		}
	}
	return b.String()
}

// ocr reads a page with tesseract (Debian's tesseract-ocr with its
// English data).
func ocr(t testing.TB, img image.Image) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "page.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("tesseract", path, "stdout").Output()
	if err != nil {
		t.Fatalf("tesseract (apt-get install tesseract-ocr tesseract-ocr-eng; make test installs it): %v", err)
	}
	return string(out)
}
