package ui_test

// The administration and first-run parts of the web UI's acceptance
// test: the setup guide (administrator with a full name and a login name,
// the office's identity, country and dial plan, a test call on the demo's
// simulated line, the first colleague), a password set by an
// administrator changed at the first login, the administration page in
// sections, monthly limits, amounts with a decimal comma, tariffs
// previewed as a difference and confirmed, updated in part and put back
// to an earlier version, the ledger grouped by fax, backup and restore
// buttons, and a contacts import previewed and not duplicated. Layouts
// are checked at phone width too.

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestBrowserAdmin(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("Debian's chromium is needed (apt-get install chromium; make test installs it): %v", err)
	}
	srv := startDemo(t, buildFaxd(t))
	b := newBrowser(t, srv)
	t.Logf("screenshots in %s", b.shots)

	b.setupGuide()
	b.adminSections()
	b.adminBilling()
	b.adminSystem()
	b.adminResolution()
	b.importContactsTwice()
	b.staffFirstLogin()
}

// setupGuide goes through the first run: "Anna Admin" is a full name
// beside the login name anna; the office, the line, a test call that is
// delivered on the simulated line, and bert, the first colleague.
func (b *browser) setupGuide() {
	t := b.t
	t.Helper()
	b.open("#/")
	b.waitJS("the setup page", `location.hash === '#/setup' && !!document.querySelector('input[name=display_name]')`)
	b.fill(map[string]string{"input[name=display_name]": "Anna Admin"})
	if login := evalJS[string](b, `document.querySelector('input[name=name]').value`); login != "anna" {
		t.Errorf("the login name made from Anna Admin: %q, want anna", login)
	}
	b.fitsPhone("the setup page", "main form")
	b.fill(map[string]string{"input[name=setup_code]": b.srv.setupCode(), "input[name=email]": "anna@example.com",
		"input[name=password]": "correct horse", "input[name=again]": "correct horse"})
	b.do("create the administrator", chromedp.Click(chromedp.CSS(`main button[type=submit]`)))

	// The office: the demo cannot keep settings and says so; the guide
	// goes on.
	b.waitJS("the office step", `location.hash === '#/welcome' && !!document.querySelector('#guide-identity-form input[name=organisation]')`)
	b.shot("guide-office")
	b.fitsPhone("the office step", "#guide-identity")
	b.fill(map[string]string{"#guide-identity-form input[name=fax_number]": "+32 2 555 01 00",
		"#guide-identity-form input[name=organisation]": "Martin Notaires", "#guide-identity-form input[name=header]": "Martin Notaires Brussels"})
	b.do("save the office", chromedp.Click(chromedp.CSS(`#guide-identity-form button[type=submit]`)))
	b.waitJS("the demo's refusal, and a way on", `(document.getElementById('guide-not-kept')?.textContent || '').includes('demo') && !!document.getElementById('guide-continue')`)
	b.do("continue", chromedp.Click(chromedp.CSS(`#guide-continue`)))
	b.waitJS("the line step", `!!document.querySelector('#guide-line-form input[name=country]') &&
		document.querySelector('ol.steps [aria-current=step]')?.dataset.step === 'line'`)
	b.shot("guide-line")
	b.fill(map[string]string{"#guide-line-form input[name=country]": "BE"})
	b.do("save the line", chromedp.Click(chromedp.CSS(`#guide-line-form button[type=submit]`)))
	// Unchanged settings are saved at once; changed ones are refused by
	// the demo, with a way on.
	b.waitJS("a way on", `!!document.getElementById('guide-continue') || !!document.getElementById('guide-test-form')`)
	if evalJS[bool](b, `!!document.getElementById('guide-continue')`) {
		b.do("continue", chromedp.Click(chromedp.CSS(`#guide-continue`)))
	}

	// The test call, to the demo's simulated remote machine.
	b.waitJS("the test call step", `!!document.querySelector('#guide-test-form input[name=number]')`)
	if n := evalJS[string](b, `document.querySelector('#guide-test-form input[name=number]').value`); n != "+32 2 555 12 12" {
		t.Errorf("the test call's number in the demo: %q, want the simulated line's +32 2 555 12 12", n)
	}
	b.do("send the test fax", chromedp.Click(chromedp.CSS(`#guide-test-form button[type=submit]`)))
	b.waitJSFor(deliveryTimeout, "the test fax delivered", `document.getElementById('guide-test-state')?.dataset.state === 'delivered'`)
	b.shot("guide-test")
	b.do("continue", chromedp.Click(chromedp.CSS(`#guide-continue`)))

	// The first colleague.
	b.waitJS("the colleague step", `!!document.querySelector('#guide-staff-form input[name=display_name]')`)
	b.fill(map[string]string{"#guide-staff-form input[name=display_name]": "Bert Janssens"})
	b.fill(map[string]string{"#guide-staff-form input[name=email]": "bert@example.com", "#guide-staff-form input[name=password]": "given by anna"})
	if login := evalJS[string](b, `document.querySelector('#guide-staff-form input[name=name]').value`); login != "bert" {
		t.Errorf("bert's login name: %q", login)
	}
	b.shot("guide-staff")
	b.do("add bert", chromedp.Click(chromedp.CSS(`#guide-staff-form button[type=submit]`)))
	b.waitJS("the compose page", `location.hash === '#/compose' && !!document.getElementById('rcpt-to')`)
}

// adminSections: the administration page shows one section at a time
// with a section navigation, at desktop and phone width; users show full
// names (changed in place), who must change the password, and monthly
// limits, set with a decimal comma.
func (b *browser) adminSections() {
	t := b.t
	t.Helper()
	b.open("#/admin")
	b.waitJS("the users section", `!!document.querySelector('#admin-users table') && document.querySelectorAll('nav.sections a').length === 5`)
	if n := evalJS[int](b, `document.querySelectorAll('.admin-section').length`); n != 1 {
		t.Errorf("%d sections shown at once, want 1", n)
	}
	for _, want := range []string{"Anna Admin", "Bert Janssens", "must change password"} {
		if !evalJS[bool](b, `document.querySelector('#admin-users table').textContent.includes(`+strconv.Quote(want)+`)`) {
			t.Errorf("the users table lacks %q", want)
		}
	}
	b.fitsPhone("the section navigation", "nav.sections")
	b.shot("admin-users")
	for _, s := range []string{"lines", "billing", "system", "audit"} {
		b.do("open "+s, chromedp.Click(chromedp.CSS(`nav.sections a[data-section=`+s+`]`)))
		b.waitJS("the "+s+" section", fmt.Sprintf(`!!document.getElementById('admin-%s') &&
			document.querySelector('nav.sections a[aria-current=page]')?.dataset.section === %q`, s, s))
	}

	b.open("#/admin?section=users")
	b.waitJS("bert's limit", `!!document.querySelector('.limit[data-user=bert] .set-limit')`)
	b.do("set bert's limit", chromedp.Click(chromedp.CSS(`.limit[data-user=bert] .set-limit`)))
	b.fill(map[string]string{".limit[data-user=bert] input[name=monthly]": "50,00"})
	b.do("save it", chromedp.Click(chromedp.CSS(`.limit[data-user=bert] button[type=submit]`)))
	b.waitJS("bert's limit 50.00", `document.querySelector('.limit[data-user=bert]')?.dataset.limit === '50.00'`)

	// Anna corrects bert's full name; a name with surrounding spaces is
	// trimmed as on the account page.
	b.do("rename bert", chromedp.Click(chromedp.CSS(`.display-name[data-user=bert] .rename`)))
	b.fill(map[string]string{".display-name[data-user=bert] input[name=display_name]": " Bert Janssens-Peeters "})
	b.do("save the name", chromedp.Click(chromedp.CSS(`.display-name[data-user=bert] button[type=submit]`)))
	b.waitJS("bert's new name", `document.querySelector('.display-name[data-user=bert] span')?.textContent === 'Bert Janssens-Peeters'`)
}

// adminBilling: "20,00" is an adjustment of twenty; the tariff versions
// show real dates; a three-line tariff is previewed first (removing
// nearly every destination as a whole tariff, nothing as an update),
// applied as an update, and the earlier version put back; the ledger
// shows the test fax as one row with its subject and number.
func (b *browser) adminBilling() {
	t := b.t
	t.Helper()
	b.open("#/admin?section=billing")
	b.waitJS("the adjustment form", `!!document.querySelector('#adjust-form input[name=amount]')`)
	before := b.amount("#admin-balance")
	b.fill(map[string]string{"#adjust-form input[name=amount]": "20,00", "#adjust-form input[name=reason]": "bank transfer"})
	b.do("adjust by 20,00", chromedp.Click(chromedp.CSS(`#adjust-form button[type=submit]`)))
	b.waitJS("the adjustment", `document.getElementById('notices').textContent.includes('Balance adjusted by +20.00')`)
	b.waitJS("the new balance", fmt.Sprintf(`Math.abs(Number(document.getElementById('admin-balance')?.dataset.amount) - %f) < 0.005`, before+20))

	b.waitJS("the tariff versions", `!!document.querySelector('#tariff-versions .effective')`)
	dates := evalJS[string](b, `[...document.querySelectorAll('#tariff-versions .effective')].map(e => e.textContent).join(' | ')`)
	if strings.Contains(dates, "1970") || strings.Contains(dates, "/70") || !strings.Contains(dates, "since installation") {
		t.Errorf("the tariff versions' dates: %q", dates)
	}
	versions := evalJS[int](b, `document.querySelectorAll('#tariff-versions tbody tr').length`)
	first := evalJS[string](b, `document.querySelector('#tariff-versions tbody tr:last-child [data-version]').dataset.version`)

	csvPath := filepath.Join(t.TempDir(), "partial.csv")
	csv := "prefix,name,currency,per_minute,first_seconds,step_seconds,minimum,connection_fee\n" +
		"33,France (reseller),EUR,0.33,30,1,0.00,0.00\n" +
		"32,Belgium (reseller),EUR,0.22,30,1,0.00,0.00\n" +
		"999,Nowhere land,EUR,0.99,30,1,0.00,0.00\n"
	if err := os.WriteFile(csvPath, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	b.do("choose the partial tariff", chromedp.SetUploadFiles(chromedp.CSS(`#tariff-form input[type=file]`), []string{csvPath}))
	b.do("preview it as the whole tariff", chromedp.Click(chromedp.CSS(`#tariff-form button[type=submit]`)))
	b.waitJS("the difference", `!!document.querySelector('#tariff-diff .diff')`)
	removed := evalJS[int](b, `Number(document.querySelector('#tariff-diff .diff').dataset.removed)`)
	if removed < 100 || !evalJS[bool](b, `!!document.querySelector('#tariff-diff .warn')`) {
		t.Errorf("replacing with three lines removes %d destinations, shown without a warning?", removed)
	}
	b.fitsPhone("the tariff difference", "#tariff-diff .diff")
	b.shot("admin-tariff-diff")
	b.do("cancel", chromedp.Click(chromedp.CSS(`#tariff-cancel`)))
	if n := evalJS[int](b, `document.querySelectorAll('#tariff-versions tbody tr').length`); n != versions {
		t.Errorf("a cancelled preview changed the versions: %d, want %d", n, versions)
	}
	b.do("choose update", chromedp.Click(chromedp.CSS(`#tariff-mode-update`)))
	b.do("preview it as an update", chromedp.Click(chromedp.CSS(`#tariff-form button[type=submit]`)))
	b.waitJS("the update's difference", `(() => { const d = document.querySelector('#tariff-diff .diff');
		return !!d && d.dataset.removed === '0' && d.dataset.added === '1' && Number(d.dataset.changed) >= 2 })()`)
	b.do("put it in force", chromedp.Click(chromedp.CSS(`#tariff-confirm`)))
	b.waitJS("one more version", fmt.Sprintf(`document.querySelectorAll('#tariff-versions tbody tr').length === %d`, versions+1))
	for number, want := range map[string]string{"%2B33155551212": "0.33 France (reseller)", "%2B12125551212": "North American Numbering Plan"} {
		got := evalJS[string](b, `fetch('/api/price?number=`+number+`', {credentials: 'same-origin'}).then(r => r.json()).then(p => p.per_minute + ' ' + p.tariff)`,
			chromedp.EvalAwaitPromise)
		if !strings.Contains(got, want) {
			t.Errorf("price of %s after the update: %q, want %q", number, got, want)
		}
	}

	// Back to the first version, after seeing what that changes.
	b.do("put the first version back", chromedp.Click(chromedp.CSS(`#tariff-versions button.reinstate[data-version="`+first+`"]`)))
	b.waitJS("what that changes", `(() => { const d = document.querySelector('#tariff-diff .diff');
		return !!d && d.dataset.removed === '1' && Number(d.dataset.changed) >= 2 })()`)
	b.do("confirm", chromedp.Click(chromedp.CSS(`#tariff-confirm`)))
	b.waitJS("the first version's table in force again", fmt.Sprintf(`document.querySelectorAll('#tariff-versions tbody tr').length === %d &&
		(document.querySelector('#tariff-versions tbody tr')?.textContent || '').includes('version %s put back in force')`, versions+2, first))

	// The ledger: the test fax is one row with its subject and number,
	// no hold rows, no job ids.
	b.waitJS("the ledger", `!!document.querySelector('#ledger-rows .ledger-row[data-kind=fax]')`)
	row := evalJS[string](b, `document.querySelector('#ledger-rows .ledger-row[data-kind=fax]').closest('tr').textContent`)
	if !strings.Contains(row, "Faxbox test fax") || !strings.Contains(row, "+3225551212") {
		t.Errorf("the test fax's ledger row: %q", row)
	}
	all := evalJS[string](b, `document.getElementById('ledger-rows').textContent`)
	if strings.Contains(all, "job") || evalJS[int](b, `document.querySelectorAll('#ledger-rows .ledger-row[data-kind=fax]').length`) != 1 {
		t.Errorf("the ledger shows job ids or more than one row for the test fax:\n%s", all)
	}
	b.shot("admin-billing")
}

// adminSystem: backup download and restore, which asks first.
func (b *browser) adminSystem() {
	t := b.t
	t.Helper()
	b.open("#/admin?section=system")
	b.waitJS("backup and restore", `document.getElementById('backup-download')?.getAttribute('href') === '/api/admin/backup' &&
		!!document.querySelector('#restore-form input[type=file]')`)
	path := filepath.Join(t.TempDir(), "faxbox-backup.tar")
	if err := os.WriteFile(path, []byte("not restored: the test cancels"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.do("choose a backup", chromedp.SetUploadFiles(chromedp.CSS(`#restore-form input[type=file]`), []string{path}))
	b.do("restore…", chromedp.Click(chromedp.CSS(`#restore-form button[type=submit]`)))
	b.waitJS("the confirmation", `(document.getElementById('restore-confirm')?.textContent || '').includes('faxbox-backup.tar') && !!document.getElementById('restore-yes')`)
	b.shot("admin-system-backup")
	b.do("cancel", chromedp.Click(chromedp.CSS(`#restore-confirm button:not(#restore-yes)`)))
	b.waitJS("no confirmation", `!document.getElementById('restore-yes')`)
}

// adminResolution: the default resolution is a setting, fine out of the
// box, with the three resolutions by name and a hint on what it changes.
// The demo, restarted with a configuration file so that settings are
// saved, keeps standard (GET /api/settings), applies it at once (a new
// compose page preselects it, marked as the office default), and names
// a refused value in plain words; fine is put back.
func (b *browser) adminResolution() {
	t := b.t
	t.Helper()
	conf := filepath.Join(b.srv.dir, "faxbox.toml")
	if err := os.WriteFile(conf, []byte("demo = true\n\n[identity]\nfax_number = \"+3225550100\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.srv.stop()
	b.srv.args = []string{"--config", conf}
	b.srv.start(strings.TrimPrefix(b.srv.url, "https://"))
	b.open("#/admin?section=system")
	b.do("load the page again", chromedp.Reload())
	sel := `#settings-form select[name=resolution]`
	b.waitJS("the default resolution, fine", `document.querySelector('`+sel+`')?.value === 'fine' && !document.getElementById('settings-read-only')`)
	options := evalJS[string](b, `[...document.querySelectorAll('`+sel+` option')].map(o => o.value + '=' + o.textContent).join(' | ')`)
	for _, want := range []string{"standard=Standard (98", "fine=Fine (196", "superfine=Superfine (391"} {
		if !strings.Contains(options, want) {
			t.Errorf("the default resolution's choices %q lack %q", options, want)
		}
	}
	hint := evalJS[string](b, `document.getElementById(document.querySelector('`+sel+`').getAttribute('aria-describedby'))?.textContent || ''`)
	for _, want := range []string{"Compose", "number+fine@", "faxd submit --resolution", "line time"} {
		if !strings.Contains(hint, want) {
			t.Errorf("the default resolution's hint %q does not mention %q", hint, want)
		}
	}
	b.fitsPhone("the default resolution", sel)

	savedResolution := func() string {
		return evalJS[string](b, `fetch('/api/settings', {credentials: 'same-origin'}).then(r => r.json()).then(s => s.settings.resolution)`,
			chromedp.EvalAwaitPromise)
	}
	setDefault := func(res string) {
		t.Helper()
		b.do("choose "+res, chromedp.SetValue(chromedp.CSS(sel), res))
		evalJS[chromedp.Void](b, `document.getElementById('notices').replaceChildren()`)
		b.do("save the settings", chromedp.Click(chromedp.CSS(`#settings-form button[type=submit]`)))
		b.waitJS(res+" saved", `document.getElementById('notices').textContent.includes('the default resolution applies to new messages now') &&
			document.querySelector('`+sel+`')?.value === '`+res+`'`)
		b.shot("admin-default-" + res)
		if saved := savedResolution(); saved != res {
			t.Errorf("GET /api/settings after saving %s: resolution %q", res, saved)
		}
		b.open("#/compose")
		b.waitJS("a new compose page at "+res, `(() => { const s = document.getElementById('resolution');
			return !!s && s.value === '`+res+`' && s.selectedOptions[0].textContent.includes('office default') &&
				!s.querySelector('option[value=""]') })()`)
		b.shot("compose-default-" + res)
		b.open("#/admin?section=system")
		b.waitJS("the settings form", `!!document.querySelector('`+sel+`')`)
	}
	setDefault("standard")

	// A value the appliance refuses (sent by a page of another version,
	// say) is named by its label, in plain words, and changes nothing.
	evalJS[chromedp.Void](b, `(() => { const s = document.querySelector('`+sel+`');
		s.append(new Option('ultra', 'ultra')); s.value = 'ultra' })()`)
	b.do("save ultra", chromedp.Click(chromedp.CSS(`#settings-form button[type=submit]`)))
	b.waitJS("ultra refused", `(() => { const e = document.querySelector('#settings-form .error').textContent;
		return e.includes('Default resolution: ') && e.includes('standard, fine or superfine') })()`)
	if saved := savedResolution(); saved != "standard" {
		t.Errorf("GET /api/settings after ultra was refused: resolution %q, want standard still", saved)
	}

	setDefault("fine")
}

// importContactsTwice: a file's import says what it adds before adding;
// the same file again adds nothing.
func (b *browser) importContactsTwice() {
	t := b.t
	t.Helper()
	path := filepath.Join(t.TempDir(), "book.csv")
	if err := os.WriteFile(path, []byte("name,company,fax\nClaire Dubois,Dubois SPRL,02 555 77 88\nDirk Maes,,03 555 11 22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.open("#/contacts")
	b.waitJS("the contacts page", `!!document.getElementById('import')`)
	b.do("import the file", chromedp.SetUploadFiles(chromedp.CSS(`#import`), []string{path}))
	b.waitJS("what it adds", `(() => { const p = document.getElementById('import-preview');
		return !!p && p.dataset.added === '2' && p.dataset.skipped === '0' })()`)
	b.fitsPhone("the import preview", "#import-preview")
	b.shot("contacts-import")
	b.do("import", chromedp.Click(chromedp.CSS(`#import-confirm`)))
	b.waitJS("the counts", `document.getElementById('notices').textContent.includes('Imported: 2 added, 0 updated, 0 skipped.')`)
	b.waitJS("two contacts", `document.querySelectorAll('.contact h2').length === 2`)
	b.do("import it again", chromedp.SetUploadFiles(chromedp.CSS(`#import`), []string{path}))
	b.waitJS("nothing to add", `(() => { const p = document.getElementById('import-preview');
		return !!p && p.dataset.added === '0' && p.dataset.skipped === '2' && document.getElementById('import-confirm')?.disabled })()`)
	b.do("cancel", chromedp.Click(chromedp.CSS(`#import-cancel`)))
	if n := evalJS[int](b, `document.querySelectorAll('.contact h2').length`); n != 2 {
		t.Errorf("%d contacts after importing one file twice, want 2", n)
	}
}

// staffFirstLogin: bert, whose password anna set, must choose his own
// first; then his account shows the limit anna set.
func (b *browser) staffFirstLogin() {
	b.t.Helper()
	b.do("log out", chromedp.Click(chromedp.CSS(`#logout`)))
	b.waitJS("the login page", `!!document.querySelector('input[name=password]')`)
	b.fill(map[string]string{"input[name=name]": "bert", "input[name=password]": "given by anna"})
	b.do("log in as bert", chromedp.Click(chromedp.CSS(`main button[type=submit]`)))
	b.waitJS("the password change, forced", `location.hash === '#/password' && !!document.querySelector('main input[name=new]')`)
	b.open("#/compose")
	b.waitJS("still the password change", `location.hash === '#/password'`)
	b.shot("first-login-password")
	b.fill(map[string]string{"main input[name=old]": "given by anna", "main input[name=new]": "bert chose this"})
	b.do("change it", chromedp.Click(chromedp.CSS(`main button[type=submit]`)))
	b.waitJS("the compose page", `location.hash === '#/compose'`)
	b.open("#/account")
	b.waitJS("bert's limit on his account", `(document.getElementById('account-summary')?.textContent || '').includes('50.00 EUR')`)
}

// fitsPhone checks at phone width that the element is on screen and the
// page does not scroll sideways, then goes back to the desktop size.
func (b *browser) fitsPhone(what, sel string) {
	b.t.Helper()
	phone := screens[1]
	b.do("phone width", chromedp.EmulateViewport(phone.width, phone.height))
	defer b.do("desktop width", chromedp.EmulateViewport(screens[0].width, screens[0].height))
	b.waitJS(what+" at phone width", fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false;
		const r = e.getBoundingClientRect();
		return r.width > 0 && r.left >= 0 && r.right <= %d + 1 && document.documentElement.scrollWidth <= %d + 1 })()`, sel, phone.width, phone.width))
}
