package ui_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"faxbox/firmware/store"
	"faxbox/firmware/users"
	"faxbox/ui"
)

// TestDisplayNameOfMe: a signed-in user sets the name people know them by
// with PATCH /api/me; /auth/me shows it beside the login name, and the
// API principal (whose Name goes on cover pages) carries it.
func TestDisplayNameOfMe(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "faxbox.db")
	st, err := store.Open(ctx, store.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	us, err := users.Open(ctx, users.Config{Path: path, Accounts: st, Hash: users.HashParams{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer us.Close()
	srv, err := ui.New(ui.Config{Users: us, Auth: &ui.SessionAuth{Users: us}, API: http.NotFoundHandler(), DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewTLSServer(srv.Handler())
	defer ts.Close()
	if _, err := us.Setup(ctx, users.NewUser{Name: "anna", Password: "anna password"}); err != nil {
		t.Fatal(err)
	}
	sess, err := us.Login(ctx, "anna", "anna password", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	patch := func(body string) *http.Response {
		req, _ := http.NewRequest("PATCH", ts.URL+"/api/me", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(users.CSRFHeader, sess.CSRF)
		req.AddCookie(&http.Cookie{Name: users.CookieName, Value: sess.Token})
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := patch(`{"display_name": "Anna Admin"}`)
	var out struct {
		User struct {
			Name    string `json:"name"`
			Display string `json:"display_name"`
		} `json:"user"`
	}
	decode(t, resp, &out)
	if resp.StatusCode != 200 || out.User.Name != "anna" || out.User.Display != "Anna Admin" {
		t.Fatalf("PATCH /api/me: %d %+v", resp.StatusCode, out)
	}
	if resp := patch(`{"display_name": " spaced "}`); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a display name with surrounding spaces: %d, want 400", resp.StatusCode)
	}
	got, err := us.Session(ctx, sess.Token)
	if err != nil {
		t.Fatal(err)
	}
	if p := ui.Principal(got.User); p.Name != "Anna Admin" || p.User.Name != "anna" {
		t.Errorf("Principal = %+v: the cover's From is the display name, the store user the login", p)
	}
}
