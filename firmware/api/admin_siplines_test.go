package api_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"faxbox/firmware/api"
	"faxbox/firmware/billing"
)

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
	ctx := context.Background()
	ct, body := form(t, map[string]string{"to": "02 555 12 12", "body": "Hi"}, nil)
	if code := e.do(t, "POST", "/api/messages", ct, body, nil); code != http.StatusCreated {
		t.Fatalf("submit: %d", code)
	}
	j, ok, err := e.st.NextJob(ctx, time.Now())
	if err != nil || !ok {
		t.Fatalf("NextJob: %v %v", ok, err)
	}
	a, err := e.st.StartAttempt(ctx, j.ID, "sip0/1")
	if err != nil {
		t.Fatal(err)
	}
	rel := filepath.Join("traces", "attempt-1.log")
	if err := os.MkdirAll(filepath.Join(e.dir, "traces"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.dir, rel), []byte("INVITE\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := e.st.RecordTrace(ctx, a.ID, rel); err != nil {
		t.Fatal(err)
	}
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
