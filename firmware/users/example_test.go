package users_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"faxbox/firmware/store"
	"faxbox/firmware/users"
)

// The first run, a login and the session that the cookie carries.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "users-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "faxbox.db")
	st, err := store.Open(ctx, store.Config{Path: path})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()
	us, err := users.Open(ctx, users.Config{Path: path, Accounts: st})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer us.Close()

	need, _ := us.SetupNeeded(ctx)
	fmt.Println("setup needed:", need)
	if _, err := us.Setup(ctx, users.NewUser{Name: "admin", Email: "office@example.com", Password: "a long passphrase"}); err != nil {
		fmt.Println(err)
		return
	}
	_, err = us.Setup(ctx, users.NewUser{Name: "intruder", Password: "another passphrase"})
	fmt.Println("second setup:", err)

	_, err = us.Login(ctx, "admin", "wrong", "192.0.2.10")
	fmt.Println("wrong password:", err)
	sess, err := us.Login(ctx, "admin", "a long passphrase", "192.0.2.10")
	if err != nil {
		fmt.Println(err)
		return
	}
	again, err := us.Session(ctx, sess.Token)
	fmt.Println("session of", again.User.Name, "administrator:", again.User.Admin, err)
	addr, _ := us.Address(ctx, again.User.ID)
	fmt.Println("notices go to", addr)
	// Output:
	// setup needed: true
	// second setup: users: an administrator exists already
	// wrong password: users: wrong name or password
	// session of admin administrator: true <nil>
	// notices go to office@example.com
}
