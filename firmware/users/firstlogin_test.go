package users

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestAdministratorSetPasswordsMustChange: an account an administrator
// creates, and a password an administrator sets, must be changed at the
// first login; the first administrator's own password need not be; a
// change by the user clears the flag; an administrator's SetPassword does
// not enable a disabled account (only the console's reset does).
func TestAdministratorSetPasswordsMustChange(t *testing.T) {
	f := open(t)
	ctx := context.Background()
	anna := mustSetup(t, f, "anna", "first password")
	if anna.MustChange {
		t.Error("the first administrator must change the password chosen at setup")
	}
	bert, err := f.users.Create(ctx, "anna", NewUser{Name: "bert", Password: "given by anna", DisplayName: "Bert Janssens"})
	if err != nil {
		t.Fatal(err)
	}
	if !bert.MustChange || bert.DisplayName != "Bert Janssens" {
		t.Errorf("created by an administrator: %+v", bert)
	}
	sess, err := f.users.Login(ctx, "bert", "given by anna", "10.0.0.9")
	if err != nil || !sess.User.MustChange || sess.User.DisplayName != "Bert Janssens" {
		t.Fatalf("bert's login: %+v %v", sess.User, err)
	}
	if err := f.users.ChangePassword(ctx, bert.ID, "given by anna", "bert's own one", sess.Token, "10.0.0.9"); err != nil {
		t.Fatal(err)
	}
	if u, _ := f.users.Get(ctx, bert.ID); u.MustChange {
		t.Error("still must change after changing")
	}
	disabled := true
	if _, err := f.users.Update(ctx, "anna", bert.ID, Change{Disabled: &disabled}); err != nil {
		t.Fatal(err)
	}
	if err := f.users.SetPassword(ctx, "anna", bert.ID, "new from anna"); err != nil {
		t.Fatal(err)
	}
	if u, _ := f.users.Get(ctx, bert.ID); !u.MustChange || !u.Disabled {
		t.Errorf("after an administrator's SetPassword: %+v, want must change and still disabled", u)
	}
}

// TestDisplayNameAtSetup: a display name with spaces and accents is fine
// ("Anna Admin" as a name people read, not a login name); control
// characters and over-long ones are refused.
func TestDisplayNameAtSetup(t *testing.T) {
	f := open(t)
	ctx := context.Background()
	u, err := f.users.Setup(ctx, NewUser{Name: "anna", Password: "first password", DisplayName: " Anna Admin "})
	if err != nil || u.DisplayName != "Anna Admin" {
		t.Fatalf("setup: %+v %v", u, err)
	}
	if list, _ := f.users.List(ctx); len(list) != 1 || list[0].DisplayName != "Anna Admin" {
		t.Errorf("list: %+v", list)
	}
	for _, bad := range []string{"two\nlines", strings.Repeat("x", MaxDisplayName+1)} {
		if _, err := f.users.Create(ctx, "anna", NewUser{Name: "x", Password: "long enough", DisplayName: bad}); !errors.Is(err, ErrInvalid) {
			t.Errorf("display name %q: %v", bad, err)
		}
	}
	if _, err := f.users.Create(ctx, "anna", NewUser{Name: "Anna Admin", Password: "long enough"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a login name with a space: %v", err)
	}
}
