package ui_test

// The office's names, inbox and queue in the browser, against the demo
// (helpers in browser_test.go): a display name on the account page, names
// beside numbers, a received fax told on every page and handled in the
// inbox (read, pages in a viewer, assign, forward, delete), queued jobs
// that say why they wait, "retry now" that keeps the automatic attempts,
// a cancel that asks before hanging up, a short phone header and
// downloads named for what they are; at desktop and phone width.

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

func TestBrowserInbox(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("Debian's chromium is needed (apt-get install chromium; make test installs it): %v", err)
	}
	srv := startDemo(t, buildFaxd(t))
	b := newBrowser(t, srv)
	dialogs := b.answerDialogs()
	b.firstRun()
	b.addStaff()
	b.addContacts()
	b.addContact("Carla Remote", "ACME Remote", "+32 2 555 12 12") // the demo's remote fax machine

	b.displayName()
	b.phoneHeader()
	b.inboxTells(dialogs)
	b.queueExplained(dialogs)
}

// dialogAnswers answers the page's confirm() dialogs: each with the next
// answer queued, and records what they asked.
type dialogAnswers struct {
	mu      sync.Mutex
	answers []bool
	asked   []string
}

func (d *dialogAnswers) queue(accept bool) {
	d.mu.Lock()
	d.answers = append(d.answers, accept)
	d.mu.Unlock()
}

func (d *dialogAnswers) messages() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.asked...)
}

// answerDialogs answers every JavaScript dialog the page opens, as a user
// clicking OK or Cancel would, with the answers queued (Cancel when none
// is).
func (b *browser) answerDialogs() *dialogAnswers {
	d := &dialogAnswers{}
	opening := chromedp.Events(b.ctx, page.JavascriptDialogOpening)
	go func() {
		for e, err := range opening {
			if err != nil {
				return
			}
			d.mu.Lock()
			d.asked = append(d.asked, e.Message)
			accept := len(d.answers) > 0 && d.answers[0]
			if len(d.answers) > 0 {
				d.answers = d.answers[1:]
			}
			d.mu.Unlock()
			// Answered from another goroutine than the one that receives
			// the events.
			go chromedp.Do(b.ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: accept})
				return err
			}))
		}
	}()
	return d
}

// addContact adds one contact with a fax number on the Contacts page.
func (b *browser) addContact(name, company, fax string) {
	b.t.Helper()
	b.open("#/contacts")
	b.do("open the contact form", chromedp.Click(chromedp.CSS(`#new-contact`)))
	b.waitJS("the contact form", `!!document.querySelector('#contact-form input[name=number]')`)
	b.fill(map[string]string{"#contact-form input[name=name]": name, "#contact-form input[name=company]": company,
		"#contact-form input[name=number]": fax})
	b.do("save "+name, chromedp.Click(chromedp.CSS(`#contact-form button[type=submit]`)))
	b.waitJS(name+" in the address book", fmt.Sprintf(`!document.getElementById('contact-form') &&
		[...document.querySelectorAll('.contact h2')].some(e => e.textContent === %q)`, name))
}

// atWidths runs check at desktop and at phone width, then restores the
// desktop size.
func (b *browser) atWidths(check func(size string)) {
	b.t.Helper()
	for _, s := range screens {
		b.do("resize to "+s.name, chromedp.EmulateViewport(s.width, s.height), chromedp.Sleep(200*time.Millisecond))
		check(s.name)
	}
	b.do("restore the desktop size", chromedp.EmulateViewport(screens[0].width, screens[0].height))
}

// displayName: the administrator, "anna", calls herself "Anna Admin" on
// the account page; the header and /auth/me say so.
func (b *browser) displayName() {
	t := b.t
	t.Helper()
	b.open("#/account")
	b.waitJS("the name field", `!!document.getElementById('display-name')`)
	b.fill(map[string]string{"#display-name": "Anna Admin"})
	b.do("save the name", chromedp.Evaluate[chromedp.Void](
		`document.getElementById('display-name').form.querySelector('button[type=submit]').click()`))
	b.waitJS("the name in the header", `document.getElementById('who').textContent.includes('Anna Admin')`)
	me := evalJS[string](b, `fetch('/auth/me', {credentials: 'same-origin'}).then(r => r.json()).then(m => m.user.name + '/' + m.user.display_name)`,
		chromedp.EvalAwaitPromise)
	if me != "anna/Anna Admin" {
		t.Errorf("/auth/me after saving the name: %q, want anna/Anna Admin", me)
	}
	b.shot("account-name")
}

// phoneHeader: at phone width the header is one short row, with the
// navigation reachable.
func (b *browser) phoneHeader() {
	t := b.t
	t.Helper()
	b.open("#/compose")
	b.atWidths(func(size string) {
		height := evalJS[float64](b, `document.querySelector('header.top').getBoundingClientRect().height`)
		limit := 64.0
		if size == "desktop" {
			limit = 80
		}
		if height > limit {
			t.Errorf("the header at %s width is %.0f px high, want at most %.0f", size, height, limit)
		}
		if !evalJS[bool](b, `!!document.querySelector('#nav a[href="#/inbox"]').offsetParent`) {
			t.Errorf("no Inbox link to be seen at %s width", size)
		}
		t.Logf("header at %s width: %.0f px", size, height)
	})
}

// inboxTells: the demo's remote sends a fax while another page is open;
// a notice names the sender from the address book and the Inbox link
// counts it unread. In the inbox it is unread, named, its pages large and
// in a viewer with zoom; opening it reads it; it can be assigned; a
// forward without a mail relay says so; its download is named for the day
// and the sender; an administrator deletes it after confirming.
func (b *browser) inboxTells(dialogs *dialogAnswers) {
	t := b.t
	t.Helper()
	b.open("#/inbox")
	b.waitJS("the demo's call button", `!!document.getElementById('demo-incoming')`)
	if evalJS[bool](b, `!document.getElementById('unread-count').hidden`) {
		t.Error("an unread count before any fax came in")
	}
	b.do("ask the remote machine to call", chromedp.Click(chromedp.CSS(`#demo-incoming`)))
	b.waitJS("the calling note", `document.getElementById('demo-note').textContent.includes('calling')`)
	b.open("#/contacts")
	b.waitJSFor(2*time.Minute, "the notice of the received fax", `[...document.querySelectorAll('#notices .notice')].some(n =>
		n.textContent.includes('Fax received from Carla Remote, ACME Remote') && !!n.querySelector('a[href="#/inbox"]'))`)
	b.waitJS("the unread count on another page", `document.getElementById('unread-count').textContent === '1' &&
		!document.getElementById('unread-count').hidden`)
	b.atWidths(func(size string) {
		if !evalJS[bool](b, `!!document.getElementById('unread-count').offsetParent`) {
			t.Errorf("the unread count cannot be seen at %s width", size)
		}
	})
	b.shot("inbox-notice")

	b.open("#/inbox")
	b.waitJS("the fax, unread and named", `(() => { const a = document.querySelector('main article.fax');
		return !!a && a.classList.contains('unread') && a.querySelector('.from').textContent.includes('Carla Remote, ACME Remote') &&
			a.querySelector('.number').textContent === '+32 2 555 12 12' && a.querySelector('.number').title === '+3225551212' })()`)
	if note := evalJS[string](b, `document.getElementById('demo-note').textContent`); note != "" {
		t.Errorf("the demo still says %q after the fax came in", note)
	}
	id := evalJS[string](b, `document.querySelector('main article.fax').dataset.received`)
	b.do("show the pages", chromedp.Click(chromedp.CSS(`main article.fax .pages-toggle`)))
	b.waitJS("the fax read, its pages shown", `(() => { const a = document.querySelector('main article.fax');
		const i = a.querySelector('.previews img'); return a.dataset.read === 'true' && !a.classList.contains('unread') &&
			!!i && i.complete && i.naturalWidth > 0 })()`)
	b.waitJS("no unread count", `document.getElementById('unread-count').hidden`)
	b.atWidths(func(size string) {
		width := evalJS[float64](b, `document.querySelector('main article.fax .previews img').getBoundingClientRect().width`)
		if want := map[string]float64{"desktop": 390, "phone": 300}[size]; width < want {
			t.Errorf("a page at %s width is %.0f px wide, want at least %.0f", size, width, want)
		}
	})
	b.shot("inbox-read")

	// The viewer: every page, zoom.
	b.do("open the viewer", chromedp.Click(chromedp.CSS(`main article.fax .page-thumb`)))
	pages := evalJS[int](b, `document.querySelectorAll('main article.fax .previews img').length`)
	b.waitJS("the viewer on page 1", fmt.Sprintf(`document.querySelector('dialog.viewer').open &&
		document.getElementById('viewer-count').textContent === 'Page 1 of %d' && document.getElementById('viewer-page').naturalWidth > 0`, pages))
	b.atWidths(func(size string) {
		b.do("zoom in at "+size, chromedp.Click(chromedp.CSS(`#viewer-zoom-in`)))
		b.waitJS("the page larger than the frame at "+size, `(() => { const f = document.querySelector('.viewer-frame');
			return document.getElementById('viewer-page').getBoundingClientRect().width > f.clientWidth * 1.4 })()`)
		b.do("zoom out at "+size, chromedp.Click(chromedp.CSS(`#viewer-zoom-out`)))
	})
	if pages > 1 {
		b.do("next page", chromedp.Click(chromedp.CSS(`#viewer-next`)))
		b.waitJS("page 2", fmt.Sprintf(`document.getElementById('viewer-count').textContent === 'Page 2 of %d'`, pages))
	}
	b.shot("inbox-viewer")
	b.do("close the viewer", chromedp.Click(chromedp.CSS(`#viewer-close`)))

	// Assign to bert.
	b.waitJS("bert among the people", `[...document.querySelectorAll('main article.fax select.assign option')].some(o => o.textContent === 'bert')`)
	evalJS[chromedp.Void](b, `(() => { const s = document.querySelector('main article.fax select.assign');
		s.value = [...s.options].find(o => o.textContent === 'bert').value; s.dispatchEvent(new Event('change')) })()`)
	b.waitJS("the fax assigned", `[...document.querySelectorAll('#notices .notice')].some(n => n.textContent.includes('Assigned to bert'))`)
	routed := evalJS[bool](b, `Promise.all([fetch('/api/people').then(r => r.json()), fetch('/api/inbox/`+id+`').then(r => r.json())])
		.then(([p, f]) => p.people.find(x => x.name === 'bert').id === f.user)`, chromedp.EvalAwaitPromise)
	if !routed {
		t.Error("the fax is not routed to bert after assigning it to him")
	}

	// Forward: the demo has no mail relay, and says so.
	b.fill(map[string]string{"main article.fax .forward-to": "office@example.com"})
	b.do("forward", chromedp.Click(chromedp.CSS(`main article.fax .forward button[type=submit]`)))
	b.waitJS("the forward refused in plain words", `document.querySelector('main article.fax .error').textContent.includes('mail relay')`)

	// The download is named for the day and the sender.
	name := evalJS[string](b, `fetch(document.querySelector('main article.fax a[href$="fax.pdf"]').href).then(r => r.headers.get('Content-Disposition'))`,
		chromedp.EvalAwaitPromise)
	if !regexp.MustCompile(`^attachment; filename=fax-\d{4}-\d\d-\d\d-from-ACME-Remote\.pdf$`).MatchString(name) {
		t.Errorf("the PDF's download: %q, want fax-DATE-from-ACME-Remote.pdf", name)
	}

	// Delete, answering the confirmation.
	asked := len(dialogs.messages())
	dialogs.queue(true)
	b.do("delete the fax", chromedp.Click(chromedp.CSS(`main article.fax button.delete`)))
	b.waitJS("the fax gone", `!document.querySelector('main article.fax') && !!document.querySelector('main .empty')`)
	if m := dialogs.messages(); len(m) != asked+1 || !strings.Contains(m[asked], "Carla Remote") {
		t.Errorf("the delete asked %q, want a confirmation naming the sender", m[asked:])
	}
}

// submit sends a message through the API as the signed-in user and
// returns its id.
func (b *browser) submit(to, subject string) string {
	b.t.Helper()
	id := evalJS[int](b, `fetch('/auth/me').then(r => r.json()).then(me => { const f = new FormData();
		f.append('to', `+strconv.Quote(to)+`); f.append('subject', `+strconv.Quote(subject)+`); f.append('body', 'Queue test');
		return fetch('/api/messages', {method: 'POST', headers: {'X-CSRF-Token': me.csrf}, body: f}) })
		.then(r => r.json()).then(m => m.id || 0)`, chromedp.EvalAwaitPromise)
	if id == 0 {
		b.t.Fatalf("submitting to %s failed", to)
	}
	return strconv.Itoa(id)
}

// queueExplained: of two recipients on the demo's one line, the second
// says it waits for the line busy with the first, named; cancelling the
// call asks first (declined: the call goes on; accepted: cancelled); a
// busy number's "retry now" keeps its automatic attempts.
func (b *browser) queueExplained(dialogs *dialogAnswers) {
	t := b.t
	t.Helper()
	msg := b.submit("+32 2 555 12 34, +32 3 555 66 77", "Two on one line")
	b.open("#/outbox")
	card := `main .message[data-message="` + msg + `"]`
	b.waitJSFor(time.Minute, "a job waiting for the busy line, saying which call", `(() => {
		const w = document.querySelector('`+card+` .job[data-state=queued] .why');
		return !!w && w.dataset.reason === 'lines_busy' && /sim0 is sending to (Alice Martin, Martin Notaires|Bruno Peeters, Peeters Bouw)/.test(w.textContent) })()`)
	b.atWidths(func(size string) {
		if !evalJS[bool](b, `!!document.querySelector('`+card+` .job .why').offsetParent`) {
			t.Errorf("why the job waits cannot be seen at %s width", size)
		}
	})
	rcpt := evalJS[string](b, `[...document.querySelectorAll('`+card+` .job .rcpt-who')].map(e => e.textContent + '|' + e.title).join(';')`)
	if !strings.Contains(rcpt, "Alice Martin, Martin Notaires +32 2 555 12 34|+3225551234") {
		t.Errorf("the outbox's recipients: %q, want the contact's name, the number grouped and E.164 in the title", rcpt)
	}
	b.shot("outbox-waiting")

	// Cancel the call in progress: declined first, then accepted.
	inCall := card + ` .job:is([data-state=dialing], [data-state=sending])`
	b.waitJS("a call in progress", `!!document.querySelector('`+inCall+`')`)
	job := evalJS[string](b, `document.querySelector('`+inCall+`').dataset.job`)
	asked := len(dialogs.messages())
	dialogs.queue(false)
	b.do("cancel, then think again", chromedp.Click(chromedp.CSS(inCall+` button.cancel`)))
	for deadline := time.Now().Add(stepTimeout); len(dialogs.messages()) == asked && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // a cancel, if the answer were ignored, would be posted by now
	if m := dialogs.messages(); len(m) != asked+1 || !strings.Contains(m[asked], "Hang up") {
		t.Fatalf("cancelling a call asked %q, want a confirmation", m[asked:])
	}
	if cancel := evalJS[bool](b, `fetch('/api/messages/`+msg+`').then(r => r.json()).then(m => m.jobs.find(j => j.id === `+job+`).cancel_requested === true)`,
		chromedp.EvalAwaitPromise); cancel {
		t.Error("the call was cancelled although the question was answered no")
	}
	dialogs.queue(true)
	b.do("cancel the call", chromedp.Click(chromedp.CSS(card+` .job[data-job="`+job+`"] button.cancel`)))
	b.waitJSFor(time.Minute, "the call cancelled", `!!document.querySelector('`+card+` .job[data-job="`+job+`"][data-state=cancelled]')`)

	// A busy number: "retry now" calls again without using up an attempt.
	busy := b.submit("+32 2 555 0000", "Busy number")
	bcard := `main .message[data-message="` + busy + `"]`
	left := func() string {
		return evalJS[string](b, `fetch('/api/messages/`+busy+`').then(r => r.json()).then(m => m.jobs[0].attempts + '/' + m.jobs[0].max_attempts)`,
			chromedp.EvalAwaitPromise)
	}
	b.waitJSFor(3*time.Minute, "the busy number waiting to retry", `!!document.querySelector('`+bcard+` .job[data-state=retry] button.retry')`)
	before := left()
	b.do("retry now", chromedp.Click(chromedp.CSS(bcard+` .job[data-state=retry] button.retry`)))
	b.waitJSFor(3*time.Minute, "the asked-for call made", `!!document.querySelector('`+bcard+` .job[data-state=retry] .attempts') &&
		document.querySelector('`+bcard+` .job .attempts').textContent.startsWith('attempt 2 ')`)
	after := left()
	var n1, m1, n2, m2 int
	fmt.Sscanf(before, "%d/%d", &n1, &m1)
	fmt.Sscanf(after, "%d/%d", &n2, &m2)
	if n1 != 1 || n2 != 2 || m1-n1 != m2-n2 {
		t.Errorf("attempts %s before retry now, %s after: want one more made and as many left", before, after)
	}
	b.shot("outbox-retry")

	// The transmission report and the archive are named for the recipient.
	name := evalJS[string](b, `fetch('/api/messages/`+msg+`/archive.pdf').then(r => r.headers.get('Content-Disposition'))`, chromedp.EvalAwaitPromise)
	if !regexp.MustCompile(`^attachment; filename=message-` + msg + `-to-(Alice-Martin|Bruno-Peeters)\.pdf$`).MatchString(name) {
		t.Errorf("the message's download: %q, want message-%s-to-NAME.pdf", name, msg)
	}
}
