package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"faxbox/firmware/api"
	"faxbox/firmware/billing"
	"faxbox/firmware/daemon"
	"faxbox/firmware/events"
	"faxbox/firmware/store"
	"faxbox/sip"
	"faxbox/sipline"
)

// tracedAttempt submits a message and records an attempt of its job on
// the named line with a trace file holding text.
func (e *env) tracedAttempt(t *testing.T, line, text string) (store.Job, store.Attempt) {
	t.Helper()
	ctx := context.Background()
	ct, body := form(t, map[string]string{"to": "02 555 12 12", "body": "Hi"}, nil)
	if code := e.do(t, "POST", "/api/messages", ct, body, nil); code != http.StatusCreated {
		t.Fatalf("submit: %d", code)
	}
	j, ok, err := e.st.NextJob(ctx, time.Now())
	if err != nil || !ok {
		t.Fatalf("NextJob: %v %v", ok, err)
	}
	a, err := e.st.StartAttempt(ctx, j.ID, line)
	if err != nil {
		t.Fatal(err)
	}
	rel := filepath.Join("traces", fmt.Sprintf("attempt-%d.log", a.ID))
	if err := os.MkdirAll(filepath.Join(e.dir, "traces"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.dir, rel), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := e.st.RecordTrace(ctx, a.ID, rel); err != nil {
		t.Fatal(err)
	}
	return j, a
}

// TestSIPLineTrace: a SIP account's line is named "sip0/1"; its newest
// traced call is reached at /api/modems/sip0/1/trace, as the admin page's
// encoded /api/modems/sip0%2F1/trace, while a modem's plain name still
// works.
func TestSIPLineTrace(t *testing.T) {
	var asked []string
	e := newEnv(t, 50*billing.Unit, func(c *api.Config) {
		c.WireLog = func(name string, n int) ([]string, error) {
			asked = append(asked, name)
			return []string{"INVITE sip:025551212@192.0.2.1 SIP/2.0"}, nil
		}
	})
	_, a := e.tracedAttempt(t, "sip0/1", "INVITE\n")
	for _, path := range []string{"/api/modems/sip0/1/trace", "/api/modems/sip0%2F1/trace"} {
		var res struct {
			Modem   string   `json:"modem"`
			Attempt int64    `json:"attempt"`
			Lines   []string `json:"lines"`
		}
		if code := e.doAs(t, adminToken, "GET", path, "", nil, &res); code != http.StatusOK || res.Modem != "sip0/1" || res.Attempt != a.ID || len(res.Lines) != 1 {
			t.Errorf("%s: %d %+v", path, code, res)
		}
	}
	var ae apiError
	if code := e.doAs(t, adminToken, "GET", "/api/modems/sip0/2/trace", "", nil, &ae); code != http.StatusNotFound {
		t.Errorf("sip0/2, no call: %d, want 404", code)
	}
	if code := e.doAs(t, adminToken, "GET", "/api/modems/sip0/1/2/trace", "", nil, &ae); code != http.StatusNotFound {
		t.Errorf("sip0/1/2: %d, want 404", code)
	}
	if len(asked) != 2 || asked[0] != "sip0/1" || asked[1] != "sip0/1" {
		t.Errorf("wire log asked for %v", asked)
	}
}

// sipStatus is an appliance with a modem and two SIP accounts: sip0,
// registered, in a call on its first line; sip1, whose registrar refused
// its credentials.
func sipStatus(now time.Time) (func() []daemon.ModemStatus, func() []sipline.Status) {
	modems := func() []daemon.ModemStatus {
		return []daemon.ModemStatus{{Name: "ttyUSB0", State: daemon.ModemIdle}, {Name: "sip0/1", State: daemon.ModemCalling, Job: 7, Calls: 1},
			{Name: "sip0/2", State: daemon.ModemIdle}, {Name: "sip1/1", State: daemon.ModemIdle}}
	}
	accounts := func() []sipline.Status {
		return []sipline.Status{
			{Name: "sip0", Registrar: "pbx.example.com", User: "fax", State: sipline.RegRegistered, Since: now, Status: 200,
				Expires: 600 * time.Second, Next: now.Add(540 * time.Second), Lines: []string{"sip0/1", "sip0/2"}, Calls: 1},
			{Name: "sip1", Registrar: "trunk.example.net:5080", User: "4420", State: sipline.RegFailing, Since: now, Status: 403,
				Reason: sip.ReasonAuth, Detail: "Forbidden", Next: now.Add(time.Minute), Lines: []string{"sip1/1"}},
		}
	}
	return modems, accounts
}

// TestSIPLinesShown: GET /api/modems lists the SIP lines with their
// account, and each account's registration (registered, or failing with
// the reason and status), its next REGISTER and its calls in progress.
func TestSIPLinesShown(t *testing.T) {
	now := time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC)
	modems, accounts := sipStatus(now)
	e := newEnv(t, 50*billing.Unit, func(c *api.Config) { c.Modems, c.SIP = modems, accounts })
	var res struct {
		Modems []struct {
			Name, State, Account string
		} `json:"modems"`
		SIP []struct {
			Name, Registrar, User, State, Reason, Error string
			Status, Expires, Calls                      int
			Lines                                       []string
			Next                                        time.Time `json:"next_register"`
		} `json:"sip"`
	}
	if code := e.doAs(t, adminToken, "GET", "/api/modems", "", nil, &res); code != http.StatusOK {
		t.Fatalf("GET /api/modems: %d", code)
	}
	if len(res.Modems) != 4 || res.Modems[0].Account != "" || res.Modems[1].Account != "sip0" || res.Modems[3].Account != "sip1" {
		t.Errorf("modems %+v", res.Modems)
	}
	if len(res.SIP) != 2 {
		t.Fatalf("sip %+v", res.SIP)
	}
	s0, s1 := res.SIP[0], res.SIP[1]
	if s0.Name != "sip0" || s0.State != "registered" || s0.Expires != 600 || !s0.Next.Equal(now.Add(540*time.Second)) ||
		s0.Calls != 1 || strings.Join(s0.Lines, ",") != "sip0/1,sip0/2" || s0.Registrar != "pbx.example.com" {
		t.Errorf("sip0 %+v", s0)
	}
	if s1.State != "failing" || s1.Reason != "auth-failed" || s1.Status != 403 || s1.Error != "Forbidden" || !s1.Next.Equal(now.Add(time.Minute)) {
		t.Errorf("sip1 %+v", s1)
	}
}

// TestSIPMetrics: /metrics has each SIP account's registration, calls in
// progress and lines, and still passes promtool.
func TestSIPMetrics(t *testing.T) {
	modems, accounts := sipStatus(time.Now())
	e := newEnv(t, 50*billing.Unit, func(c *api.Config) { c.Modems, c.SIP = modems, accounts })
	code, _, body := e.fetch(t, adminToken, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, body)
	}
	got := parseExposition(t, string(body))
	for k, v := range map[string]float64{
		`faxbox_sip_registered{account="sip0"}`: 1, `faxbox_sip_registered{account="sip1"}`: 0,
		`faxbox_sip_calls{account="sip0"}`: 1, `faxbox_sip_calls{account="sip1"}`: 0,
		`faxbox_sip_lines{account="sip0"}`: 2, `faxbox_sip_lines{account="sip1"}`: 1,
		`faxbox_modem_state{modem="sip0/1",state="calling"}`: 1,
	} {
		if w, ok := got[k]; !ok || w != v {
			t.Errorf("%s = %v (present %v), want %v", k, w, ok, v)
		}
	}
	cmd := exec.Command(needTool(t, "promtool", "prometheus"), "check", "metrics")
	cmd.Stdin = strings.NewReader(string(body))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestEventsSIPRegistration: a SIP account's registration that changes
// (published on the bus as events.SIPRegistration) reaches the event
// stream's "modem" frame, which lists the accounts, without a line change.
func TestEventsSIPRegistration(t *testing.T) {
	now := time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC)
	modems, accounts := sipStatus(now)
	var mu sync.Mutex
	failing := false
	e := newEnv(t, 50*billing.Unit, func(c *api.Config) {
		c.Modems = modems
		c.SIP = func() []sipline.Status {
			st := accounts()
			mu.Lock()
			defer mu.Unlock()
			if failing {
				st[0].State, st[0].Reason, st[0].Status = sipline.RegFailing, sip.ReasonAuth, 403
			}
			return st
		}
	})
	c, _, err := e.dialEvents(t, adminToken, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	type sipFrame struct {
		SIP []struct{ Name, State string } `json:"sip"`
	}
	var d sipFrame
	if f := readFrame(t, c, 5*time.Second); f.Kind != "modem" || json.Unmarshal(f.Data, &d) != nil || d.SIP[0].State != "registered" {
		t.Fatalf("first frame %+v", f)
	}
	mu.Lock()
	failing = true
	mu.Unlock()
	e.bus.Publish(events.SIPRegistration{Account: "sip0", Status: 403, Reason: "auth-failed"})
	f := readFrame(t, c, 5*time.Second)
	if err := json.Unmarshal(f.Data, &d); err != nil || f.Kind != "modem" || d.SIP[0].State != "failing" {
		t.Fatalf("after the registration failed: %+v %s", f, f.Data)
	}
}
