package ui_test

// The compose page as office staff use it, in chromium against the demo
// (see browser_test.go), at desktop and phone width: contacts chosen as
// in an e-mail program, files checked as they are added, a draft that
// survives leaving the page and reloading it, resend with the files, and
// a number that no numbering plan knows sent anyway.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

func TestBrowserCompose(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("Debian's chromium is needed (apt-get install chromium; make test installs it): %v", err)
	}
	srv := startDemo(t, buildFaxd(t))
	b := newBrowser(t, srv)
	t.Logf("screenshots in %s", b.shots)
	b.firstRun()
	for _, c := range []string{
		`{"name": "Alice Martin", "company": "Martin Notaires", "numbers": [{"label": "fax", "number": "+32 2 555 12 34"},
			{"label": "phone", "number": "+32 2 555 12 00"}, {"label": "fax", "number": "+32 2 555 98 76"}]}`,
		`{"name": "Bruno Peeters", "company": "Peeters Bouw", "numbers": [{"label": "fax", "number": "+32 3 555 66 77"}]}`,
	} {
		if code, body := b.call("POST", "/api/contacts", c); code != 201 {
			t.Fatalf("adding a contact: %d %s", code, body)
		}
	}
	f := composeFiles(t)
	for _, s := range screens {
		c := &composeRun{browser: b, screen: s.name, width: s.width, height: s.height, files: f}
		c.viewport()
		c.recipients()
		c.attachments()
		c.keepsEverything()
		c.resend()
	}
	c := &composeRun{browser: b, screen: screens[0].name, width: screens[0].width, height: screens[0].height, files: f}
	c.viewport()
	c.copies()
}

// composeRun is one pass through Compose at one screen size.
type composeRun struct {
	*browser
	screen        string
	width, height int64
	files         testFiles
	sent          int64 // the message sent
}

// testFiles are the files the test attaches.
type testFiles struct {
	pdf, photo, doc, damaged string
}

// composeFiles writes the test's files: a PDF of one page, a photo, a
// Word document and a damaged PDF.
func composeFiles(t *testing.T) testFiles {
	t.Helper()
	dir := t.TempDir()
	pdf, err := filepath.Abs("testdata/letter.pdf")
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for y := range 480 {
		for x := range 640 {
			img.Set(x, y, color.RGBA{uint8(x * 255 / 640), uint8(y * 255 / 480), uint8((x + y) % 256), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	f := testFiles{pdf: pdf, photo: filepath.Join(dir, "photo.png"), doc: filepath.Join(dir, "offer.doc"), damaged: filepath.Join(dir, "scan.pdf")}
	for name, data := range map[string][]byte{f.photo: buf.Bytes(),
		f.doc:     append([]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), bytes.Repeat([]byte{1, 2, 3}, 300)...),
		f.damaged: []byte("this file was cut off before its first byte of PDF")} {
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// viewport sets the run's screen size (b.shot leaves the desktop's).
func (c *composeRun) viewport() {
	c.do("screen size "+c.screen, chromedp.EmulateViewport(c.width, c.height))
}

// click clicks the element; the notices, which float over the bottom of
// the page (deliveries of the faxes sent before come in at any time), are
// dismissed first so that they do not take the click.
func (c *composeRun) click(what, sel string) {
	c.t.Helper()
	evalJS[chromedp.Void](c.browser, `document.querySelectorAll('#notices .notice').forEach(n => n.remove())`)
	c.do(what, chromedp.Click(chromedp.CSS(sel)))
}

// shot saves the screenshots (at every size) of the first pass.
func (c *composeRun) shot(name string) {
	if c.screen != screens[0].name {
		return
	}
	c.browser.shot(name)
	c.viewport()
}

// call sends an API request from the page with the session's CSRF
// token, JSON body or none, and returns the status and the answer.
func (b *browser) call(method, path, body string) (int, string) {
	b.t.Helper()
	js := fmt.Sprintf(`fetch('/auth/me', {credentials: 'same-origin'}).then(r => r.json()).then(me =>
		fetch(%q, {method: %q, credentials: 'same-origin', headers: {'X-CSRF-Token': me.csrf, 'Content-Type': 'application/json'},
			body: %s})).then(r => r.text().then(t => r.status + ' ' + t))`, path, method, orUndefined(body))
	out := evalJS[string](b, js, chromedp.EvalAwaitPromise)
	code, rest, _ := strings.Cut(out, " ")
	n, _ := strconv.Atoi(code)
	return n, rest
}

func orUndefined(body string) string {
	if body == "" {
		return "undefined"
	}
	return strconv.Quote(body)
}

// draft reads the user's draft from the appliance.
func (c *composeRun) draft() (to, cc, bcc []string, files []string, noCover bool) {
	c.t.Helper()
	code, body := c.call("GET", "/api/draft", "")
	var d struct {
		Form *struct {
			To, Cc, Bcc []struct{ Value string }
			NoCover     bool `json:"no_cover"`
		}
		Files []struct{ Name string }
	}
	if err := json.Unmarshal([]byte(body), &d); code != 200 || err != nil {
		c.t.Fatalf("GET /api/draft: %d %v %s", code, err, body)
	}
	values := func(rs []struct{ Value string }) (out []string) {
		for _, r := range rs {
			out = append(out, r.Value)
		}
		return out
	}
	for _, f := range d.Files {
		files = append(files, f.Name)
	}
	if d.Form == nil {
		return nil, nil, nil, files, false
	}
	return values(d.Form.To), values(d.Form.Cc), values(d.Form.Bcc), files, d.Form.NoCover
}

// waitDraft waits until the draft on the appliance has the To numbers.
func (c *composeRun) waitDraft(what string, to ...string) {
	c.t.Helper()
	var got []string
	for range 50 {
		got, _, _, _, _ = c.draft()
		if slices.Equal(got, to) {
			return
		}
		evalJS[chromedp.Void](c.browser, `new Promise(r => setTimeout(r, 100))`, chromedp.EvalAwaitPromise)
	}
	c.t.Errorf("at %s, %s: the draft's To is %q, want %q", c.screen, what, got, to)
}

// recipients: "Add at least one recipient." goes once one is added; Tab
// and Enter take the highlighted suggestion; every fax number of a
// contact is offered and the one clicked is used, on the Contacts page
// too; five spellings of one number make one recipient and a note; a
// number that no numbering plan knows can be sent anyway, with a warning.
func (c *composeRun) recipients() {
	t := c.t
	t.Helper()
	if code, body := c.call("DELETE", "/api/draft", ""); code != 204 {
		t.Fatalf("discarding the draft: %d %s", code, body)
	}
	c.open("#/outbox")
	c.open("#/compose")
	c.waitJS("an empty compose page", `!!document.getElementById('rcpt-to') && document.querySelectorAll('.chip').length === 0`)
	c.click("send with no recipient", `#send`)
	c.waitJS("asked for a recipient", `document.getElementById('compose-error').textContent === 'Add at least one recipient.'`)

	c.do("type a company and Tab", chromedp.SendKeys(chromedp.CSS(`#rcpt-to`), "peet"))
	c.waitJS("Bruno suggested and highlighted", `document.querySelector('#suggest-to [aria-selected=true]')?.textContent.includes('Bruno Peeters')`)
	c.do("take him with Tab", chromedp.SendKeys(chromedp.CSS(`#rcpt-to`), kb.Tab))
	c.waitJS("Bruno's chip, checked", `[...document.querySelectorAll('[data-field=to] .chip[data-state=ok] .chip-label')].some(e => e.textContent === 'Bruno Peeters')`)
	if n := evalJS[int](c.browser, `document.querySelectorAll('.chip.invalid').length`); n != 0 {
		t.Errorf("at %s: Tab on a suggestion made %d invalid chips", c.screen, n)
	}
	c.waitJS("the request for a recipient gone", `document.getElementById('compose-error').textContent === ''`)
	c.waitDraft("after Bruno", "+3235556677")

	// The second fax number on the Contacts page.
	c.open("#/contacts")
	c.waitJS("Alice's card", `!!document.querySelector('.contact[data-contact] .numbers a')`)
	evalJS[chromedp.Void](c.browser, `[...document.querySelectorAll('.contact')].find(e => e.querySelector('h2').textContent === 'Alice Martin')
		.querySelectorAll('.numbers a')[1].click()`)
	c.waitJS("compose with Alice's second number", `location.hash.startsWith('#/compose') && [...document.querySelectorAll('[data-field=to] .chip[data-state=ok]')]
		.some(e => e.querySelector('.chip-label').textContent.includes('Alice Martin') && e.querySelector('.chip-label').title === '+32 2 555 98 76')`)
	c.waitDraft("after the Contacts page", "+3235556677", "+3225559876")

	// Both fax numbers suggested; Enter takes the highlighted first.
	c.do("type a name", chromedp.SendKeys(chromedp.CSS(`#rcpt-to`), "mart"))
	c.waitJS("both of Alice's fax numbers suggested", `(() => { const o = [...document.querySelectorAll('#suggest-to [role=option]')];
		return o.length === 2 && o[0].dataset.number === '+3225551234' && o[1].dataset.number === '+3225559876' &&
			o[0].getAttribute('aria-selected') === 'true' })()`)
	c.shot("compose-suggestions")
	c.do("take the first with Enter", chromedp.SendKeys(chromedp.CSS(`#rcpt-to`), kb.Enter))
	c.waitDraft("after Enter", "+3235556677", "+3225559876", "+3225551234")

	// Five spellings of a number already there: one recipient, a note.
	c.do("type one number five ways", chromedp.SendKeys(chromedp.CSS(`#rcpt-cc`),
		"+32 2 555 12 34, 0032 2 555 12 34, 3225551234@fax, +32 (0)2 555 12 34, +32-2-555-1234,"))
	c.waitJS("the spellings merged", `document.querySelectorAll('.chip').length === 3 && !document.querySelector('.chip[data-state=checking]') &&
		document.getElementById('rcpt-note').textContent.includes('same number as “Alice Martin')`)
	c.shot("compose-duplicates")

	// A number that looks right but that no numbering plan knows.
	c.do("type an unknown number", chromedp.SendKeys(chromedp.CSS(`#rcpt-bcc`), "+32 2 123 45 67,"))
	c.waitJS("it is refused with a way to send anyway", `(() => { const ch = document.querySelector('[data-field=bcc] .chip.invalid');
		return !!ch && ch.textContent.includes('no such number') && !!ch.querySelector('button.send-anyway') })()`)
	c.click("send anyway", `[data-field=bcc] .chip button.send-anyway`)
	c.waitJS("the number kept with a warning", `(() => { const ch = document.querySelector('[data-field=bcc] .chip');
		return ch.dataset.state === 'unchecked' && ch.querySelector('.chip-info').textContent.includes('not a known number') })()`)
	c.shot("compose-unknown-number")
}

// attachments: a Word document and a damaged PDF are refused as they are
// added, in plain words with what to do; the supported kinds are listed;
// the upload shows its progress and sizes read in KB or MB; the cover
// page can be left out.
func (c *composeRun) attachments() {
	t := c.t
	t.Helper()
	c.waitJS("the supported files listed", `document.getElementById('supported').textContent.includes('PDF, PNG, JPEG')`)
	c.do("attach a Word document", chromedp.SetUploadFiles(chromedp.CSS(`#files`), []string{c.files.doc}))
	c.waitJS("it is refused at once", `(() => { const f = document.querySelector('#file-list .file[data-state=refused]');
		return !!f && f.textContent.includes('offer.doc: a Word document cannot be faxed') && f.textContent.includes('Save it as PDF') })()`)
	c.do("attach a damaged PDF", chromedp.SetUploadFiles(chromedp.CSS(`#files`), []string{c.files.damaged}))
	c.waitJS("the appliance refuses it", `[...document.querySelectorAll('#file-list .file[data-state=refused]')].some(f => f.textContent.includes('scan.pdf: this PDF is damaged'))`)
	c.shot("compose-refused-files")
	text := evalJS[string](c.browser, `document.getElementById('file-list').textContent`)
	for _, dev := range []string{"render:", "%PDF-", "signature", "content type", "application/"} {
		if strings.Contains(text, dev) {
			t.Errorf("at %s: the refusals have developer words (%q): %s", c.screen, dev, text)
		}
	}
	for range 2 {
		c.click("remove a refused file", `#file-list .file[data-state=refused] button`)
	}
	evalJS[chromedp.Void](c.browser, `window.sawProgress = false; new MutationObserver(() => {
		if (document.querySelector('#file-list progress')) window.sawProgress = true }).observe(document.getElementById('file-list'), {childList: true, subtree: true})`)
	c.do("attach a PDF and a photo", chromedp.SetUploadFiles(chromedp.CSS(`#files`), []string{c.files.pdf, c.files.photo}))
	c.waitJS("both uploaded", `document.querySelectorAll('#file-list .file[data-state=ok]').length === 2 && document.querySelectorAll('#file-list .file').length === 2`)
	if !evalJS[bool](c.browser, `window.sawProgress`) {
		t.Errorf("at %s: no upload progress shown", c.screen)
	}
	sizes := evalJS[[]string](c.browser, `[...document.querySelectorAll('#file-list .file-size')].map(e => e.textContent)`)
	for _, s := range sizes {
		if !strings.HasSuffix(s, " KB") && !strings.HasSuffix(s, " MB") {
			t.Errorf("at %s: a file size reads %q, want KB or MB", c.screen, s)
		}
	}

	// Without the cover page: the preview has the files' pages only.
	c.click("leave out the cover page", `#cover`)
	c.click("preview", `#preview`)
	c.waitJS("two pages, no cover page", `document.querySelectorAll('#previews img').length === 2`)
	c.click("put the cover page back", `#cover`)
	c.click("preview again", `#preview`)
	c.waitJS("three pages with the cover page", `document.querySelectorAll('#previews img').length === 3 &&
		[...document.querySelectorAll('#previews img')].every(i => i.complete && i.naturalWidth > 0)`)
	c.shot("compose-files")
}

// keepsEverything: leaving Compose and reloading the page keep the
// recipients, the text, the files and the cover page choice.
func (c *composeRun) keepsEverything() {
	c.t.Helper()
	c.fill(map[string]string{"input[name=subject]": "Signed deed " + c.screen})
	c.do("write the body", chromedp.SendKeys(chromedp.CSS(`textarea[name=body]`), "Dear Alice,\nthe signed deed and a photo of the site."))
	c.click("leave out the cover page", `#cover`)
	pick := func(res string) {
		evalJS[chromedp.Void](c.browser, fmt.Sprintf(`(() => { const s = document.getElementById('resolution'); s.value = %q;
			s.dispatchEvent(new Event('change')) })()`, res))
	}
	pick("superfine")
	whole := fmt.Sprintf(`!!document.getElementById('cover') && document.querySelector('input[name=subject]').value === %q &&
		document.getElementById('resolution').value === 'superfine' &&
		document.querySelector('textarea[name=body]').value.includes('photo of the site') &&
		document.querySelectorAll('.chip').length === 4 && document.querySelectorAll('.chip[data-state=ok]').length === 3 &&
		document.querySelector('[data-field=bcc] .chip')?.dataset.state === 'unchecked' &&
		[...document.querySelectorAll('#file-list .file[data-state=ok] .file-name')].map(e => e.textContent).join() === 'letter.pdf,photo.png' &&
		!document.getElementById('cover').checked`, "Signed deed "+c.screen)
	c.open("#/inbox")
	c.waitJS("the inbox", `location.hash === '#/inbox' && !document.getElementById('rcpt-to')`)
	c.open("#/compose")
	c.waitJS("everything back after a visit to the inbox", whole)
	c.do("reload", chromedp.Reload())
	c.waitJS("everything back after a reload", whole)
	c.shot("compose-draft-reloaded")
	if _, _, _, files, noCover := c.draft(); len(files) != 2 || !noCover {
		c.t.Errorf("at %s: the draft on the appliance has files %q, no cover %v", c.screen, files, noCover)
	}
	c.click("put the cover page back", `#cover`)
	pick("")
}

// resend sends the message, resends it to one recipient from the
// outbox: Compose has that recipient only, the subject, the body and
// both files, and the copy sent has the same pages.
func (c *composeRun) resend() {
	t := c.t
	t.Helper()
	c.click("send", `#send`)
	c.waitJS("the outbox with the message's four jobs", `location.hash === '#/outbox' && document.querySelectorAll('.message .job').length >= 4`)
	first := c.newestMessage()
	var job int64
	for _, j := range first.Jobs {
		if j.Recipient.Number == "+3225551234" {
			job = j.ID
		}
	}
	if job == 0 {
		t.Fatalf("at %s: no job to +3225551234 in %+v", c.screen, first)
	}
	c.waitJS("a resend button on the job", fmt.Sprintf(`!!document.querySelector('.job[data-job="%d"] button.resend-one')`, job))
	c.shot("outbox-resend")
	c.click("resend to Alice only", fmt.Sprintf(`.job[data-job="%d"] button.resend-one`, job))
	c.waitJS("compose with Alice, the text and both files", fmt.Sprintf(`location.hash.startsWith('#/compose') &&
		document.querySelectorAll('.chip').length === 1 && document.querySelector('[data-field=to] .chip[data-state=ok] .chip-label')?.title === '+32 2 555 12 34' &&
		document.querySelector('input[name=subject]').value === %q &&
		[...document.querySelectorAll('#file-list .file[data-state=ok] .file-name')].map(e => e.textContent).join() === 'letter.pdf,photo.png'`,
		"Signed deed "+c.screen))
	c.shot("compose-resent")
	c.click("send it again", `#send`)
	c.waitJS("the outbox", `location.hash === '#/outbox'`)
	again := c.newestMessage()
	if again.ID == first.ID || len(again.Jobs) != 1 {
		t.Fatalf("at %s: the resend is %+v", c.screen, again)
	}
	n := max(first.Jobs[0].PagesTotal, again.Jobs[0].PagesTotal)
	if n != 3 || again.Jobs[0].PagesTotal != n {
		t.Fatalf("at %s: %d pages sent, %d resent; want 3 (the cover page, the letter, the photo)", c.screen, first.Jobs[0].PagesTotal, again.Jobs[0].PagesTotal)
	}
	// The files' pages are the same but for the header line at the top.
	for p := 2; p <= n; p++ {
		a := c.image(fmt.Sprintf("/api/messages/%d/pages/%d.png?job=%d", first.ID, p, job))
		b := c.image(fmt.Sprintf("/api/messages/%d/pages/%d.png?job=%d", again.ID, p, again.Jobs[0].ID))
		if d := differ(a, b); d != "" {
			t.Errorf("at %s: page %d of the resend differs: %s", c.screen, p, d)
		}
	}
}

type sentMessage struct {
	ID   int64 `json:"id"`
	Jobs []struct {
		ID         int64 `json:"id"`
		PagesTotal int   `json:"pages_total"`
		Recipient  struct {
			Number string `json:"number"`
			Field  string `json:"field"`
		} `json:"recipient"`
	} `json:"jobs"`
}

// newestMessage returns the user's newest message with its jobs.
func (c *composeRun) newestMessage() sentMessage {
	c.t.Helper()
	var list struct{ Messages []sentMessage }
	code, body := c.call("GET", "/api/messages?limit=1", "")
	if err := json.Unmarshal([]byte(body), &list); code != 200 || err != nil || len(list.Messages) == 0 {
		c.t.Fatalf("GET /api/messages: %d %v %s", code, err, body)
	}
	var m sentMessage
	code, body = c.call("GET", fmt.Sprintf("/api/messages/%d", list.Messages[0].ID), "")
	if err := json.Unmarshal([]byte(body), &m); code != 200 || err != nil {
		c.t.Fatalf("GET /api/messages/%d: %d %v %s", list.Messages[0].ID, code, err, body)
	}
	return m
}

// differ compares two page images below their header line (the top 5%,
// which has the time of sending) and says how they differ, or "".
func differ(a, b image.Image) string {
	if a.Bounds() != b.Bounds() {
		return fmt.Sprintf("sizes %v and %v", a.Bounds(), b.Bounds())
	}
	r := a.Bounds()
	diff, total := 0, 0
	for y := r.Min.Y + r.Dy()/20; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			total++
			if ga, gb := color.GrayModel.Convert(a.At(x, y)), color.GrayModel.Convert(b.At(x, y)); ga != gb {
				diff++
			}
		}
	}
	if diff > 0 {
		return fmt.Sprintf("%d of %d pixels", diff, total)
	}
	return ""
}
