package ui_test

// The web UI's acceptance test: Debian's chromium (package "chromium"),
// headless and driven by chromedp, goes through the office's day against
// "faxd serve --demo" on loopback, and saves screenshots of every page at
// desktop and phone width into $FAXBOX_ARTEFACTS (default
// $TMPDIR/faxbox-screens). $FAXD names a faxd binary to test instead of
// building one. The demo's web address is read from its banner: the first
// http(s)://127.0.0.1:PORT it prints.

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

const chromium = "/usr/bin/chromium"

// The demo dials in real time: a call of two pages takes about half a
// minute, and the one modem makes the calls one after the other.
const (
	stepTimeout     = 30 * time.Second
	deliveryTimeout = 8 * time.Minute
)

// Screen sizes of the screenshots.
var screens = []struct {
	name          string
	width, height int64
}{{"desktop", 1280, 800}, {"phone", 390, 844}}

func TestBrowser(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("Debian's chromium is needed (apt-get install chromium; make test installs it): %v", err)
	}
	srv := startDemo(t, buildFaxd(t))
	b := newBrowser(t, srv)
	t.Logf("screenshots in %s", b.shots)

	b.firstRun()
	b.addStaff()
	b.addContacts()
	b.open("#/account")
	before := b.amount("#balance")
	b.compose()

	// Send, and watch the jobs without reloading the page.
	evalJS[bool](b, `window.sameDocument = true`)
	b.do("send", chromedp.Click(chromedp.CSS(`#send`)))
	b.waitJS("the outbox with four jobs", `location.hash === '#/outbox' && document.querySelectorAll('.message .job').length === 4`)
	seen := b.watchJobs(deliveryTimeout)
	if !evalJS[bool](b, `window.sameDocument === true`) {
		t.Error("the page was reloaded")
	}
	for _, want := range []string{"Dialing", "Connected at", "so far", "Delivered", "Retry at", "Fax to Alice Martin, Martin Notaires delivered."} {
		if !strings.Contains(strings.Join(seen, "\n"), want) {
			t.Errorf("the outbox never showed %q; it showed:\n%s", want, strings.Join(seen, "\n"))
		}
	}
	busy := evalJS[string](b, `document.querySelector('.job[data-state=retry] .state').textContent`)
	if !strings.Contains(strings.ToLower(busy), "busy") {
		t.Errorf("the busy recipient shows %q, want a retry because busy", busy)
	}
	b.shot("outbox-live")
	b.checkSentResolution("fine")
	b.checkReport()

	// Cancel the busy one; then the balance has dropped by the costs shown.
	spent, costs := b.cancelBusyAndSumCosts()
	b.open("#/account")
	after := b.amount("#balance")
	if math.Abs(before-spent-after) > 0.005 {
		t.Errorf("balance %.2f before, %.2f after, but the outbox shows costs %v (%.2f)", before, after, costs, spent)
	}
	t.Logf("balance %.2f → %.2f; shown costs %v", before, after, costs)

	// The event stream says it is reconnecting while the appliance
	// restarts, and reconnects.
	srv.stop()
	b.waitJS("the reconnecting indicator", `!document.getElementById('live').hidden`)
	b.shot("reconnecting")
	srv.start(strings.TrimPrefix(strings.TrimPrefix(srv.url, "https://"), "http://"))
	b.waitJS("the event stream back", `document.getElementById('live').hidden`)

	// A fax comes in: the demo's remote machine calls; the inbox shows it
	// live, with the caller's ident, and its page.
	b.open("#/inbox")
	b.waitJS("the demo's call button", `!!document.getElementById('demo-incoming')`)
	b.do("ask the remote machine to call", chromedp.Click(chromedp.CSS(`#demo-incoming`)))
	b.waitJS("the fax in the inbox, complete", `(() => { const a = document.querySelector('main article[data-received]');
		return !!a && a.textContent.includes('+32 2 555 12 12') && !a.textContent.includes('receiving') })()`)
	b.do("open the received fax", chromedp.Click(chromedp.CSS(`main article[data-received] button`)))
	b.waitJS("its page shown", `(() => { const i = document.querySelector('main article[data-received] img');
		return !!i && i.complete && i.naturalWidth > 0 })()`)
	b.shot("inbox-fax")

	for _, page := range []string{"compose", "outbox", "inbox", "contacts", "account", "admin"} {
		b.open("#/" + page)
		b.waitJS("the "+page+" page", `!document.querySelector('main').textContent.startsWith('Loading')`)
		b.shot(page)
	}
	b.administer()
	b.staffCannotAdminister()
}

// administer goes through the administration page as the administrator:
// the system panel with the simulated board's LEDs and the version, the
// modems' power cycles and last call's trace, a balance adjustment of
// +5.00 with a reason (the account's balance goes up by exactly that, and
// the audit log shows it), a settings change (an invalid one is refused
// naming the key; the demo refuses a valid one: it has no configuration
// file), and a tariff upload that grows the versions list and changes the
// price lookup.
func (b *browser) administer() {
	t := b.t
	t.Helper()
	b.open("#/account")
	before := b.amount("#balance")

	b.open("#/admin?section=system")
	b.waitJS("the system panel with the simulated LEDs and the version", `document.querySelectorAll('#board .led[data-led][data-pattern]').length === 4 &&
		document.getElementById('board').textContent.includes('simulated') && document.getElementById('version').textContent.length > 0`)
	patterns := evalJS[[]string](b, `[...document.querySelectorAll('#board .led')].map(e => e.dataset.led + '=' + e.dataset.pattern)`)
	for _, p := range patterns {
		if _, pat, _ := strings.Cut(p, "="); !slices.Contains([]string{"off", "steady", "slow-blink", "fast-blink"}, pat) {
			t.Errorf("LED %s: want off, steady, slow-blink or fast-blink", p)
		}
	}
	b.waitJS("the ready LED steady (a modem in service)", `document.querySelector('#board .led[data-led=ready]').dataset.pattern === 'steady'`)
	b.waitJS("the modem's power on the board", `!!document.querySelector('#board .power[data-cycles]')`)
	b.open("#/admin?section=lines")
	b.waitJS("the modem's power cycles", `!!document.querySelector('#modems .power-cycles[data-cycles]')`)
	b.do("show sim0's last call", chromedp.Click(chromedp.CSS(`#modems .trace-button[data-modem=sim0]`)))
	b.waitJS("its trace", `(() => { const pre = document.querySelector('#modem-trace pre.trace');
		return !!pre && pre.textContent.length > 0 && !!document.querySelector('#modem-trace a.whole-trace[href^="/api/attempts/"]') })()`)
	b.shot("admin-system")

	// +5.00 with a reason.
	const reason = "browser test: goodwill credit"
	b.open("#/admin?section=billing")
	b.waitJS("the adjustment form", `!!document.querySelector('#adjust-form input[name=amount]')`)
	b.fill(map[string]string{"#adjust-form input[name=amount]": "5.00", "#adjust-form input[name=reason]": reason})
	b.do("adjust the balance", chromedp.Click(chromedp.CSS(`#adjust-form button[type=submit]`)))
	b.waitJS("the balance adjusted", `document.querySelector('#notices').textContent.includes('Balance adjusted by +5.00')`)
	b.open("#/admin?section=audit")
	b.waitJS("the adjustment in the audit log", `[...document.querySelectorAll('main table')].some(t =>
		t.textContent.includes('account.adjust') && t.textContent.includes(`+strconv.Quote(reason)+`))`)
	b.open("#/account")
	b.waitJS("the account page", `!!document.querySelector('#balance[data-amount]')`)
	if after := b.amount("#balance"); math.Abs(after-before-5) > 0.005 {
		t.Errorf("balance %.2f before the adjustment of +5.00, %.2f after", before, after)
	}

	// Settings: an invalid ident is refused naming its key; the demo
	// cannot save a valid change and says why.
	b.open("#/admin?section=system")
	b.waitJS("the settings form", `!!document.querySelector('#settings-form input[name="identity.organisation"]')`)
	b.fill(map[string]string{`#settings-form input[name="identity.ident"]`: "+32 2 555 01 00 Martin Notaires"})
	b.do("save an invalid ident", chromedp.Click(chromedp.CSS(`#settings-form button[type=submit]`)))
	b.waitJS("the invalid ident refused", `document.querySelector('#settings-form .error').textContent.includes('identity.ident')`)
	b.fill(map[string]string{`#settings-form input[name="identity.ident"]`: "+32 2 555 01 00",
		`#settings-form input[name="identity.organisation"]`: "Martin Notaires"})
	b.do("save the settings", chromedp.Click(chromedp.CSS(`#settings-form button[type=submit]`)))
	b.waitJS("the demo's refusal", `document.querySelector('#settings-form .error').textContent.includes('the demo has no configuration file')`)
	b.shot("admin-settings")

	// A new tariff: the versions list grows and the price changes.
	b.open("#/admin?section=billing")
	b.waitJS("the tariff versions", `!!document.querySelector('#tariff-versions tbody tr')`)
	versions := evalJS[int](b, `document.querySelectorAll('#tariff-versions tbody tr').length`)
	csvPath := filepath.Join(t.TempDir(), "tariff.csv")
	csv := "prefix,name,currency,per_minute,first_seconds,step_seconds,minimum,connection_fee\n" +
		"32,Belgium (browser test),EUR,0.77,30,1,0.00,0.00\n"
	if err := os.WriteFile(csvPath, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	b.do("choose the tariff file", chromedp.SetUploadFiles(chromedp.CSS(`#tariff-form input[type=file]`), []string{csvPath}))
	b.fill(map[string]string{"#tariff-form input[name=note]": "browser test tariff"})
	b.do("upload the tariff", chromedp.Click(chromedp.CSS(`#tariff-form button[type=submit]`)))
	b.waitJS("its changes", `!!document.getElementById('tariff-confirm')`)
	b.do("confirm the tariff", chromedp.Click(chromedp.CSS(`#tariff-confirm`)))
	b.waitJS("one more tariff version, in force", fmt.Sprintf(`document.querySelectorAll('#tariff-versions tbody tr').length === %d &&
		document.querySelector('#tariff-versions tbody tr').textContent.includes('browser test tariff') &&
		document.querySelector('#tariff-versions tbody tr').textContent.includes('in force')`, versions+1))
	price := evalJS[string](b, `fetch('/api/price?number=%2B3225551234', {credentials: 'same-origin'}).then(r => r.json()).then(p => p.per_minute + ' ' + p.tariff)`,
		chromedp.EvalAwaitPromise)
	if price != "0.77 Belgium (browser test)" {
		t.Errorf("the price lookup after the upload: %q, want 0.77 Belgium (browser test)", price)
	}
	b.shot("admin-tariffs")
}

// firstRun sets the administrator up (refused once with a wrong setup
// code, then with the code from the banner), logs out, fails to log in
// once, and logs in.
func (b *browser) firstRun() {
	b.t.Helper()
	b.open("#/")
	b.waitJS("the setup page", `location.hash === '#/setup' && !!document.querySelector('input[name=email]')`)
	b.shot("setup")
	b.fill(map[string]string{"input[name=setup_code]": "0000-0000-0000", "input[name=display_name]": "Anna Admin", "input[name=name]": "anna",
		"input[name=email]": "anna@example.com", "input[name=password]": "correct horse", "input[name=again]": "correct horse"})
	b.do("set up with a wrong setup code", chromedp.Click(chromedp.CSS(`main button[type=submit]`)))
	b.waitJS("the wrong setup code refused", `document.querySelector('main .error').textContent.includes('Wrong setup code')`)
	b.fill(map[string]string{"input[name=setup_code]": b.srv.setupCode()})
	b.do("create the administrator", chromedp.Click(chromedp.CSS(`main button[type=submit]`)))
	b.waitJS("signed in after setup", `document.getElementById('who').textContent.toLowerCase().includes('anna')`)
	b.waitJS("the setup guide", `location.hash.startsWith('#/welcome')`)

	// Log out, fail once, log in.
	b.do("log out", chromedp.Click(chromedp.CSS(`#logout`)))
	b.waitJS("the login page", `location.hash === '#/login' && !!document.querySelector('input[name=password]')`)
	b.shot("login")
	b.fill(map[string]string{"input[name=name]": "anna", "input[name=password]": "wrong password"})
	b.do("log in wrongly", chromedp.Click(chromedp.CSS(`main button[type=submit]`)))
	b.waitJS("the wrong password refused", `document.querySelector('main .error').textContent.includes('Wrong name or password')`)
	b.fill(map[string]string{"input[name=password]": "correct horse"})
	b.do("log in", chromedp.Click(chromedp.CSS(`main button[type=submit]`)))
	b.waitJS("the compose page", `location.hash === '#/compose' && !!document.getElementById('rcpt-to')`)
}

// addStaff makes a staff user, bert, in the administration.
func (b *browser) addStaff() {
	b.t.Helper()
	b.open("#/admin")
	b.waitJS("the users", `!!document.querySelector('#admin-users table')`)
	b.fill(map[string]string{"main form input[name=name]": "bert", "main form input[name=email]": "bert@example.com",
		"main form input[name=password]": "staff password"})
	b.do("add a staff user", chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
	b.waitJS("bert in the users table", `document.querySelector('main table').textContent.includes('bert@example.com')`)
	b.open("#/admin?section=lines")
	b.waitJS("the modem's live state", `!!document.querySelector('#modems [data-state]')`)
}

// addContacts adds two contacts with fax numbers.
func (b *browser) addContacts() {
	b.t.Helper()
	b.open("#/contacts")
	for _, c := range []struct{ name, company, fax string }{
		{"Alice Martin", "Martin Notaires", "+32 2 555 12 34"},
		{"Bruno Peeters", "Peeters Bouw", "+32 3 555 66 77"},
	} {
		b.do("open the contact form", chromedp.Click(chromedp.CSS(`#new-contact`)))
		b.waitJS("the contact form", `!!document.querySelector('#contact-form input[name=number]')`)
		b.fill(map[string]string{"#contact-form input[name=name]": c.name, "#contact-form input[name=company]": c.company,
			"#contact-form input[name=number]": c.fax})
		b.do("save "+c.name, chromedp.Click(chromedp.CSS(`#contact-form button[type=submit]`)))
		b.waitJS(c.name+" in the address book", fmt.Sprintf(`!document.getElementById('contact-form') &&
			[...document.querySelectorAll('.contact h2')].some(e => e.textContent === %q)`, c.name))
	}
}

// compose writes a fax to both contacts (one by its fax number in the
// address book, one completed from its company), a typed number in Cc
// and a busy number in Bcc, with a PDF, checks the chips, the invalid
// number's reason, the draft, the previews, the estimate and the credit.
func (b *browser) compose() {
	t := b.t
	t.Helper()
	b.open("#/contacts")
	b.waitJS("the contacts", `document.querySelectorAll('.contact').length === 2`)
	evalJS[chromedp.Void](b, `[...document.querySelectorAll('.contact')].find(c => c.querySelector('h2').textContent === 'Alice Martin')
		.querySelector('.numbers a').click()`)
	b.waitJS("compose to Alice", `location.hash.startsWith('#/compose') &&
		[...document.querySelectorAll('[data-field=to] .chip-label')].some(e => e.textContent === 'Alice Martin')`)
	b.do("type a company", chromedp.SendKeys(chromedp.CSS(`#rcpt-to`), "peeters"))
	b.waitJS("Bruno suggested", `[...document.querySelectorAll('#suggest-to [role=option]')].some(o => o.textContent.includes('Bruno Peeters'))`)
	b.do("choose him with the keyboard", chromedp.SendKeys(chromedp.CSS(`#rcpt-to`), kb.ArrowDown+kb.Enter))
	b.do("type a Cc number and an invalid one", chromedp.SendKeys(chromedp.CSS(`#rcpt-cc`), "3225554433@fax, 12ab,"))
	b.do("type a busy Bcc number", chromedp.SendKeys(chromedp.CSS(`#rcpt-bcc`), "+32 2 555 0000,"))
	b.waitJS("every chip checked", `document.querySelectorAll('.chip').length === 5 && !document.querySelector('.chip[data-state=checking]')`)
	chips := evalJS[[]string](b, `[...document.querySelectorAll('[data-field=to] .chip-info')].map(e => e.textContent)`)
	for _, info := range chips {
		if !strings.Contains(info, "BE") || !strings.Contains(info, "/min") {
			t.Errorf("a contact's chip shows %q, want its country and price per minute", info)
		}
	}
	reason := evalJS[string](b, `document.querySelector('.chip.invalid .chip-info').textContent`)
	if bad := evalJS[string](b, `document.querySelector('.chip.invalid .chip-label').textContent`); bad != "12ab" || len(reason) < 10 {
		t.Errorf("invalid chip %q shows reason %q; want 12ab with its reason", bad, reason)
	}
	t.Logf("an invalid number's reason: %s", reason)
	b.do("send with the invalid number", chromedp.Click(chromedp.CSS(`#send`)))
	b.waitJS("sending refused", `document.getElementById('compose-error').textContent.includes('not valid')`)
	b.do("remove the invalid number", chromedp.Click(chromedp.CSS(`.chip.invalid button`)))
	b.fill(map[string]string{"input[name=subject]": "Signed deed"})
	b.do("write the body", chromedp.SendKeys(chromedp.CSS(`textarea[name=body]`), "Dear all,\nplease find the signed deed attached.\nAnna"))

	// The draft survives leaving the page.
	b.open("#/inbox")
	b.waitJS("the inbox's empty state", `!!document.querySelector('main .empty')`)
	b.open("#/compose")
	b.waitJS("the draft back", `document.querySelector('input[name=subject]').value === 'Signed deed' &&
		document.querySelectorAll('.chip').length === 4`)

	// A PDF, previews, the estimate and the credit.
	pdf, err := filepath.Abs("testdata/letter.pdf")
	if err != nil {
		t.Fatal(err)
	}
	b.do("attach the PDF", chromedp.SetUploadFiles(chromedp.CSS(`#files`), []string{pdf}))
	b.waitJS("the PDF listed", `document.querySelector('.files').textContent.includes('letter.pdf')`)
	b.do("preview", chromedp.Click(chromedp.CSS(`#preview`)))
	b.waitJS("two pages previewed", `document.querySelectorAll('#previews img').length === 2 &&
		[...document.querySelectorAll('#previews img')].every(i => i.complete && i.naturalWidth > 0)`)
	estimate := b.amount("#estimate")
	available := b.amount("#available")
	if estimate <= 0 || available <= 0 {
		t.Errorf("compose shows estimate %v and available credit %v, want both", estimate, available)
	}
	b.chooseResolution()
	b.checkLearnedRate()
	b.shot("compose")
}

// cancelBusyAndSumCosts cancels the job waiting to retry, opens the
// message's pages, and returns the sum of the costs the outbox shows.
func (b *browser) cancelBusyAndSumCosts() (float64, []string) {
	t := b.t
	t.Helper()
	b.do("cancel the busy job", chromedp.Click(chromedp.CSS(`.job[data-state=retry] button.cancel`)))
	b.waitJS("the busy job cancelled", `!!document.querySelector('.job[data-state=cancelled]')`)
	b.waitJS("the cost of every delivered job", `document.querySelectorAll('.job[data-state=delivered] .cost[data-cost]').length === 3`)
	costs := evalJS[[]string](b, `[...document.querySelectorAll('.job .cost[data-cost]')].map(e => e.dataset.cost)`)
	var spent float64
	for _, c := range costs {
		v, err := strconv.ParseFloat(c, 64)
		if err != nil || v <= 0 {
			t.Errorf("a job's cost is %q", c)
		}
		spent += v
	}
	b.do("show the message's pages", chromedp.Click(chromedp.CSS(`.message .actions button`)))
	b.waitJS("the sent pages", `[...document.querySelectorAll('.message .previews img')].length === 2 &&
		[...document.querySelectorAll('.message .previews img')].every(i => i.complete && i.naturalWidth > 0)`)
	return spent, costs
}

// staffCannotAdminister logs in as bert: no Administration link, the
// page refuses, and the API answers 403.
func (b *browser) staffCannotAdminister() {
	t := b.t
	t.Helper()
	b.do("log out", chromedp.Click(chromedp.CSS(`#logout`)))
	b.waitJS("the login page", `!!document.querySelector('input[name=password]')`)
	b.fill(map[string]string{"input[name=name]": "bert", "input[name=password]": "staff password"})
	b.do("log in as staff", chromedp.Click(chromedp.CSS(`main button[type=submit]`)))
	b.waitJS("bert signed in", `document.getElementById('who').textContent.toLowerCase().includes('bert')`)
	// The password anna gave bert is changed first.
	b.waitJS("the password change page", `location.hash === '#/password' && !!document.querySelector('main input[name=new]')`)
	b.fill(map[string]string{"main input[name=old]": "staff password", "main input[name=new]": "bert's own password"})
	b.do("change the password", chromedp.Click(chromedp.CSS(`main button[type=submit]`)))
	b.waitJS("the compose page", `location.hash === '#/compose'`)
	if evalJS[bool](b, `!!document.querySelector('#nav a[href="#/admin"]')`) {
		t.Error("staff see the Administration link")
	}
	b.open("#/admin")
	b.waitJS("administration refused", `!!document.getElementById('forbidden')`)
	b.shot("admin-staff")
	for _, path := range []string{"/api/users", "/api/audit", "/api/system", "/api/settings", "/api/tariffs/versions"} {
		if code := evalJS[int](b, `fetch('`+path+`', {credentials: 'same-origin'}).then(r => r.status)`, chromedp.EvalAwaitPromise); code != 403 {
			t.Errorf("GET %s as staff: %d, want 403", path, code)
		}
	}
}

// buildFaxd builds the appliance for the test, unless $FAXD names one
// already built.
func buildFaxd(t testing.TB) string {
	t.Helper()
	if bin := os.Getenv("FAXD"); bin != "" {
		return bin
	}
	bin := filepath.Join(t.TempDir(), "faxd")
	out, err := exec.Command("go", "build", "-o", bin, "faxbox/firmware").CombinedOutput()
	if err != nil {
		t.Fatalf("go build faxbox/firmware: %v\n%s", err, out)
	}
	return bin
}

// demo is "faxd serve --demo", running in a temporary working directory
// (it keeps its data under ./var/demo).
type demo struct {
	t    testing.TB
	faxd string
	dir  string
	url  string // https://127.0.0.1:PORT
	cmd  *exec.Cmd
	log  syncBuffer // its standard output and error
	args []string   // more arguments of faxd serve (--config FILE)
}

// bannerURL finds the web UI's address in the banner: the first http or
// https URL on the loopback address that the server prints.
var bannerURL = regexp.MustCompile(`\bhttps?://127\.0\.0\.1:\d+`)

// bannerSetupCode finds the first-run setup's code in the banner.
var bannerSetupCode = regexp.MustCompile(`(?m)^  setup code +(\S+)$`)

// setupCode returns the setup code that the demo printed at its start.
func (d *demo) setupCode() string {
	d.t.Helper()
	m := bannerSetupCode.FindStringSubmatch(d.log.String())
	if m == nil {
		d.t.Fatalf("faxd serve --demo printed no setup code:\n%s", d.log.String())
	}
	return m[1]
}

func startDemo(t testing.TB, faxd string) *demo {
	t.Helper()
	d := &demo{t: t, faxd: faxd, dir: t.TempDir()}
	t.Cleanup(func() {
		d.stop()
		if t.Failed() {
			t.Logf("server log:\n%s", d.log.String())
		}
	})
	d.start("127.0.0.1:0")
	return d
}

// start runs the demo on addr and waits for its banner.
func (d *demo) start(addr string) {
	d.t.Helper()
	from := len(d.log.String())
	d.cmd = exec.Command(d.faxd, append([]string{"serve", "--demo", "--listen", addr}, d.args...)...)
	d.cmd.Dir = d.dir
	d.cmd.Stdout, d.cmd.Stderr = &d.log, &d.log
	if err := d.cmd.Start(); err != nil {
		d.t.Fatal(err)
	}
	for deadline := time.Now().Add(stepTimeout); ; time.Sleep(50 * time.Millisecond) {
		if u := bannerURL.FindString(d.log.String()[from:]); u != "" {
			d.url = u
			return
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("faxd serve --demo printed no http(s)://127.0.0.1:PORT address within %v:\n%s", stepTimeout, d.log.String())
		}
	}
}

// stop interrupts the demo and waits for it to end.
func (d *demo) stop() {
	if d.cmd == nil {
		return
	}
	d.cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- d.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		d.cmd.Process.Kill()
		<-done
	}
	d.cmd = nil
}

// browser is a headless chromium tab on the demo.
type browser struct {
	t     testing.TB
	ctx   context.Context
	srv   *demo
	shots string
}

func newBrowser(t testing.TB, srv *demo) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.IgnoreCertErrors,
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 800),
		chromedp.Flag("disable-component-update", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	dir := os.Getenv("FAXBOX_ARTEFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "faxbox-screens")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, ctx: ctx, srv: srv, shots: dir}
}

// do runs the actions within stepTimeout; on failure it reports what the
// page and the server said.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail(what, err)
	}
}

// evalJS evaluates a JavaScript expression in the page.
func evalJS[T any](b *browser, expr string, opts ...chromedp.EvaluateOption) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		b.fail(expr, err)
	}
	return v
}

// waitJS waits up to stepTimeout for a JavaScript predicate to hold.
func (b *browser) waitJS(what, predicate string) {
	b.t.Helper()
	b.waitJSFor(stepTimeout, what, predicate)
}

// waitJSFor waits up to timeout for a JavaScript predicate to hold.
func (b *browser) waitJSFor(timeout time.Duration, what, predicate string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, timeout+5*time.Second)
	defer cancel()
	err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](predicate,
		chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(100*time.Millisecond)))
	if err != nil {
		b.fail("waiting for "+what, err)
	}
}

func (b *browser) fail(what string, err error) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	text, terr := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + '\n' + document.body.innerText`))
	if terr != nil {
		text = "(the page could not be read: " + terr.Error() + ")"
	}
	b.shot("failure")
	b.t.Fatalf("%s: %v\n--- page ---\n%s\n--- server log ---\n%s", what, err, text, b.srv.log.String())
}

// open goes to a route of the single-page app (a full load the first time).
func (b *browser) open(route string) {
	b.t.Helper()
	if evalJS[bool](b, `location.origin === `+strconv.Quote(b.srv.url)) {
		evalJS[chromedp.Void](b, `location.hash = `+strconv.Quote(route))
		return
	}
	b.do("open "+route, chromedp.Navigate(b.srv.url+"/"+route))
}

// fill sets the values of inputs, as typing would (input events fire).
//
// A page that renders its form once more (the login page after a logout,
// when the event stream also notices the session is gone) drops what was
// typed: fill types again until every field holds its value.
func (b *browser) fill(values map[string]string) {
	b.t.Helper()
	for try := 0; ; try++ {
		for sel, v := range values {
			b.do("fill "+sel, chromedp.Evaluate[chromedp.Void](`document.querySelector(`+strconv.Quote(sel)+`).value = ''`),
				chromedp.SendKeys(chromedp.CSS(sel), v))
		}
		time.Sleep(100 * time.Millisecond)
		held := true
		for sel, v := range values {
			held = held && evalJS[string](b, `document.querySelector(`+strconv.Quote(sel)+`).value`) == v
		}
		if held {
			return
		}
		if try == 5 {
			b.t.Fatalf("the form does not keep what is typed into %v", values)
		}
	}
}

// amount reads an element's data-amount, a decimal in the currency.
func (b *browser) amount(sel string) float64 {
	b.t.Helper()
	b.waitJS(sel, `!!document.querySelector('`+sel+`[data-amount]')`)
	s := evalJS[string](b, `document.querySelector('`+sel+`').dataset.amount`)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		b.t.Fatalf("%s shows amount %q: %v", sel, s, err)
	}
	return v
}

// watchJobs records every state text and cost meter the outbox shows,
// and the notices, until three jobs are delivered and one waits to
// retry, and returns the texts seen in order.
func (b *browser) watchJobs(timeout time.Duration) []string {
	b.t.Helper()
	var seen []string
	live := false
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		// The end is checked before the texts are read, so that the
		// texts of the end (the retry) are recorded too.
		done := evalJS[bool](b, `document.querySelectorAll('.job[data-state=delivered]').length === 3 &&
			!!document.querySelector('.job[data-state=retry]')`)
		states := evalJS[[]string](b, `[...document.querySelectorAll('.job .state, .job .meter, #notices .notice span')].map(e => e.textContent)`)
		for _, s := range states {
			if s == "" || slices.Contains(seen, s) {
				continue
			}
			seen = append(seen, s)
			if strings.HasPrefix(s, "Connected") && !live {
				b.shot("outbox-call") // with the cost meter running
				live = true
			}
		}
		if done {
			return seen
		}
		time.Sleep(200 * time.Millisecond)
	}
	b.fail("waiting for three deliveries and a retry", fmt.Errorf("not within %v; seen: %q", timeout, seen))
	return nil
}

// shot saves a full-page screenshot of the current page at every screen
// size as SHOTS/NAME-SIZE.png.
func (b *browser) shot(name string) {
	b.t.Helper()
	for _, s := range screens {
		ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
		err := chromedp.Do(ctx, chromedp.EmulateViewport(s.width, s.height), chromedp.Sleep(200*time.Millisecond))
		var png []byte
		if err == nil {
			png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
		}
		cancel()
		if err != nil {
			b.t.Errorf("screenshot %s at %s: %v", name, s.name, err)
			continue
		}
		if err := os.WriteFile(filepath.Join(b.shots, name+"-"+s.name+".png"), png, 0o644); err != nil {
			b.t.Error(err)
		}
	}
	b.do("restore the desktop size", chromedp.EmulateViewport(screens[0].width, screens[0].height))
}

// syncBuffer is a bytes.Buffer for several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
