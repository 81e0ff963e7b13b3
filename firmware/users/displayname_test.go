package users

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestDisplayName: an account has a display name beside its login name,
// set at creation or changed later, shown by sessions and lists, and
// checked (printable, bounded, no surrounding spaces).
func TestDisplayName(t *testing.T) {
	f := open(t)
	ctx := context.Background()
	mustSetup(t, f, "admin", "admin password")
	bob, err := f.users.Create(ctx, "admin", NewUser{Name: "bob", DisplayName: "Bob Martens", Password: "bob password"})
	if err != nil {
		t.Fatal(err)
	}
	if bob.DisplayName != "Bob Martens" || bob.Shown() != "Bob Martens" {
		t.Errorf("created %+v", bob)
	}
	for _, bad := range []string{" Bob", "Bob\x07", strings.Repeat("é", MaxDisplayName+1)} {
		if _, err := f.users.Update(ctx, "bob", bob.ID, Change{DisplayName: &bad}); !errors.Is(err, ErrInvalid) {
			t.Errorf("display name %q: %v, want ErrInvalid", bad, err)
		}
	}
	name := "Bob O'Neill-Dupré"
	if u, err := f.users.Update(ctx, "bob", bob.ID, Change{DisplayName: &name}); err != nil || u.DisplayName != name {
		t.Fatalf("Update = %+v, %v", u, err)
	}
	sess, err := f.users.Login(ctx, "bob", "bob password", "10.0.0.2")
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.users.Session(ctx, sess.Token)
	if err != nil || got.User.DisplayName != name || got.User.Name != "bob" {
		t.Fatalf("Session user = %+v, %v", got.User, err)
	}
	if u, err := f.users.ByEmail(ctx, "admin@example.com"); err != nil || u.Shown() != "admin" {
		t.Errorf("ByEmail = %+v (shown %q), %v: without a display name the login name shows", u, u.Shown(), err)
	}
	none := ""
	if u, err := f.users.Update(ctx, "bob", bob.ID, Change{DisplayName: &none}); err != nil || u.Shown() != "bob" {
		t.Errorf("cleared: %+v, %v", u, err)
	}
}
