package ui_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestReservedNames checks that an administrator cannot create an account
// named as the API token's user ("api" here, "demo" in the demo), which
// would take over the messages sent with the token, or as the system
// ("root", "postmaster", ...), nor a staff account named "admin"; the
// token keeps acting as its own user.
func TestReservedNames(t *testing.T) {
	f := newSecFixture(t)
	admin := f.client()
	admin.signIn("/auth/setup", "admin", "admin password")
	for _, c := range []struct {
		name  string
		admin bool
		says  string
	}{
		{"api", false, "reserved for the system"},
		{"API", true, "reserved for the system"},
		{"demo", false, "reserved for the system"},
		{"root", true, "reserved for the system"},
		{"Postmaster", false, "reserved for the system"},
		{"mailer-daemon", false, "reserved for the system"},
		{"administrator", false, "kept for administrators"},
	} {
		code, out, _ := admin.do("POST", "/api/users", map[string]any{"name": c.name, "password": "long enough pw", "admin": c.admin})
		if msg, _ := out["error"].(string); code != http.StatusBadRequest || !strings.Contains(msg, c.says) {
			t.Errorf("create %q (admin %v): %d %v, want 400 ...%s...", c.name, c.admin, code, out, c.says)
		}
	}
	if n := f.userCount(); n != 1 {
		t.Errorf("%d accounts, want only the administrator", n)
	}
	if code, out, _ := admin.do("POST", "/api/users", map[string]any{"name": "apiary", "password": "long enough pw"}); code != http.StatusCreated {
		t.Errorf("create apiary: %d %v", code, out)
	}
	// The token still acts as its user, which no account has taken over.
	if code, out, _ := f.client().do("GET", "/api/messages", nil, "Authorization: Bearer "+secToken); code != 200 || out["user"] != "api" {
		t.Errorf("token: %d %v", code, out)
	}
	if code, _, _ := f.client().do("POST", "/auth/login", map[string]string{"name": "api", "password": "long enough pw"}); code != http.StatusUnauthorized {
		t.Errorf("login as api: %d, want 401", code)
	}
}
