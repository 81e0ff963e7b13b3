package api_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"faxbox/firmware/api"
	"faxbox/firmware/billing"
)

// auditLog records what the API appends to the audit log.
type auditLog struct {
	mu      sync.Mutex
	entries []string // "actor action detail"
}

func (l *auditLog) record(_ context.Context, actor, action, detail string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, actor+" "+action+" "+detail)
	return nil
}

func (l *auditLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.entries...)
}

// withAudit gives the API the audit log l.
func withAudit(l *auditLog) func(*api.Config) {
	return func(c *api.Config) { c.Audit = l.record }
}

// fakeSettings keeps settings in memory; a saved ident longer than 20
// characters is invalid, and with noFile the settings are valid but not
// savable.
type fakeSettings struct {
	mu     sync.Mutex
	s      api.Settings
	noFile bool
}

func (f *fakeSettings) get(context.Context) (api.Settings, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.s, nil
}

func (f *fakeSettings) save(_ context.Context, s api.Settings) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(s.Identity.Ident) > 20 {
		return "", &api.SettingsError{Problems: []api.SettingsProblem{{Key: "identity.ident", Msg: "at most 20 characters"}}}
	}
	if f.noFile {
		return "", fmt.Errorf("%w: the demo has no configuration file", api.ErrSettingsNotSaved)
	}
	f.s = s
	return "saved in /etc/faxbox/faxbox.toml; applies when faxd restarts", nil
}

// doJSON sends body as JSON with tok and decodes the answer into out.
func (e *env) doJSON(t *testing.T, tok, method, path, body string, out any) int {
	t.Helper()
	return e.doAs(t, tok, method, path, "application/json", strings.NewReader(body), out)
}

// TestAdminStaffForbidden: every administration endpoint answers staff
// 403 and changes nothing.
func TestAdminStaffForbidden(t *testing.T) {
	var log auditLog
	fs := &fakeSettings{}
	e := newEnv(t, 50*billing.Unit, withAudit(&log), func(c *api.Config) { c.Settings, c.SaveSettings = fs.get, fs.save })
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/api/settings", ""},
		{"PUT", "/api/settings", `{"country": "FR"}`},
		{"POST", "/api/tariffs", "prefix,name,currency,per_minute,first_seconds,step_seconds,minimum,connection_fee\n"},
		{"GET", "/api/tariffs/versions", ""},
		{"POST", "/api/account/adjust", `{"amount": "5.00", "reason": "gift"}`},
		{"GET", "/api/modems/sim0/trace", ""},
		{"GET", "/api/system", ""},
	} {
		var ae apiError
		if code := e.doJSON(t, token, tc.method, tc.path, tc.body, &ae); code != http.StatusForbidden || !strings.Contains(ae.Error, "administrators") {
			t.Errorf("staff %s %s: %d %q, want 403 for administrators", tc.method, tc.path, code, ae.Error)
		}
	}
	if got := log.all(); len(got) != 0 {
		t.Errorf("staff's requests were audited: %q", got)
	}
	a, err := e.led.Account(context.Background(), "")
	if err != nil || a.Balance != 50*billing.Unit {
		t.Errorf("balance %v, %v after staff's requests, want 50.00 unchanged", a.Balance, err)
	}
}

// TestAdjust: an administrator's adjustment changes the balance by
// exactly its amount, with its reason in the ledger and the audit log;
// bad input is 400 with the reason, taking more than is available 402,
// and without an audit log nothing is changed (503).
func TestAdjust(t *testing.T) {
	var log auditLog
	e := newEnv(t, 50*billing.Unit, withAudit(&log))
	var res struct {
		Amount, Reason, Balance, Available, Currency string
		Entry                                        int64
	}
	if code := e.doJSON(t, adminToken, "POST", "/api/account/adjust", `{"amount": "20.00", "reason": "bank transfer 2026-11"}`, &res); code != http.StatusOK ||
		res.Amount != "+20.00" || res.Balance != "70.00" || res.Currency != "EUR" || res.Entry == 0 {
		t.Fatalf("adjust +20: %d %+v", code, res)
	}
	if code := e.doJSON(t, adminToken, "POST", "/api/account/adjust", `{"amount": "-5.50", "reason": "wrong top-up"}`, &res); code != http.StatusOK ||
		res.Amount != "-5.50" || res.Balance != "64.50" {
		t.Fatalf("adjust -5.50: %d %+v", code, res)
	}
	a, err := e.led.Account(context.Background(), "")
	if err != nil || a.Balance != 64_500_000 {
		t.Errorf("ledger balance %d, %v; want 64.50", a.Balance, err)
	}
	es, err := e.led.Entries(context.Background(), time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	last := es[len(es)-1]
	if last.Kind != billing.KindAdjustment || last.Why != "wrong top-up" || last.Who != "carol" {
		t.Errorf("last ledger entry %+v, want carol's adjustment with its reason", last)
	}
	want := []string{"carol account.adjust +20.00 EUR (bank transfer 2026-11); balance 70.00 EUR",
		"carol account.adjust -5.50 EUR (wrong top-up); balance 64.50 EUR"}
	if got := log.all(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("audit log %q, want %q", got, want)
	}

	for _, tc := range []struct {
		body string
		code int
		want string
	}{
		{`{"amount": "5.00"}`, http.StatusBadRequest, "needs a reason"},
		{`{"amount": "5.00", "reason": "   "}`, http.StatusBadRequest, "needs a reason"},
		{`{"amount": "five", "reason": "x"}`, http.StatusBadRequest, `amount "five"`},
		{`{"amount": "5.00 USD", "reason": "x"}`, http.StatusBadRequest, "USD"},
		{`{"amount": "0", "reason": "x"}`, http.StatusBadRequest, "changes nothing"},
		{`{"amount": 5, "reason": "x"}`, http.StatusBadRequest, "want a JSON body"},
		{`{"amount": "5", "reason": "x", "user": "bob"}`, http.StatusBadRequest, "unknown field"},
		{`{"amount": "-100.00", "reason": "too much"}`, http.StatusPaymentRequired, "not enough credit"},
	} {
		var ae apiError
		if code := e.doJSON(t, adminToken, "POST", "/api/account/adjust", tc.body, &ae); code != tc.code || !strings.Contains(ae.Error, tc.want) {
			t.Errorf("%s: %d %q, want %d with %q", tc.body, code, ae.Error, tc.code, tc.want)
		}
	}
	if a, _ := e.led.Account(context.Background(), ""); a.Balance != 64_500_000 || len(log.all()) != 2 {
		t.Errorf("refused adjustments changed something: balance %d, audit %q", a.Balance, log.all())
	}

	noAudit := newEnv(t, 50*billing.Unit)
	var ae apiError
	if code := noAudit.doJSON(t, adminToken, "POST", "/api/account/adjust", `{"amount": "5", "reason": "x"}`, &ae); code != http.StatusServiceUnavailable {
		t.Errorf("without an audit log: %d %q, want 503", code, ae.Error)
	}
	if a, _ := noAudit.led.Account(context.Background(), ""); a.Balance != 50*billing.Unit {
		t.Errorf("without an audit log the balance changed to %d", a.Balance)
	}
}

// tariffForm is a multipart form with the CSV in "file" and a note.
func tariffForm(t *testing.T, csv, note string) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", "tariff.csv")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write([]byte(csv))
	mw.WriteField("note", note)
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), &buf
}

// TestImportTariff: an uploaded CSV is the tariff from now on (the price
// lookup changes, the versions list grows with it in force), audited; a
// malformed one is refused with 400 naming the line, and nothing changes.
func TestImportTariff(t *testing.T) {
	var log auditLog
	e := newEnv(t, 50*billing.Unit, withAudit(&log))
	type versions struct {
		Versions []struct {
			ID      int64  `json:"id"`
			Who     string `json:"who"`
			Note    string `json:"note"`
			InForce bool   `json:"in_force"`
		} `json:"versions"`
	}
	var before versions
	if code := e.doAs(t, adminToken, "GET", "/api/tariffs/versions", "", nil, &before); code != http.StatusOK ||
		len(before.Versions) != 1 || !before.Versions[0].InForce {
		t.Fatalf("versions before: %d %+v", code, before)
	}
	var p struct{ PerMinute, Tariff string }
	price := func() {
		t.Helper()
		p.PerMinute, p.Tariff = "", ""
		if code := e.do(t, "GET", "/api/price?number=02+555+12+12", "", nil, &struct {
			PerMinute *string `json:"per_minute"`
			Tariff    *string `json:"tariff"`
		}{&p.PerMinute, &p.Tariff}); code != http.StatusOK {
			t.Fatalf("price: %d", code)
		}
	}
	price()
	if p.PerMinute != "1.20" {
		t.Fatalf("price before: %+v", p)
	}

	const csv = "prefix,name,currency,per_minute,first_seconds,step_seconds,minimum,connection_fee\n" +
		"32,Belgium landline,EUR,0.30,30,6,0,0\n33,France,EUR,0.45,30,6,0,0\n"
	ct, body := tariffForm(t, csv, "reseller price list 2026-12")
	var res struct {
		Version int64 `json:"version"`
		Rates   int   `json:"rates"`
	}
	if code := e.doAs(t, adminToken, "POST", "/api/tariffs", ct, body, &res); code != http.StatusCreated || res.Rates != 2 || res.Version <= before.Versions[0].ID {
		t.Fatalf("import: %d %+v", code, res)
	}
	price()
	if p.PerMinute != "0.30" || p.Tariff != "Belgium landline" {
		t.Errorf("price after the import: %+v, want 0.30 Belgium landline", p)
	}
	var after versions
	if code := e.doAs(t, adminToken, "GET", "/api/tariffs/versions", "", nil, &after); code != http.StatusOK || len(after.Versions) != 2 ||
		after.Versions[0].InForce || !after.Versions[1].InForce || after.Versions[1].Who != "carol" ||
		after.Versions[1].Note != "reseller price list 2026-12" {
		t.Fatalf("versions after: %d %+v", code, after)
	}
	if got := log.all(); len(got) != 1 || !strings.HasPrefix(got[0], fmt.Sprintf("carol tariff.import tariff version %d, 2 rates", res.Version)) {
		t.Errorf("audit log %q", got)
	}

	// As the body itself, text/csv.
	if code := e.doAs(t, adminToken, "POST", "/api/tariffs?note=plain", "text/csv", strings.NewReader(csv), &res); code != http.StatusCreated {
		t.Errorf("text/csv import: %d", code)
	}

	for _, tc := range []struct {
		ct, body, want string
	}{
		{"text/csv", "prefix,name,currency,per_minute,first_seconds,step_seconds,minimum,connection_fee\n32,Belgium,EUR,abc,30,6,0,0\n", "line 2"},
		{"text/csv", "prefix;name\n", "header"},
		{"text/csv", "prefix,name,currency,per_minute,first_seconds,step_seconds,minimum,connection_fee\n32,Belgium,USD,0.1,30,6,0,0\n", "currency"},
		{"application/json", `{"csv": "x"}`, "multipart/form-data"},
	} {
		var ae apiError
		if code := e.doAs(t, adminToken, "POST", "/api/tariffs", tc.ct, strings.NewReader(tc.body), &ae); code != http.StatusBadRequest || !strings.Contains(ae.Error, tc.want) {
			t.Errorf("%s %q: %d %q, want 400 with %q", tc.ct, tc.body, code, ae.Error, tc.want)
		}
	}
	ct, body = tariffForm(t, "", "")
	var ae apiError
	if code := e.doAs(t, adminToken, "POST", "/api/tariffs", ct, strings.NewReader(strings.Replace(body.String(), `name="file"`, `name="upload"`, 1)), &ae); code != http.StatusBadRequest ||
		!strings.Contains(ae.Error, `"file"`) {
		t.Errorf("no file field: %d %q", code, ae.Error)
	}
	var final versions
	if e.doAs(t, adminToken, "GET", "/api/tariffs/versions", "", nil, &final); len(final.Versions) != 3 || len(log.all()) != 2 {
		t.Errorf("refused imports changed something: %d versions, audit %q", len(final.Versions), log.all())
	}
}

// TestSettingsAPI: the settings as the hook gives them; a change is
// saved through the hook, answered with where and when it applies and
// the keys changed, and audited; invalid values are 400 naming the key,
// unknown keys 400, an appliance that cannot save 409; read-only fields
// are kept.
func TestSettingsAPI(t *testing.T) {
	var log auditLog
	fs := &fakeSettings{s: api.Settings{Identity: api.SettingsIdentity{FaxNumber: "+3225550100"}, Country: "BE",
		SMTP: api.SettingsSMTP{Host: "mail.example.com", Port: 587, PasswordSet: true}}}
	e := newEnv(t, 0, withAudit(&log), func(c *api.Config) { c.Settings, c.SaveSettings = fs.get, fs.save })
	var got struct {
		Settings api.Settings `json:"settings"`
		Message  string       `json:"message"`
		Changed  []string     `json:"changed"`
	}
	if code := e.doAs(t, adminToken, "GET", "/api/settings", "", nil, &got); code != http.StatusOK || got.Settings != fs.s {
		t.Fatalf("GET: %d %+v", code, got)
	}
	if code := e.doJSON(t, adminToken, "PUT", "/api/settings",
		`{"identity": {"organisation": "Martin Notaires"}, "smtp": {"port": 2525, "password_set": false}}`, &got); code != http.StatusOK ||
		!strings.Contains(got.Message, "restart") || fmt.Sprint(got.Changed) != `[identity.organisation: "Martin Notaires" smtp.port: 2525]` {
		t.Fatalf("PUT: %d %+v", code, got)
	}
	if s := fs.s; s.Identity.Organisation != "Martin Notaires" || s.Identity.FaxNumber != "+3225550100" || s.SMTP.Port != 2525 ||
		!s.SMTP.PasswordSet || s.SMTP.Host != "mail.example.com" {
		t.Errorf("saved %+v: want the change, the rest kept and password_set unchanged", s)
	}
	want := []string{`carol settings.update identity.organisation: "Martin Notaires", smtp.port: 2525`}
	if fmt.Sprint(log.all()) != fmt.Sprint(want) {
		t.Errorf("audit log %q, want %q", log.all(), want)
	}

	var bad struct {
		Error    string                `json:"error"`
		Problems []api.SettingsProblem `json:"problems"`
	}
	if code := e.doJSON(t, adminToken, "PUT", "/api/settings", `{"identity": {"ident": "+32 2 555 01 00 Martin Notaires"}}`, &bad); code != http.StatusBadRequest ||
		len(bad.Problems) != 1 || bad.Problems[0].Key != "identity.ident" || !strings.Contains(bad.Error, "identity.ident") {
		t.Errorf("invalid ident: %d %+v", code, bad)
	}
	var ae apiError
	if code := e.doJSON(t, adminToken, "PUT", "/api/settings", `{"identity": {"fax": "1"}}`, &ae); code != http.StatusBadRequest || !strings.Contains(ae.Error, `"fax"`) {
		t.Errorf("unknown key: %d %q", code, ae.Error)
	}
	if code := e.doJSON(t, adminToken, "PUT", "/api/settings", `{"country": "BE"}`, &got); code != http.StatusOK || got.Message != "nothing changed" {
		t.Errorf("no change: %d %+v", code, got)
	}
	fs.noFile = true
	if code := e.doJSON(t, adminToken, "PUT", "/api/settings", `{"country": "FR"}`, &ae); code != http.StatusConflict || !strings.Contains(ae.Error, "the demo has no configuration file") {
		t.Errorf("no file: %d %q, want 409", code, ae.Error)
	}
	if len(log.all()) != 1 || fs.s.Country != "BE" {
		t.Errorf("refused changes were saved or audited: %+v, %q", fs.s, log.all())
	}

	none := newEnv(t, 0, withAudit(&log))
	if code := none.doAs(t, adminToken, "GET", "/api/settings", "", nil, &ae); code != http.StatusServiceUnavailable {
		t.Errorf("no settings hook: %d, want 503", code)
	}
}

// TestModemTrace: the newest traced call on a modem, with the link to
// its trace and its last lines; a modem without one is 404.
func TestModemTrace(t *testing.T) {
	var asked []string
	e := newEnv(t, 50*billing.Unit, func(c *api.Config) {
		c.WireLog = func(name string, n int) ([]string, error) {
			asked = append(asked, fmt.Sprintf("%s %d", name, n))
			if name != "sim0" {
				return nil, errors.New("no such modem")
			}
			return []string{"+0.000 <- ATDT025551212", "+0.412 -> BUSY"}, nil
		}
	})
	j, a := e.tracedAttempt(t, "sim0", "+0.000 <- ATDT025551212\n")
	var res struct {
		Modem   string   `json:"modem"`
		Attempt int64    `json:"attempt"`
		Job     int64    `json:"job"`
		Trace   string   `json:"trace"`
		Lines   []string `json:"lines"`
	}
	if code := e.doAs(t, adminToken, "GET", "/api/modems/sim0/trace?lines=5", "", nil, &res); code != http.StatusOK ||
		res.Attempt != a.ID || res.Job != j.ID || res.Trace != "/api/attempts/"+itoa(a.ID)+"/trace" || len(res.Lines) != 2 {
		t.Fatalf("sim0: %d %+v", code, res)
	}
	if fmt.Sprint(asked) != "[sim0 5]" {
		t.Errorf("wire log asked %v, want sim0's last 5 lines", asked)
	}
	if code, _, text := e.get(t, adminToken, res.Trace); code != http.StatusOK || !strings.Contains(text, "ATDT") {
		t.Errorf("the linked trace: %d %q", code, text)
	}
	var ae apiError
	if code := e.doAs(t, adminToken, "GET", "/api/modems/sim1/trace", "", nil, &ae); code != http.StatusNotFound || !strings.Contains(ae.Error, "sim1") {
		t.Errorf("sim1: %d %q, want 404 naming it", code, ae.Error)
	}
	for _, q := range []string{"0", "x", "501"} {
		if code := e.doAs(t, adminToken, "GET", "/api/modems/sim0/trace?lines="+q, "", nil, &ae); code != http.StatusBadRequest {
			t.Errorf("lines=%s: %d, want 400", q, code)
		}
	}
}
