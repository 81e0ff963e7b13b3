package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/billing"
)

const tariffHead = "prefix,name,currency,per_minute,first_seconds,step_seconds,minimum,connection_fee\n"

// tariffDiff is the diff of POST /api/tariffs.
type tariffDiff struct {
	Version int64 `json:"version"`
	Rates   int   `json:"rates"`
	Preview bool  `json:"preview"`
	Diff    struct {
		Added, Changed, Removed []struct {
			Prefix, Name string
			PerMinute    string `json:"per_minute"`
			OldPerMinute string `json:"old_per_minute"`
		}
		Unchanged int
	} `json:"diff"`
}

// TestTariffPreviewUpdateReinstate: a preview shows what a file adds,
// changes and removes and stores nothing; mode "update" keeps the
// destinations the file leaves out; an earlier version can be put back
// in force, previewed first; each change is audited.
func TestTariffPreviewUpdateReinstate(t *testing.T) {
	var log auditLog
	e := newEnv(t, 50*billing.Unit, withAudit(&log))
	ctx := context.Background()
	full := tariffHead + "32,Belgium,EUR,0.30,30,6,0,0\n33,France,EUR,0.45,30,6,0,0\n1,USA,EUR,0.20,30,6,0,0\n"
	var res tariffDiff
	if code := e.doAs(t, adminToken, "POST", "/api/tariffs?note=full", "text/csv", strings.NewReader(full), &res); code != http.StatusCreated {
		t.Fatalf("full tariff: %d", code)
	}
	fullVersion := res.Version
	partial := tariffHead + "33,France,EUR,0.50,30,6,0,0\n31,Netherlands,EUR,0.40,30,6,0,0\n"

	// Preview of a replacement: France changed, the Netherlands added,
	// Belgium and the USA removed; nothing stored.
	res = tariffDiff{}
	if code := e.doAs(t, adminToken, "POST", "/api/tariffs?preview=1", "text/csv", strings.NewReader(partial), &res); code != http.StatusOK ||
		!res.Preview || res.Version != 0 || len(res.Diff.Added) != 1 || res.Diff.Added[0].Name != "Netherlands" ||
		len(res.Diff.Changed) != 1 || res.Diff.Changed[0].PerMinute != "0.50" || res.Diff.Changed[0].OldPerMinute != "0.45" ||
		len(res.Diff.Removed) != 2 || res.Rates != 2 {
		t.Fatalf("replace preview: %d %+v", code, res)
	}
	if id, _, _ := e.led.TariffAt(ctx, time.Now()); id != fullVersion {
		t.Fatalf("a preview stored version %d", id)
	}
	// Preview of an update, as a multipart form: nothing removed.
	res = tariffDiff{}
	ct, body := tariffForm(t, partial, "")
	withMode := strings.Replace(body.String(), "Content-Disposition: form-data; name=\"note\"", "Content-Disposition: form-data; name=\"mode\"\r\n\r\nupdate\r\n--"+boundary(ct)+"\r\nContent-Disposition: form-data; name=\"preview\"\r\n\r\n1\r\n--"+boundary(ct)+"\r\nContent-Disposition: form-data; name=\"note\"", 1)
	if code := e.doAs(t, adminToken, "POST", "/api/tariffs", ct, strings.NewReader(withMode), &res); code != http.StatusOK ||
		len(res.Diff.Removed) != 0 || len(res.Diff.Added) != 1 || len(res.Diff.Changed) != 1 || res.Diff.Unchanged != 2 || res.Rates != 4 {
		t.Fatalf("update preview: %d %+v", code, res)
	}
	// The update itself: France changes, the USA keeps its price.
	if code := e.doAs(t, adminToken, "POST", "/api/tariffs?mode=update", "text/csv", strings.NewReader(partial), &res); code != http.StatusCreated || res.Rates != 4 {
		t.Fatalf("update: %d %+v", code, res)
	}
	_, tab, err := e.led.TariffAt(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if r, err := tab.Lookup("+12125551212"); err != nil || r.PerMinute != 200_000 {
		t.Errorf("the USA after a partial update: %+v %v", r, err)
	}
	if r, _ := tab.Lookup("+33155551212"); r.PerMinute != 500_000 {
		t.Errorf("France after the update: %+v", r)
	}
	var ae apiError
	if code := e.doAs(t, adminToken, "POST", "/api/tariffs?mode=merge", "text/csv", strings.NewReader(partial), &ae); code != http.StatusBadRequest || !strings.Contains(ae.Error, "replace or update") {
		t.Errorf("mode=merge: %d %q", code, ae.Error)
	}

	// Put the full version back: previewed, then in force as a new version.
	path := fmt.Sprintf("/api/tariffs/versions/%d/reinstate", fullVersion)
	res = tariffDiff{}
	if code := e.doJSON(t, adminToken, "POST", path+"?preview=1", "", &res); code != http.StatusOK || len(res.Diff.Removed) != 1 ||
		res.Diff.Removed[0].Name != "Netherlands" || len(res.Diff.Changed) != 1 {
		t.Fatalf("reinstate preview: %d %+v", code, res)
	}
	if code := e.doJSON(t, adminToken, "POST", path, "", &res); code != http.StatusCreated || res.Version <= fullVersion {
		t.Fatalf("reinstate: %d %+v", code, res)
	}
	if _, tab, _ := e.led.TariffAt(ctx, time.Now()); len(tab.Rates()) != 3 {
		t.Errorf("after reinstating version %d: %d rates, want 3", fullVersion, len(tab.Rates()))
	}
	if code := e.doJSON(t, adminToken, "POST", "/api/tariffs/versions/999/reinstate", "", &ae); code != http.StatusNotFound {
		t.Errorf("reinstating no such version: %d", code)
	}
	if code := e.doJSON(t, token, "POST", path, "", &ae); code != http.StatusForbidden {
		t.Errorf("staff reinstating: %d", code)
	}
	got := strings.Join(log.all(), "\n")
	for _, want := range []string{"(mode update: 1 added, 1 changed, 0 removed)", fmt.Sprintf("tariff.reinstate tariff version %d, 3 rates (from version %d: 0 added, 1 changed, 1 removed)", res.Version, fullVersion)} {
		if !strings.Contains(got, want) {
			t.Errorf("audit log lacks %q:\n%s", want, got)
		}
	}
}

// boundary is a multipart content type's boundary.
func boundary(ct string) string {
	_, b, _ := strings.Cut(ct, "boundary=")
	return b
}

// TestTariffVersionsRealDates: the tariff installed with the appliance
// (in force since the epoch) is listed from its creation, not 1970.
func TestTariffVersionsRealDates(t *testing.T) {
	e := newEnv(t, 0)
	tab, err := billing.DefaultTable()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.led.SetTariff(context.Background(), tab, time.Unix(0, 0), "faxbox", "example"); err != nil {
		t.Fatal(err)
	}
	var vs struct {
		Versions []struct {
			Effective    time.Time `json:"effective"`
			SinceInstall bool      `json:"since_install"`
		}
	}
	if code := e.doAs(t, adminToken, "GET", "/api/tariffs/versions", "", nil, &vs); code != http.StatusOK || len(vs.Versions) != 2 {
		t.Fatalf("versions: %d %+v", code, vs)
	}
	for _, v := range vs.Versions {
		if v.Effective.Year() < 2000 {
			t.Errorf("a version shows effective %v", v.Effective)
		}
	}
	if !vs.Versions[1].SinceInstall || vs.Versions[0].SinceInstall {
		t.Errorf("since_install: %+v", vs.Versions)
	}
}

// TestAdjustDecimalComma: "20,00" is twenty; an ambiguous "1,234" is
// refused saying how to write it.
func TestAdjustDecimalComma(t *testing.T) {
	var log auditLog
	e := newEnv(t, 50*billing.Unit, withAudit(&log))
	var res struct{ Amount, Balance string }
	if code := e.doJSON(t, adminToken, "POST", "/api/account/adjust", `{"amount": "20,00", "reason": "transfer"}`, &res); code != http.StatusOK ||
		res.Amount != "+20.00" || res.Balance != "70.00" {
		t.Fatalf("20,00: %d %+v", code, res)
	}
	var ae apiError
	if code := e.doJSON(t, adminToken, "POST", "/api/account/adjust", `{"amount": "1,234", "reason": "x"}`, &ae); code != http.StatusBadRequest ||
		!strings.Contains(ae.Error, "20,00") {
		t.Errorf("1,234: %d %q", code, ae.Error)
	}
}

// TestUserLimits: an administrator sets a user's monthly limit (typed
// with a comma), staff see it on their account, it is listed and
// audited, and removed with "".
func TestUserLimits(t *testing.T) {
	var log auditLog
	e := newEnv(t, 50*billing.Unit, withAudit(&log))
	var l struct{ User, Monthly string }
	if code := e.doJSON(t, adminToken, "PUT", "/api/limits/alice", `{"monthly": "12,50"}`, &l); code != http.StatusOK || l.Monthly != "12.50" {
		t.Fatalf("set: %d %+v", code, l)
	}
	var a struct {
		Limit string `json:"user_monthly_limit"`
	}
	if code := e.doJSON(t, token, "GET", "/api/account", "", &a); code != http.StatusOK || a.Limit != "12.50" {
		t.Errorf("alice's account: %d %+v", code, a)
	}
	var list struct {
		Limits []struct{ User, Monthly string }
	}
	if code := e.doJSON(t, adminToken, "GET", "/api/limits", "", &list); code != http.StatusOK || len(list.Limits) != 1 || list.Limits[0].User != "alice" {
		t.Errorf("list: %d %+v", code, list)
	}
	var ae apiError
	for _, tc := range []struct {
		tok, path, body string
		code            int
	}{
		{token, "/api/limits/alice", `{"monthly": "100"}`, http.StatusForbidden},
		{adminToken, "/api/limits/nobody", `{"monthly": "1"}`, http.StatusNotFound},
		{adminToken, "/api/limits/alice", `{"monthly": "-5"}`, http.StatusBadRequest},
		{adminToken, "/api/limits/alice", `{"monthly": "lots"}`, http.StatusBadRequest},
	} {
		if code := e.doJSON(t, tc.tok, "PUT", tc.path, tc.body, &ae); code != tc.code {
			t.Errorf("PUT %s %s: %d %q, want %d", tc.path, tc.body, code, ae.Error, tc.code)
		}
	}
	if code := e.doJSON(t, adminToken, "PUT", "/api/limits/alice", `{"monthly": ""}`, &l); code != http.StatusOK || l.Monthly != "" {
		t.Errorf("remove: %d %+v", code, l)
	}
	if got := log.all(); len(got) != 2 || got[0] != "carol limit.set monthly limit of alice: 12.50 EUR" || got[1] != "carol limit.set monthly limit of alice removed" {
		t.Errorf("audit %q", got)
	}
}

// TestLedgerGroupedByJob: a job's holds, releases and charge are one row
// with the message's subject and the recipient, however many calls it
// made; top-ups stay rows of their own; staff see their own rows only.
func TestLedgerGroupedByJob(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	ct, body := form(t, map[string]string{"to": "02 555 12 12", "subject": "Contract"}, map[string]string{"a.txt": "hello\n"})
	var m message
	if code := e.do(t, "POST", "/api/messages", ct, body, &m); code != http.StatusCreated {
		t.Fatalf("message: %d", code)
	}
	ctx := context.Background()
	job := m.Jobs[0].ID
	for attempt := 1; attempt <= 2; attempt++ {
		id := billing.CallID(job, attempt)
		if _, err := e.led.BeginCall(ctx, billing.CallRequest{ID: id, Job: fmt.Sprintf("job%d", job), User: "alice", Number: "+3225551212", Pages: 1}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.led.Settle(ctx, id, attempt == 2, 30*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	type rows struct {
		Rows []struct {
			Kind, Amount, Held, Subject, Number string
			Calls                               int
			Charged                             bool
		}
	}
	var r rows
	if code := e.doJSON(t, adminToken, "GET", "/api/account/ledger?group=job", "", &r); code != http.StatusOK || len(r.Rows) != 2 {
		t.Fatalf("grouped: %d %+v", code, r)
	}
	fax := r.Rows[1]
	if r.Rows[0].Kind != "topup" || fax.Kind != "fax" || fax.Subject != "Contract" || fax.Number != "+3225551212" || fax.Calls != 2 ||
		!fax.Charged || fax.Amount != "-0.60" || fax.Held != "" {
		t.Errorf("rows %+v", r.Rows)
	}
	r = rows{}
	if code := e.doJSON(t, adminToken, "GET", "/api/account/ledger?group=job&limit=1", "", &r); code != http.StatusOK || len(r.Rows) != 1 ||
		r.Rows[0].Subject != "Contract" {
		t.Errorf("the last row: %d %+v", code, r)
	}
	r = rows{}
	if code := e.doJSON(t, bobToken, "GET", "/api/account/ledger?group=job", "", &r); code != http.StatusOK || len(r.Rows) != 0 {
		t.Errorf("bob sees %+v", r)
	}
	var ae apiError
	if code := e.doJSON(t, adminToken, "GET", "/api/account/ledger?group=call", "", &ae); code != http.StatusBadRequest {
		t.Errorf("group=call: %d", code)
	}
}
