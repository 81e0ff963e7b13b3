package ui_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"faxbox/firmware/api"
	"faxbox/firmware/setupcode"
	"faxbox/firmware/store"
	"faxbox/firmware/users"
	"faxbox/ui"
)

const secToken = "scripts-token-0123456789"

// secFixture is a ui server over httptest TLS with a stand-in for the
// JSON API that counts the state-changing requests reaching it.
type secFixture struct {
	t       *testing.T
	ts      *httptest.Server
	srv     *ui.Server
	dir     string
	users   *users.Store
	log     *syncBuf
	changes atomic.Int32
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// openAccounts opens a store and its accounts (with cheap password
// hashes) in dir until the test ends.
func openAccounts(t *testing.T, dir string, log *slog.Logger) (*store.Store, *users.Store) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(dir, "faxbox.db")
	st, err := store.Open(ctx, store.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	us, err := users.Open(ctx, users.Config{Path: path, Accounts: st, Hash: users.HashParams{Memory: 64, Time: 1, Threads: 1}, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { us.Close() })
	return st, us
}

func newSecFixture(t *testing.T) *secFixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	f := &secFixture{t: t, dir: dir, log: &syncBuf{}}
	log := slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	st, us := openAccounts(t, dir, log)
	f.users = us
	scripts, err := st.CreateUser(ctx, "api")
	if err != nil {
		t.Fatal(err)
	}
	auth := &ui.SessionAuth{Users: f.users, Token: &api.TokenAuth{Token: secToken, Principal: api.Principal{User: scripts, Admin: true}}}
	apiStub := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := auth.Authenticate(r)
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if !users.Safe(r.Method) {
			io.Copy(io.Discard, r.Body)
			f.changes.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"user": p.User.Name})
	})
	srv, err := ui.New(ui.Config{Users: f.users, Auth: auth, API: apiStub, DataDir: dir, MaxUpload: 1 << 20, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	f.ts = httptest.NewUnstartedServer(srv.Handler())
	f.ts.StartTLS()
	t.Cleanup(f.ts.Close)
	return f
}

// secClient is one client with its own cookies and CSRF token.
type secClient struct {
	f    *secFixture
	c    *http.Client
	csrf string
}

func (f *secFixture) client() *secClient {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Transport: f.ts.Client().Transport, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &secClient{f: f, c: c}
}

// clientFrom is a client whose connections come from the loopback
// address ip ("127.0.0.2"), as another machine of the office would.
func (f *secFixture) clientFrom(ip string) *secClient {
	b := f.client()
	tr := f.ts.Client().Transport.(*http.Transport).Clone()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr.DialContext = d.DialContext
	b.c.Transport = tr
	return b
}

// do sends body as JSON (a string as is) with the given extra headers
// ("Name: value"); the CSRF token is sent on state-changing requests
// unless a header says "X-CSRF-Token:" itself. It returns the status and
// the decoded JSON answer.
func (b *secClient) do(method, path string, body any, headers ...string) (int, map[string]any, *http.Response) {
	b.f.t.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(v)
	default:
		j, _ := json.Marshal(v)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, b.f.ts.URL+path, rd)
	if err != nil {
		b.f.t.Fatal(err)
	}
	if !users.Safe(method) && b.csrf != "" {
		req.Header.Set(users.CSRFHeader, b.csrf)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(k, strings.TrimSpace(v))
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.f.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(raw, &out)
	return resp.StatusCode, out, resp
}

// signIn logs in (or sets up, with the setup code) and keeps the CSRF
// token.
func (b *secClient) signIn(path, name, password string) map[string]any {
	b.f.t.Helper()
	body := map[string]any{"name": name, "email": name + "@example.com", "password": password}
	if path == "/auth/setup" {
		body["setup_code"] = b.f.srv.SetupCode()
	}
	code, out, _ := b.do("POST", path, body)
	if code != http.StatusOK && code != http.StatusCreated {
		b.f.t.Fatalf("%s as %s: %d %v", path, name, code, out)
	}
	b.csrf, _ = out["csrf"].(string)
	return out["user"].(map[string]any)
}

func (f *secFixture) userCount() int {
	f.t.Helper()
	l, err := f.users.List(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return len(l)
}

func TestFirstRunAndSessions(t *testing.T) {
	f := newSecFixture(t)
	anon, admin := f.client(), f.client()

	// No session: nothing but the state, the setup and the login.
	if code, out, _ := anon.do("GET", "/auth/state", nil); code != 200 || out["setup_needed"] != true {
		t.Fatalf("state: %d %v", code, out)
	}
	for _, r := range [][2]string{{"GET", "/api/messages"}, {"POST", "/api/messages"}, {"GET", "/auth/me"},
		{"POST", "/auth/logout"}, {"GET", "/api/users"}, {"GET", "/api/audit"}, {"POST", "/api/me/password"}} {
		if code, _, _ := anon.do(r[0], r[1], map[string]string{}); code != http.StatusUnauthorized {
			t.Errorf("%s %s without a session: %d, want 401", r[0], r[1], code)
		}
	}

	u := admin.signIn("/auth/setup", "admin", "admin password")
	if u["admin"] != true || u["name"] != "admin" || u["email"] != "admin@example.com" {
		t.Errorf("setup user %v", u)
	}
	if code, _, _ := anon.do("POST", "/auth/setup", map[string]string{"name": "eve", "password": "eve password"}); code != http.StatusConflict {
		t.Errorf("second setup: %d, want 409", code)
	}
	if code, out, _ := anon.do("GET", "/auth/state", nil); code != 200 || out["setup_needed"] != false {
		t.Errorf("state after setup: %d %v", code, out)
	}

	// The cookie's flags.
	_, _, resp := f.client().do("POST", "/auth/login", map[string]string{"name": "admin", "password": "admin password"})
	var c *http.Cookie
	for _, k := range resp.Cookies() {
		if k.Name == users.CookieName {
			c = k
		}
	}
	if c == nil || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || len(c.Value) != 43 {
		t.Fatalf("session cookie %+v, want HttpOnly, Secure, SameSite=Strict, Path=/", c)
	}

	code, out, _ := admin.do("GET", "/auth/me", nil)
	if code != 200 || out["csrf"] != admin.csrf || out["user"].(map[string]any)["name"] != "admin" {
		t.Errorf("me: %d %v", code, out)
	}
	if code, out, _ := admin.do("GET", "/api/messages", nil); code != 200 || out["user"] != "admin" {
		t.Errorf("API with the session: %d %v", code, out)
	}

	// A new login ends the browser's previous session.
	u0, _ := url.Parse(f.ts.URL)
	old := admin.c.Jar.Cookies(u0)[0].Value
	admin.signIn("/auth/login", "admin", "admin password")
	if _, err := f.users.Session(context.Background(), old); !errors.Is(err, users.ErrNoSession) {
		t.Errorf("the previous session after a new login: %v, want ErrNoSession", err)
	}

	// Logout needs the CSRF token, then ends the session.
	if code, _, _ := admin.do("POST", "/auth/logout", nil, "X-CSRF-Token:"); code != http.StatusForbidden {
		t.Errorf("logout without CSRF: %d, want 403", code)
	}
	if code, _, resp := admin.do("POST", "/auth/logout", nil); code != http.StatusNoContent || !strings.Contains(resp.Header.Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("logout: %d, Set-Cookie %q", code, resp.Header.Get("Set-Cookie"))
	}
	if code, _, _ := admin.do("GET", "/auth/me", nil); code != http.StatusUnauthorized {
		t.Errorf("me after logout: %d", code)
	}
}

func TestCSRFAndRoles(t *testing.T) {
	f := newSecFixture(t)
	admin, staff := f.client(), f.client()
	adminID := int(admin.signIn("/auth/setup", "admin", "admin password")["id"].(float64))

	newUser := map[string]any{"name": "bob", "email": "bob@example.com", "password": "bob password", "admin": false}
	for _, h := range []string{"X-CSRF-Token:", "X-CSRF-Token: " + strings.Repeat("A", 43)} {
		if code, _, _ := admin.do("POST", "/api/users", newUser, h); code != http.StatusForbidden {
			t.Errorf("create user with %q: %d, want 403", h, code)
		}
		if code, _, _ := admin.do("POST", "/api/messages", "x", h); code != http.StatusForbidden {
			t.Errorf("API POST with %q: %d, want 403", h, code)
		}
	}
	if n := f.userCount(); n != 1 || f.changes.Load() != 0 {
		t.Fatalf("after refused requests: %d users, %d API changes; want 1, 0", n, f.changes.Load())
	}
	// A foreign origin is refused even with the token.
	if code, _, _ := admin.do("POST", "/api/users", newUser, "Origin: https://evil.example", "Sec-Fetch-Site: cross-site"); code != http.StatusForbidden {
		t.Errorf("cross-origin create: %d, want 403", code)
	}
	code, out, _ := admin.do("POST", "/api/users", newUser)
	if code != http.StatusCreated || out["user"].(map[string]any)["name"] != "bob" {
		t.Fatalf("create user: %d %v", code, out)
	}
	bobID := int(out["user"].(map[string]any)["id"].(float64))
	if code, _, _ := admin.do("POST", "/api/messages", "x"); code != 200 || f.changes.Load() != 1 {
		t.Errorf("API POST with the token: %d, %d changes", code, f.changes.Load())
	}

	// Staff may not administer.
	staff.signIn("/auth/login", "bob", "bob password")
	for _, r := range [][2]string{{"GET", "/api/users"}, {"GET", "/api/audit"}, {"POST", "/api/users"},
		{"PATCH", fmt.Sprintf("/api/users/%d", bobID)}, {"POST", fmt.Sprintf("/api/users/%d/password", bobID)}} {
		if code, _, _ := staff.do(r[0], r[1], map[string]any{"admin": true, "name": "x", "password": "long enough"}); code != http.StatusForbidden {
			t.Errorf("staff %s %s: %d, want 403", r[0], r[1], code)
		}
	}
	if u, _ := f.users.Get(context.Background(), int64(bobID)); u.Admin {
		t.Error("staff made themselves administrator")
	}
	if code, _, _ := staff.do("POST", "/api/me/password", map[string]string{"old": "wrong", "new": "new bob password"}); code != http.StatusForbidden {
		t.Errorf("own password change with a wrong old one: %d, want 403", code)
	}
	if code, _, _ := staff.do("POST", "/api/me/password", map[string]string{"old": "bob password", "new": "new bob password"}); code != http.StatusNoContent {
		t.Errorf("own password change: %d", code)
	}
	if code, _, _ := staff.do("GET", "/auth/me", nil); code != 200 {
		t.Errorf("the changing session ended: %d", code)
	}

	// Administration: disable bob; his session ends.
	if code, out, _ := admin.do("PATCH", fmt.Sprintf("/api/users/%d", bobID), map[string]any{"disabled": true}); code != 200 || out["user"].(map[string]any)["disabled"] != true {
		t.Errorf("disable: %d %v", code, out)
	}
	if code, _, _ := staff.do("GET", "/api/messages", nil); code != http.StatusUnauthorized {
		t.Errorf("disabled user's session: %d, want 401", code)
	}
	if code, _, _ := admin.do("PATCH", fmt.Sprintf("/api/users/%d", adminID), map[string]any{"admin": false}); code != http.StatusConflict {
		t.Errorf("demote the last administrator: %d, want 409", code)
	}
	if code, _, _ := admin.do("PATCH", "/api/users/999", map[string]any{"admin": false}); code != http.StatusNotFound {
		t.Errorf("update no one: %d, want 404", code)
	}

	// Scripts with the API token need no CSRF token and act as their user.
	script := f.client()
	code, out, _ = script.do("POST", "/api/users", map[string]any{"name": "carol", "password": "carol password"}, "Authorization: Bearer "+secToken)
	if code != http.StatusCreated {
		t.Errorf("create with the API token: %d %v", code, out)
	}
	if code, _, _ := script.do("GET", "/api/users", nil, "Authorization: Bearer wrong"); code != http.StatusUnauthorized {
		t.Errorf("wrong API token: %d", code)
	}

	code, out, _ = admin.do("GET", "/api/audit?limit=2", nil)
	es, _ := out["entries"].([]any)
	if code != 200 || len(es) != 2 || es[0].(map[string]any)["actor"] != "api" || es[1].(map[string]any)["action"] != "user.update" {
		t.Errorf("audit: %d %v", code, out)
	}
	if code, _, _ := admin.do("GET", "/api/audit?limit=-1", nil); code != http.StatusBadRequest {
		t.Errorf("audit with a bad limit: %d", code)
	}
}

func TestLoginThrottleAndSecrets(t *testing.T) {
	f := newSecFixture(t)
	admin := f.client()
	admin.signIn("/auth/setup", "admin", "first secret pw")
	b := f.clientFrom("127.0.0.2")
	if code, out, _ := b.do("POST", "/auth/login", map[string]string{"name": "admin", "password": "guess secret 0"}); code != http.StatusUnauthorized || out["error"] == "" {
		t.Fatalf("wrong password: %d %v", code, out)
	}
	var code int
	var resp *http.Response
	var out map[string]any
	for i := 1; i < 10 && code != http.StatusTooManyRequests; i++ {
		code, out, resp = b.do("POST", "/auth/login", map[string]string{"name": "admin", "password": fmt.Sprintf("guess secret %d", i)})
	}
	if code != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || out["retry_after"] == nil {
		t.Fatalf("repeated wrong passwords: %d %v, Retry-After %q; want 429", code, out, resp.Header.Get("Retry-After"))
	}
	// The right password is refused too while throttled.
	if code, _, _ := b.do("POST", "/auth/login", map[string]string{"name": "admin", "password": "first secret pw"}); code != http.StatusTooManyRequests {
		t.Errorf("right password while throttled: %d", code)
	}
	_, dan, _ := admin.do("POST", "/api/users", map[string]any{"name": "dan", "password": "dan secret pw"})
	danID := int(dan["user"].(map[string]any)["id"].(float64))
	for _, r := range []struct {
		path string
		body map[string]any
	}{
		{fmt.Sprintf("/api/users/%d/password", danID), map[string]any{"password": "dan other secret"}},
		{"/api/me/password", map[string]any{"old": "first secret pw", "new": "second secret pw"}},
	} {
		if code, out, _ := admin.do("POST", r.path, r.body); code != http.StatusNoContent {
			t.Errorf("POST %s: %d %v", r.path, code, out)
		}
	}

	_, audit, _ := admin.do("GET", "/api/audit", nil)
	raw, _ := json.Marshal(audit)
	if es, _ := audit["entries"].([]any); len(es) != 4 {
		t.Errorf("audit: %s, want 4 entries", raw)
	}
	for _, pw := range []string{"first secret pw", "guess secret", "dan secret pw", "dan other secret", "second secret pw"} {
		if strings.Contains(f.log.String(), pw) || strings.Contains(string(raw), pw) {
			t.Errorf("password %q in the log or the audit log", pw)
		}
	}
	if !strings.Contains(f.log.String(), "failed login") {
		t.Errorf("failed logins are not logged:\n%s", f.log.String())
	}
}

func TestMustChangePassword(t *testing.T) {
	f := newSecFixture(t)
	f.client().signIn("/auth/setup", "admin", "admin password")
	pw, err := f.users.ResetAdminPassword(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b := f.client()
	if u := b.signIn("/auth/login", "admin", pw); u["must_change_password"] != true {
		t.Errorf("user after reset: %v", u)
	}
	for _, path := range []string{"/api/messages", "/metrics"} {
		if code, _, _ := b.do("GET", path, nil); code != http.StatusForbidden {
			t.Errorf("GET %s before changing the password: %d, want 403", path, code)
		}
	}
	if code, _, _ := b.do("POST", "/api/me/password", map[string]string{"old": pw, "new": "a chosen password"}); code != http.StatusNoContent {
		t.Errorf("change: %d", code)
	}
	for _, path := range []string{"/api/messages", "/metrics"} {
		if code, _, _ := b.do("GET", path, nil); code != 200 {
			t.Errorf("GET %s after changing the password: %d", path, code)
		}
	}
}

func TestPagesAndLimits(t *testing.T) {
	f := newSecFixture(t)
	b := f.client()
	code, _, resp := b.do("GET", "/", nil)
	if code != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %q", code, resp.Header.Get("Content-Type"))
	}
	for h, want := range map[string]string{
		"Content-Security-Policy": "frame-ancestors 'none'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
	} {
		if !strings.Contains(resp.Header.Get(h), want) {
			t.Errorf("%s: %q, want %q", h, resp.Header.Get(h), want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP %q allows inline script", csp)
	}
	if _, _, resp := b.do("GET", "/api/messages", nil); resp.StatusCode != http.StatusUnauthorized ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("API answer without a session: %d, headers %v", resp.StatusCode, resp.Header)
	}
	if code, _, resp := b.do("GET", "/app.js", nil); code != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("GET /app.js: %d %q", code, resp.Header.Get("Content-Type"))
	}
	if code, _, resp := b.do("GET", "/style.css", nil); code != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Errorf("GET /style.css: %d %q", code, resp.Header.Get("Content-Type"))
	}
	for _, p := range []string{"/nothing.html", "/index.html/", "/web/index.html", "/img/", "/.keep"} {
		if code, _, _ := b.do("GET", p, nil); code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, code)
		}
	}
	if code, _, _ := b.do("POST", "/", "x"); code != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d, want 405", code)
	}

	// Path tricks, sent as raw request lines so that no client cleans them.
	conf := &tls.Config{InsecureSkipVerify: true}
	for _, p := range []string{"/../ui/server.go", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc/passwd", "//etc/passwd",
		"/app.js/../../server.go", "/..\\server.go", "/%5c..%5cserver.go", "/./index.html", "/api/../auth/me", "/%00"} {
		conn, err := tls.Dial("tcp", f.ts.Listener.Addr().String(), conf)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: faxbox\r\nConnection: close\r\n\r\n", p)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		conn.Close()
		if err != nil {
			t.Errorf("GET %s: %v", p, err)
			continue
		}
		if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 400 or 404", p, resp.StatusCode)
		}
	}

	// Oversized bodies are refused before they reach a handler.
	big := strings.Repeat("x", 2<<20)
	if code, _, _ := b.do("POST", "/api/messages", big, "Authorization: Bearer "+secToken); code != http.StatusRequestEntityTooLarge || f.changes.Load() != 0 {
		t.Errorf("2 MiB to the API: %d, %d changes; want 413, 0", code, f.changes.Load())
	}
	// A whole backup may be larger than any message.
	if code, _, _ := b.do("POST", "/api/admin/restore", big, "Authorization: Bearer "+secToken); code != http.StatusOK || f.changes.Load() != 1 {
		t.Errorf("2 MiB backup to /api/admin/restore: %d, %d changes; want it through to the API", code, f.changes.Load())
	}
	login := `{"name":"admin","password":"` + strings.Repeat("p", 100<<10) + `"}`
	if code, _, _ := b.do("POST", "/auth/login", login); code != http.StatusRequestEntityTooLarge {
		t.Errorf("100 KiB login: %d, want 413", code)
	}
	if code, _, _ := b.do("POST", "/auth/setup", "{not json"); code != http.StatusBadRequest || f.userCount() != 0 {
		t.Errorf("bad JSON setup: %d", code)
	}
}

func decode(t *testing.T, resp *http.Response, v any) {
	t.Helper()
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("%s: %v", resp.Request.URL, err)
	}
}

// TestSetupCode: the first-run setup over HTTPS needs the setup code of
// DATA/setup-code; wrong codes are throttled, for the right one too; of
// two setups with the code at once one wins; then the code is gone.
func TestSetupCode(t *testing.T) {
	f := newSecFixture(t)
	code := f.srv.SetupCode()
	if b, err := os.ReadFile(filepath.Join(f.dir, setupcode.File)); err != nil || strings.TrimSpace(string(b)) != code || code == "" {
		t.Fatalf("the setup code file: %q %v, want %q", b, err, code)
	}
	anon := f.client()
	body := func(code string) map[string]any {
		return map[string]any{"name": "mallory", "password": "mallory password", "setup_code": code}
	}
	if status, out, _ := anon.do("POST", "/auth/setup", map[string]any{"name": "mallory", "password": "mallory password"}); status != http.StatusForbidden || f.userCount() != 0 {
		t.Errorf("setup without a code: %d %v, want 403 and no account", status, out)
	}
	for i := range 5 {
		if status, out, _ := anon.do("POST", "/auth/setup", body(fmt.Sprintf("AAAA-AAAA-AAA%d", i))); status != http.StatusForbidden {
			t.Errorf("wrong code %d: %d %v, want 403", i, status, out)
		}
	}
	anon.do("POST", "/auth/setup", body("AAAA-AAAA-AAAA"))
	status, out, resp := anon.do("POST", "/auth/setup", body(code))
	if status != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || f.userCount() != 0 {
		t.Errorf("the right code after 6 wrong ones: %d %v, want 429 with Retry-After", status, out)
	}
	if !strings.Contains(f.log.String(), "wrong setup code") {
		t.Errorf("wrong setup codes are not logged:\n%s", f.log.String())
	}
}

// TestSetupCodeOnce: of two setups with the right code at once, one
// creates the administrator; the code file is removed and a restart makes
// no new code.
func TestSetupCodeOnce(t *testing.T) {
	f := newSecFixture(t)
	code := f.srv.SetupCode()
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i := range statuses {
		wg.Go(func() {
			req, _ := http.NewRequest("POST", f.ts.URL+"/auth/setup", strings.NewReader(
				fmt.Sprintf(`{"name": "admin%d", "password": "admin password", "setup_code": %q}`, i, code)))
			resp, err := f.ts.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		})
	}
	wg.Wait()
	if n := f.userCount(); n != 1 || statuses[0]+statuses[1] != http.StatusCreated+http.StatusConflict {
		t.Errorf("two setups at once: %v, %d accounts; want one 201 and one 409", statuses, n)
	}
	if f.srv.SetupCode() != "" {
		t.Errorf("the code after setup: %q", f.srv.SetupCode())
	}
	if _, err := os.Stat(filepath.Join(f.dir, setupcode.File)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the code file after setup: %v", err)
	}
	// A restart with an administrator makes no code, and removes a file
	// left behind.
	os.WriteFile(filepath.Join(f.dir, setupcode.File), []byte(code+"\n"), 0o600)
	again, err := ui.New(ui.Config{Users: f.users, Auth: &ui.SessionAuth{Users: f.users}, API: http.NotFoundHandler(), DataDir: f.dir})
	if err != nil {
		t.Fatal(err)
	}
	if again.SetupCode() != "" {
		t.Errorf("a code after a restart with an administrator: %q", again.SetupCode())
	}
	if _, err := os.Stat(filepath.Join(f.dir, setupcode.File)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the code file left behind after a restart: %v", err)
	}
}
