package api_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/api"
	"faxbox/firmware/billing"
	"faxbox/firmware/store"
	"faxbox/pages/render"
)

// TestJobReport: a delivered job's transmission report names the remote's
// ident, the pages confirmed, each call's metered time and charge from the
// ledger, and the busy call before it; only the sender and administrators
// get it.
func TestJobReport(t *testing.T) {
	pdftotext := needTool(t, "pdftotext", "poppler-utils")
	e := newEnv(t, 50*billing.Unit, func(c *api.Config) {
		c.From = render.Party{Organisation: "Dupont SA", Fax: "+32 2 555 01 00"}
		c.StationIdent = "DUPONT FAX"
	})
	ct, body := form(t, map[string]string{"to": "02 555 12 12", "subject": "Lease", "body": "Hi"}, nil)
	var m message
	if code := e.do(t, "POST", "/api/messages", ct, body, &m); code != http.StatusCreated || len(m.Jobs) != 1 {
		t.Fatalf("submit: %d %+v", code, m)
	}
	job := m.Jobs[0].ID
	ctx := context.Background()
	e.call(t, 0, store.Outcome{Next: store.Retry, RetryAt: time.Now(), ReasonCode: "busy", ReasonText: "The line was busy."})
	j, _, err := e.st.NextJob(ctx, time.Now().Add(3*time.Hour))
	if err != nil || j.ID != job {
		t.Fatalf("second attempt: %v %+v", err, j)
	}
	a, err := e.st.StartAttempt(ctx, job, "ttyUSB1")
	if err != nil {
		t.Fatal(err)
	}
	call := billing.CallID(job, a.Number)
	if _, err := e.led.BeginCall(ctx, billing.CallRequest{ID: call, Job: "x", User: "alice", Number: "+3225551212", Country: "BE", Pages: 1}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.RecordConnected(ctx, a.ID, store.Params{BitRate: 9600, ECM: true, Coding: "MMR", RemoteIdent: "ACME 42"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.RecordPageConfirmed(ctx, a.ID, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := e.led.Settle(ctx, call, true, 33700*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.FinishAttempt(ctx, a.ID, store.Outcome{Next: store.Delivered, ReasonCode: "ok", Duration: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}

	path := "/api/jobs/" + itoa(job) + "/report.pdf"
	if code, _, _ := e.fetch(t, bobToken, path); code != http.StatusNotFound {
		t.Errorf("bob gets alice's report: %d", code)
	}
	code, ctype, data := e.fetch(t, token, path)
	if code != http.StatusOK || ctype != "application/pdf" {
		t.Fatalf("report: %d %s %s", code, ctype, data)
	}
	file := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdftotext, "-layout", file, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{"Delivered: 1 of 1 pages confirmed", `Dupont SA, +32 2 555 01 00, "DUPONT FAX"`,
		"+32 2 555 12 12", `"ACME 42"`, "Lease", "The line was busy.", "33.7 s", "9600", "MMR ECM", "ttyUSB1", "EUR"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "no longer available") {
		t.Errorf("the report has no first page:\n%s", text)
	}
	// The call statement lists the report beside the call's rows.
	code, _, data = e.fetch(t, token, "/api/account/ledger?format=csv")
	if code != http.StatusOK || !strings.HasSuffix(strings.SplitN(string(data), "\n", 2)[0], ",report") ||
		!strings.Contains(string(data), "job"+itoa(job)+"/attempt2,") || !strings.Contains(string(data), ",/api/jobs/"+itoa(job)+"/report.pdf\n") {
		t.Errorf("statement: %d\n%s", code, data)
	}
	if code, _, _ := e.fetch(t, token, "/api/jobs/99999/report.pdf"); code != http.StatusNotFound {
		t.Errorf("unknown job: %d", code)
	}
}
