package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"faxbox/firmware/api"
	"faxbox/firmware/billing"
	"faxbox/pages/render/sandbox"
	"faxbox/pages/render/sandbox/sandboxtest"
)

// TestPreviewRate: previews count against a per-user rate; beyond it they
// are answered 429 with Retry-After, and other users are not affected.
func TestPreviewRate(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newEnv(t, 0, func(c *api.Config) { c.PreviewsPerMinute = 3; c.Now = clock })
	preview := func(tok string) (int, string) {
		ct, body := form(t, map[string]string{"to": "+32 2 555 12 12", "body": "Hello"}, nil)
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/previews", body)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", ct)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Retry-After")
	}
	for i := range 3 {
		if code, _ := preview(token); code != http.StatusOK {
			t.Fatalf("preview %d: %d", i+1, code)
		}
	}
	if code, retry := preview(token); code != http.StatusTooManyRequests || retry != "20" {
		t.Errorf("fourth preview in a minute: %d, Retry-After %q; want 429 and 20", code, retry)
	}
	if code, _ := preview(bobToken); code != http.StatusOK {
		t.Errorf("another user's preview: %d", code)
	}
	mu.Lock()
	now = now.Add(20 * time.Second)
	mu.Unlock()
	if code, _ := preview(token); code != http.StatusOK {
		t.Errorf("preview 20 s later: %d", code)
	}
}

// TestRefusedAttachmentNamed: an attachment beyond the limits is refused
// with its name and a plain reason, and nothing is stored.
func TestRefusedAttachmentNamed(t *testing.T) {
	e := newEnv(t, 100*billing.Unit)
	ct, body := form(t, map[string]string{"to": "+32 2 555 12 12", "subject": "Photos"},
		map[string]string{"bomb.png": string(sandboxtest.BombPNG(100000, 100000)), "notes.txt": "fine"})
	var ae apiError
	if code := e.do(t, "POST", "/api/messages", ct, body, &ae); code != http.StatusRequestEntityTooLarge ||
		ae.Error != "bomb.png: the image is too large to fax (100000x100000 pixels)" {
		t.Errorf("submit: %d %q", code, ae.Error)
	}
	var list struct {
		Messages []message `json:"messages"`
	}
	if e.do(t, "GET", "/api/messages", "", nil, &list); len(list.Messages) != 0 {
		t.Errorf("%d messages stored after a refusal", len(list.Messages))
	}
}

// busy is a Renderer whose queue is full.
type busy struct{}

func (busy) Render(context.Context, sandbox.Job, sandbox.Sink) error { return sandbox.ErrBusy }

// TestRendererBusy: a user with too many documents waiting gets 429.
func TestRendererBusy(t *testing.T) {
	e := newEnv(t, 100*billing.Unit, func(c *api.Config) { c.Renderer = busy{} })
	for _, path := range []string{"/api/previews", "/api/messages"} {
		ct, body := form(t, map[string]string{"to": "+32 2 555 12 12", "body": "Hello"}, nil)
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", path, body)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", ct)
		e.api.ServeHTTP(rec, req)
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "try again") {
			t.Errorf("%s: %d %s, Retry-After %q", path, rec.Code, rec.Body, rec.Header().Get("Retry-After"))
		}
	}
}
