package api_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"faxbox/firmware/api"
	"faxbox/firmware/billing"
	"faxbox/firmware/config"
	"faxbox/firmware/settings"
)

// TestDefaultResolutionSetting: the default resolution through the
// settings API, kept in a real configuration file (settings.File): fine
// out of the box; changed to standard, it is saved in the file, audited,
// the compose page's draft gives it, and the next message that chooses no
// resolution is sent at standard without a restart, while one that
// chooses keeps its choice; a bad value is refused with 400 naming
// render.resolution and changes nothing; staff cannot change it.
func TestDefaultResolutionSetting(t *testing.T) {
	cfg := config.Default()
	cfg.Identity.FaxNumber = "+3225550100"
	path := filepath.Join(t.TempDir(), "faxbox.toml")
	if err := cfg.Save(path); err != nil {
		t.Fatal(err)
	}
	file := settings.New(cfg, path)
	var log auditLog
	e := newEnv(t, 50*billing.Unit, withAudit(&log), func(c *api.Config) {
		c.Settings, c.SaveSettings, c.DefaultResolution = file.APISettings, file.SaveAPISettings, file.Resolution
	})
	var got struct {
		Settings api.Settings `json:"settings"`
		Message  string       `json:"message"`
		Changed  []string     `json:"changed"`
	}
	if code := e.doAs(t, adminToken, "GET", "/api/settings", "", nil, &got); code != http.StatusOK || got.Settings.Resolution != "fine" {
		t.Fatalf("GET /api/settings: %d, resolution %q; want fine out of the box", code, got.Settings.Resolution)
	}
	if d := e.draftDefault(t); d != "fine" {
		t.Errorf("the draft's default resolution out of the box: %q, want fine", d)
	}

	if code := e.doJSON(t, adminToken, "PUT", "/api/settings", `{"resolution": "standard"}`, &got); code != http.StatusOK ||
		got.Settings.Resolution != "standard" || !strings.Contains(got.Message, "applies to new messages now") ||
		strings.Join(got.Changed, "|") != `resolution: "standard"` {
		t.Fatalf("PUT resolution standard: %d %+v", code, got)
	}
	if saved, err := config.Load(path); err != nil || saved.Render.Resolution != "standard" {
		t.Errorf("the configuration file after the change: render.resolution %q, %v; want standard", saved.Render.Resolution, err)
	}
	if code := e.doAs(t, adminToken, "GET", "/api/settings", "", nil, &got); code != http.StatusOK || got.Settings.Resolution != "standard" {
		t.Errorf("GET /api/settings after the change: %d, resolution %q", code, got.Settings.Resolution)
	}
	if l := log.all(); len(l) != 1 || l[0] != `carol settings.update resolution: "standard"` {
		t.Errorf("audit log %q, want the change of the resolution", l)
	}
	if d := e.draftDefault(t); d != "standard" {
		t.Errorf("the draft's default resolution after the change: %q, want standard", d)
	}
	if r := e.sentResolution(t, nil); r != "standard" {
		t.Errorf("a message with no resolution after the change was sent at %q, want standard", r)
	}
	if r := e.sentResolution(t, map[string]string{"resolution": "superfine"}); r != "superfine" {
		t.Errorf("a message asking for superfine was sent at %q", r)
	}

	var bad struct {
		Error    string                `json:"error"`
		Problems []api.SettingsProblem `json:"problems"`
	}
	if code := e.doJSON(t, adminToken, "PUT", "/api/settings", `{"resolution": "ultra"}`, &bad); code != http.StatusBadRequest ||
		len(bad.Problems) != 1 || bad.Problems[0].Key != "render.resolution" || !strings.Contains(bad.Problems[0].Msg, "standard, fine or superfine") {
		t.Errorf("PUT resolution ultra: %d %+v; want 400 naming render.resolution and what is allowed", code, bad)
	}
	if file.Resolution() != "standard" || e.draftDefault(t) != "standard" {
		t.Errorf("a refused resolution changed the default to %q", file.Resolution())
	}
	if code := e.doJSON(t, token, "PUT", "/api/settings", `{"resolution": "fine"}`, nil); code != http.StatusForbidden {
		t.Errorf("PUT /api/settings as staff: %d, want 403", code)
	}
}

// draftDefault is the default resolution that GET /api/draft gives.
func (e *env) draftDefault(t *testing.T) string {
	t.Helper()
	var d struct {
		DefaultResolution string `json:"default_resolution"`
	}
	if code := e.do(t, "GET", "/api/draft", "", nil, &d); code != http.StatusOK {
		t.Fatalf("GET /api/draft: %d", code)
	}
	return d.DefaultResolution
}

// sentResolution submits a message with the fields given (and a body and
// a recipient) and returns the resolution it is sent at, as the answer
// and the estimate say.
func (e *env) sentResolution(t *testing.T, fields map[string]string) string {
	t.Helper()
	f := map[string]string{"to": "02 555 12 12", "body": "Hi"}
	for k, v := range fields {
		f[k] = v
	}
	ct, body := form(t, f, nil)
	var m struct {
		Resolution string `json:"resolution"`
		Estimates  struct {
			Resolution string `json:"resolution"`
		} `json:"estimates"`
	}
	if code := e.do(t, "POST", "/api/messages", ct, body, &m); code != http.StatusCreated {
		t.Fatalf("POST /api/messages: %d", code)
	}
	if m.Resolution != m.Estimates.Resolution {
		t.Errorf("the message is sent at %q, estimated at %q", m.Resolution, m.Estimates.Resolution)
	}
	return m.Resolution
}
