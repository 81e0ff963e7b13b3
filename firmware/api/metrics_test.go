package api_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/api"
	"faxbox/firmware/billing"
	"faxbox/firmware/daemon"
	"faxbox/firmware/store"
	"faxbox/pages/render"
	"faxbox/pages/render/sandbox"
)

// call claims the next due job (as a modem would, hours from now) and
// records one finished call of it: pages confirmed, then the end.
func (e *env) call(t *testing.T, pages int, o store.Outcome) {
	t.Helper()
	ctx := context.Background()
	j, ok, err := e.st.NextJob(ctx, time.Now().Add(3*time.Hour))
	if err != nil || !ok {
		t.Fatalf("no job due: %v", err)
	}
	a, err := e.st.StartAttempt(ctx, j.ID, "ttyUSB0")
	if err != nil {
		t.Fatal(err)
	}
	if pages > 0 {
		if err := e.st.RecordConnected(ctx, a.ID, store.Params{BitRate: 14400}); err != nil {
			t.Fatal(err)
		}
	}
	for p := 1; p <= pages; p++ {
		if _, err := e.st.RecordPageConfirmed(ctx, a.ID, p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.st.FinishAttempt(ctx, a.ID, o); err != nil {
		t.Fatal(err)
	}
}

// charge books a settled call of user in the ledger.
func (e *env) charge(t *testing.T, id, user string, seconds int) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.led.BeginCall(ctx, billing.CallRequest{ID: id, Job: "job-" + id, User: user, Number: "+3225551212", Country: "BE", Pages: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.led.Settle(ctx, id, true, time.Duration(seconds)*time.Second); err != nil {
		t.Fatal(err)
	}
}

var sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*)\})? (-?[0-9.eE+]+|NaN|[+-]Inf)$`)

// parseExposition checks the text format 0.0.4 strictly (every sample
// after its family's HELP and TYPE, no family twice, values numbers) and
// returns the samples by name{labels}.
func parseExposition(t *testing.T, text string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	types := map[string]string{}
	cur := ""
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "# HELP "):
			f := strings.SplitN(l, " ", 4)
			if len(f) < 4 || types[f[2]] != "" {
				t.Fatalf("line %d: bad or repeated HELP: %q", n, l)
			}
			cur = f[2]
		case strings.HasPrefix(l, "# TYPE "):
			f := strings.Fields(l)
			if len(f) != 4 || f[2] != cur || (f[3] != "counter" && f[3] != "gauge") {
				t.Fatalf("line %d: TYPE %q not after its HELP, or unknown type", n, l)
			}
			types[cur] = f[3]
		default:
			m := sampleLine.FindStringSubmatch(l)
			if m == nil || m[1] != cur || types[cur] == "" {
				t.Fatalf("line %d: not a sample of family %s: %q", n, cur, l)
			}
			v, err := strconv.ParseFloat(m[4], 64)
			if err != nil {
				t.Fatalf("line %d: value %q", n, m[4])
			}
			key := m[1] + "{" + m[3] + "}"
			if _, dup := out[key]; dup {
				t.Fatalf("line %d: sample %s twice", n, key)
			}
			out[key] = v
		}
	}
	return out
}

// TestMetrics: the counters come from the store's database (a new server
// over the same file opened again, as after a restart, says the same), the
// output passes a strict parser and promtool.
func TestMetrics(t *testing.T) {
	modems := func() []daemon.ModemStatus {
		return []daemon.ModemStatus{{Name: "tty\"USB0", State: daemon.ModemCalling, Calls: 3}}
	}
	e := newEnv(t, 50*billing.Unit, func(c *api.Config) { c.Modems = modems })
	for _, n := range []string{"02 555 12 12", "02 555 12 13", "02 555 12 14"} {
		e.submit(t, token, n)
	}
	// Job 1 busy, job 2 delivered (one page), job 3 no answer, job 1
	// busy again: one job delivered, two waiting to retry.
	e.call(t, 0, store.Outcome{Next: store.Retry, RetryAt: time.Now().Add(time.Hour), ReasonCode: "busy"})
	e.call(t, 1, store.Outcome{Next: store.Delivered, ReasonCode: "ok"})
	e.call(t, 0, store.Outcome{Next: store.Retry, RetryAt: time.Now().Add(2 * time.Hour), ReasonCode: "no-answer"})
	e.call(t, 0, store.Outcome{Next: store.Retry, RetryAt: time.Now().Add(time.Hour), ReasonCode: "busy"})

	code, ctype, body := e.fetch(t, adminToken, "/metrics")
	if code != http.StatusOK || ctype != "text/plain; version=0.0.4; charset=utf-8" {
		t.Fatalf("status %d, %s: %s", code, ctype, body)
	}
	got := parseExposition(t, string(body))
	for k, v := range map[string]float64{
		`faxbox_calls_total{answered="true"}`: 1, `faxbox_calls_total{answered="false"}`: 3,
		`faxbox_pages_sent_total{}`:                     1,
		`faxbox_call_failures_total{cause="busy"}`:      2,
		`faxbox_call_failures_total{cause="no-answer"}`: 1,
		`faxbox_jobs{state="delivered"}`:                1, `faxbox_jobs{state="retry"}`: 2, `faxbox_jobs{state="queued"}`: 0,
		`faxbox_queue_length{}`:                 2,
		`faxbox_credit_balance{currency="EUR"}`: 50, `faxbox_credit_available{currency="EUR"}`: 50,
		`faxbox_modem_state{modem="tty\"USB0",state="calling"}`: 1,
		`faxbox_modem_state{modem="tty\"USB0",state="idle"}`:    0,
		`faxbox_events_clients{}`:                               0,
	} {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	promtool := needTool(t, "promtool", "prometheus")
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(string(body))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s\n%s", err, out, body)
	}

	// A new server over the same database counts the same.
	st2, err := store.Open(context.Background(), store.Config{Path: e.st.Dir() + "/faxbox.db"})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	h2, err := api.New(api.Config{Store: st2, Ledger: e.led, Renderer: sandbox.NewDirect(render.Options{}), Auth: tokens{adminToken: {User: e.users[adminToken], Admin: true}}})
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Close()
	req, _ := http.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	rec := httptest.NewRecorder()
	h2.ServeHTTP(rec, req)
	if again := parseExposition(t, rec.Body.String()); again[`faxbox_call_failures_total{cause="busy"}`] != 2 || again[`faxbox_pages_sent_total{}`] != 1 {
		t.Errorf("after a restart: %v", again)
	}

	if code, _, _ := e.fetch(t, token, "/metrics"); code != http.StatusForbidden {
		t.Errorf("staff read the metrics: %d", code)
	}
}

// TestLedgerAndTariffs: staff see their own spending only, in JSON and
// CSV; administrators see every entry; the tariff in force is listed.
func TestLedgerAndTariffs(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	e.charge(t, "c1", "alice", 60)
	e.charge(t, "c2", "bob", 30)
	type ledger struct {
		Currency string `json:"currency"`
		Entries  []struct {
			Kind   string `json:"kind"`
			Amount string `json:"amount"`
			User   string `json:"user"`
		} `json:"entries"`
	}
	var mine, all ledger
	if code := e.do(t, "GET", "/api/account/ledger", "", nil, &mine); code != http.StatusOK || mine.Currency != "EUR" {
		t.Fatalf("alice: %d %+v", code, mine)
	}
	kinds := ""
	for _, en := range mine.Entries {
		if en.User != "alice" {
			t.Errorf("alice sees %+v", en)
		}
		kinds += en.Kind + " "
	}
	if kinds != "hold release charge " {
		t.Errorf("alice's entries: %s", kinds)
	}
	if code := e.doAs(t, adminToken, "GET", "/api/account/ledger?format=json&from=2000-01-01&to="+time.Now().UTC().Format(time.DateOnly), "", nil, &all); code != http.StatusOK || len(all.Entries) != 7 {
		t.Errorf("administrator: %d, %d entries, want 7 (top-up and 3 per call)", code, len(all.Entries))
	}
	code, ctype, body := e.fetch(t, token, "/api/account/ledger?format=csv")
	if code != http.StatusOK || !strings.HasPrefix(ctype, "text/csv") {
		t.Fatalf("csv: %d %s", code, ctype)
	}
	recs, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil || len(recs) != 4 || recs[0][7] != "user" {
		t.Fatalf("alice's CSV (%v):\n%s", err, body)
	}
	for _, r := range recs[1:] {
		if r[7] != "alice" {
			t.Errorf("alice's CSV has %v", r)
		}
	}
	var ae apiError
	for _, q := range []string{"format=xml", "from=yesterday"} {
		if code := e.do(t, "GET", "/api/account/ledger?"+q, "", nil, &ae); code != http.StatusBadRequest {
			t.Errorf("%s: %d", q, code)
		}
	}

	var tf struct {
		Version  int64  `json:"version"`
		Currency string `json:"currency"`
		Rates    []struct {
			Prefix    string `json:"prefix"`
			Name      string `json:"name"`
			PerMinute string `json:"per_minute"`
			Step      int    `json:"step_seconds"`
		} `json:"rates"`
	}
	if code := e.doAs(t, bobToken, "GET", "/api/tariffs", "", nil, &tf); code != http.StatusOK || tf.Version == 0 || tf.Currency != "EUR" ||
		fmt.Sprint(tf.Rates) != "[{32 Belgium 1.20 1}]" {
		t.Errorf("tariffs: %d %+v", code, tf)
	}
}
