package mailgw_test

import (
	"context"
	"net/netip"
	"path/filepath"
	"testing"

	"faxbox/firmware/mailgw"
	"faxbox/firmware/store"
	"faxbox/firmware/users"
)

// TestUserAccountsDisplayName: a sender found by address or by login
// carries the display name that its cover pages show.
func TestUserAccountsDisplayName(t *testing.T) {
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
	if _, err := us.Setup(ctx, users.NewUser{Name: "anna", DisplayName: "Anna Martens", Email: "anna@office.example",
		Password: "anna password"}); err != nil {
		t.Fatal(err)
	}
	accounts := mailgw.UserAccounts{Users: us}
	a, err := accounts.ByAddress(ctx, "anna@office.example")
	if err != nil || a.Name != "anna" || a.DisplayName != "Anna Martens" {
		t.Errorf("ByAddress = %+v, %v", a, err)
	}
	a, err = accounts.Login(ctx, "anna", "anna password", netip.MustParseAddr("127.0.0.1"))
	if err != nil || a.DisplayName != "Anna Martens" {
		t.Errorf("Login = %+v, %v", a, err)
	}
}
