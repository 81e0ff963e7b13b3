package api_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/store"
)

// get fetches path with tok and returns the status, the content type and
// the body.
func (e *env) get(t *testing.T, tok, path string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest("GET", e.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// TestAttemptTrace: an attempt's trace is served as text to the sender of
// its job and to administrators, and as 404 to anyone else; the message
// view links to it.
func TestAttemptTrace(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	ctx := context.Background()
	ct, body := form(t, map[string]string{"to": "02 555 12 12", "body": "Hi"}, nil)
	var m message
	if code := e.do(t, "POST", "/api/messages", ct, body, &m); code != http.StatusCreated || len(m.Jobs) != 1 {
		t.Fatalf("status %d: %+v", code, m)
	}
	// A worker's first attempt, which keeps a trace, and its second,
	// which has none yet.
	j, ok, err := e.st.NextJob(ctx, time.Now())
	if err != nil || !ok {
		t.Fatalf("NextJob: %v %v", ok, err)
	}
	a, err := e.st.StartAttempt(ctx, j.ID, "sim0")
	if err != nil {
		t.Fatal(err)
	}
	const text = "+0.000 <- ATDT025551212\n+0.412 -> BUSY\n"
	rel := filepath.Join("traces", "attempt-1.log")
	if err := os.MkdirAll(filepath.Join(e.dir, "traces"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.dir, rel), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := e.st.RecordTrace(ctx, a.ID, rel); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.FinishAttempt(ctx, a.ID, store.Outcome{Next: store.Retry, RetryAt: time.Now(), ReasonCode: "busy"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.st.NextJob(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	b, err := e.st.StartAttempt(ctx, j.ID, "sim0")
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/attempts/" + itoa(a.ID) + "/trace"

	for _, tok := range []string{token, adminToken} {
		code, ctype, got := e.get(t, tok, path)
		if code != http.StatusOK || !strings.HasPrefix(ctype, "text/plain") || got != text {
			t.Errorf("%s: status %d, %s: %q", tok, code, ctype, got)
		}
	}
	for _, tc := range []struct {
		tok, path, want string
	}{
		{bobToken, path, "not found"}, // another user's, as if it did not exist
		{token, "/api/attempts/" + itoa(b.ID) + "/trace", "kept no trace"},
		{token, "/api/attempts/999/trace", "not found"},
	} {
		code, ctype, got := e.get(t, tc.tok, tc.path)
		if code != http.StatusNotFound || !strings.HasPrefix(ctype, "application/json") || !strings.Contains(got, tc.want) {
			t.Errorf("%s %s: status %d, %s: %s; want 404 %q", tc.tok, tc.path, code, ctype, got, tc.want)
		}
	}
	if code, _, _ := e.get(t, token, "/api/attempts/x/trace"); code != http.StatusBadRequest {
		t.Errorf("bad id: status %d", code)
	}

	// The message view links the trace.
	var view struct {
		Jobs []struct {
			History []struct {
				ID    int64  `json:"id"`
				Trace string `json:"trace"`
			} `json:"history"`
		} `json:"jobs"`
	}
	if code := e.do(t, "GET", "/api/messages/"+itoa(m.ID), "", nil, &view); code != http.StatusOK ||
		len(view.Jobs) != 1 || len(view.Jobs[0].History) != 2 || view.Jobs[0].History[0].Trace != path ||
		view.Jobs[0].History[1].Trace != "" || view.Jobs[0].History[1].ID != b.ID {
		t.Fatalf("message view: status %d, %+v", code, view)
	}

	// A trace deleted by retention is gone, in words.
	if err := os.Remove(filepath.Join(e.dir, rel)); err != nil {
		t.Fatal(err)
	}
	if code, _, got := e.get(t, token, path); code != http.StatusNotFound || !strings.Contains(got, "deleted") {
		t.Errorf("deleted trace: status %d: %s", code, got)
	}
}
