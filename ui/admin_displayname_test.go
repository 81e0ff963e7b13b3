package ui_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestAdminSetsDisplayName: an administrator changes another user's
// display name with PATCH /api/users/{id}, checked as the user's own is
// (no surrounding spaces, printable, up to 100 characters; "" goes back
// to the login name), and the change is in the audit log under the
// administrator's name; staff cannot change a colleague's.
func TestAdminSetsDisplayName(t *testing.T) {
	f := newSecFixture(t)
	admin := f.client()
	admin.signIn("/auth/setup", "admin", "admin password")
	code, out, _ := admin.do("POST", "/api/users", map[string]any{"name": "bob", "display_name": "Bob", "password": "bob password"})
	if code != http.StatusCreated {
		t.Fatalf("create bob: %d %v", code, out)
	}
	path := fmt.Sprintf("/api/users/%v", out["user"].(map[string]any)["id"])
	shown := func() any {
		t.Helper()
		_, out, _ := admin.do("GET", path, nil)
		return out["user"].(map[string]any)["display_name"]
	}

	code, out, _ = admin.do("PATCH", path, map[string]any{"display_name": "Bob Peeters"})
	if code != http.StatusOK || out["user"].(map[string]any)["display_name"] != "Bob Peeters" || shown() != "Bob Peeters" {
		t.Fatalf("PATCH display_name: %d %v", code, out)
	}
	for _, bad := range []string{" Bob ", "Bob\u0007", strings.Repeat("b", 101)} {
		if code, out, _ := admin.do("PATCH", path, map[string]any{"display_name": bad}); code != http.StatusBadRequest || out["error"] == nil {
			t.Errorf("display name %q: %d %v, want 400 with the reason", bad, code, out)
		}
	}
	if got := shown(); got != "Bob Peeters" {
		t.Errorf("after the refusals: %v", got)
	}
	_, out, _ = admin.do("GET", "/api/audit?limit=1", nil)
	es, _ := out["entries"].([]any)
	if len(es) != 1 {
		t.Fatalf("audit: %v", out)
	}
	if e := es[0].(map[string]any); e["actor"] != "admin" || e["action"] != "user.update" ||
		!strings.Contains(e["detail"].(string), `display name "Bob" → "Bob Peeters"`) {
		t.Errorf("audit entry %v", e)
	}

	// Staff cannot rename a colleague, nor themselves this way.
	staff := f.client()
	staff.signIn("/auth/login", "bob", "bob password")
	if code, _, _ := staff.do("PATCH", path, map[string]any{"display_name": "Boss"}); code != http.StatusForbidden {
		t.Errorf("staff renaming through the administration: %d, want 403", code)
	}
	if code, out, _ := admin.do("PATCH", path, map[string]any{"display_name": ""}); code != http.StatusOK || out["user"].(map[string]any)["display_name"] != "" {
		t.Errorf("clearing the display name: %d %v", code, out)
	}
}
