package ui_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"faxbox/firmware/api"
	"faxbox/firmware/billing"
	"faxbox/firmware/store"
	"faxbox/firmware/users"
	"faxbox/pages/render"
	"faxbox/pages/render/sandbox"
	"faxbox/ui"
)

// TestWithTheAPI puts the real JSON API behind the server: sessions reach
// it as their users, staff cannot see or touch another user's message or
// job, and the event websocket takes the session cookie but no foreign
// Origin.
func TestWithTheAPI(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "faxbox.db")
	st, err := store.Open(ctx, store.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	led, err := billing.Open(ctx, billing.Config{Path: path, InstallDefaultTariff: true})
	if err != nil {
		t.Fatal(err)
	}
	defer led.Close()
	us, err := users.Open(ctx, users.Config{Path: path, Accounts: st, Hash: users.HashParams{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer us.Close()
	auth := &ui.SessionAuth{Users: us}
	apiSrv, err := api.New(api.Config{Store: st, Ledger: led, Renderer: sandbox.NewDirect(render.Options{}), Auth: auth})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ui.New(ui.Config{Users: us, Auth: auth, API: apiSrv, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewTLSServer(srv.Handler())
	defer ts.Close()

	admin, err := us.Setup(ctx, users.NewUser{Name: "admin", Password: "admin password"})
	if err != nil {
		t.Fatal(err)
	}
	bobUser, err := us.Create(ctx, "admin", users.NewUser{Name: "bob", Password: "bob password"})
	if err != nil {
		t.Fatal(err)
	}
	// A password an administrator chose is changed at the first login.
	if err := us.ChangePassword(ctx, bobUser.ID, "bob password", "bob password", "", ""); err != nil {
		t.Fatal(err)
	}
	m, err := st.CreateMessage(ctx, store.NewMessage{Sender: admin.ID, Subject: "admin's",
		Recipients: []store.Recipient{{Field: store.To, Number: "+3225551212"}}})
	if err != nil {
		t.Fatal(err)
	}
	job := m.Jobs[0].ID

	// login returns a client with bob's or admin's session and its token.
	login := func(name, pw string) (*http.Client, string) {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Transport: ts.Client().Transport, Jar: jar}
		resp, err := c.Post(ts.URL+"/auth/login", "application/json", strings.NewReader(fmt.Sprintf(`{"name":%q,"password":%q}`, name, pw)))
		if err != nil {
			t.Fatal(err)
		}
		var out struct{ CSRF string }
		decode(t, resp, &out)
		if resp.StatusCode != 200 || out.CSRF == "" {
			t.Fatalf("login %s: %d", name, resp.StatusCode)
		}
		return c, out.CSRF
	}
	send := func(c *http.Client, method, path, csrf string) int {
		req, _ := http.NewRequest(method, ts.URL+path, nil)
		if csrf != "" {
			req.Header.Set(users.CSRFHeader, csrf)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	bob, bobCSRF := login("bob", "bob password")
	adm, _ := login("admin", "admin password")

	if code := send(bob, "GET", fmt.Sprintf("/api/messages/%d", m.ID), ""); code != http.StatusNotFound {
		t.Errorf("bob reads admin's message: %d, want 404", code)
	}
	if code := send(bob, "POST", fmt.Sprintf("/api/jobs/%d/cancel", job), bobCSRF); code != http.StatusNotFound {
		t.Errorf("bob cancels admin's job: %d, want 404", code)
	}
	if code := send(bob, "POST", fmt.Sprintf("/api/jobs/%d/cancel", job), ""); code != http.StatusForbidden {
		t.Errorf("cancel without the CSRF token: %d, want 403", code)
	}
	if j, err := st.GetJob(ctx, job); err != nil || j.State != store.Queued {
		t.Errorf("admin's job after bob's tries: %v, %v; want queued", j.State, err)
	}
	if code := send(adm, "GET", fmt.Sprintf("/api/messages/%d", m.ID), ""); code != http.StatusOK {
		t.Errorf("admin reads the message: %d", code)
	}

	// The event websocket: the session cookie is enough on GET; a foreign
	// Origin or no session is refused.
	u, _ := url.Parse(ts.URL)
	wsURL := "wss://" + u.Host + "/api/events"
	dial := func(c *http.Client, origin string) (int, error) {
		d := websocket.Dialer{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
		h := http.Header{"Origin": {origin}}
		if c != nil {
			d.Jar = c.Jar
		}
		conn, resp, err := d.Dial(wsURL, h)
		if conn != nil {
			conn.Close()
		}
		if resp == nil {
			return 0, err
		}
		return resp.StatusCode, nil
	}
	for _, tc := range []struct {
		name   string
		c      *http.Client
		origin string
		want   int
	}{
		{"bob's session", bob, "https://" + u.Host, http.StatusSwitchingProtocols},
		{"a foreign origin", bob, "https://evil.example", http.StatusForbidden},
		{"the origin over plain HTTP", bob, "http://" + u.Host, http.StatusForbidden},
		{"no session", nil, "https://" + u.Host, http.StatusUnauthorized},
	} {
		if code, err := dial(tc.c, tc.origin); code != tc.want {
			t.Errorf("websocket with %s: %d (%v), want %d", tc.name, code, err, tc.want)
		}
	}
}
