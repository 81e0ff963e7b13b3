package users

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/crypto/bcrypt"

	"faxbox/firmware/store"
)

// cheap are argon2id parameters that keep the tests fast; TestHash uses
// the defaults.
var cheap = HashParams{Memory: 64, Time: 1, Threads: 1}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type fixture struct {
	users    *Store
	accounts *store.Store
	clock    *clock
	log      *bytes.Buffer
}

// open opens a store and the users' tables in a new database; the users
// run on a settable clock.
func open(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "faxbox.db")
	st, err := store.Open(ctx, store.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := fixture{accounts: st, clock: &clock{t: time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)}, log: &bytes.Buffer{}}
	var mu sync.Mutex
	f.users, err = Open(ctx, Config{Path: path, Accounts: st, Hash: cheap, Now: f.clock.Now,
		Logger: slog.New(slog.NewTextHandler(lockedWriter{&mu, f.log}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.users.Close() })
	return f
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func mustSetup(t *testing.T, f fixture, name, pw string) User {
	t.Helper()
	u, err := f.users.Setup(context.Background(), NewUser{Name: name, Email: name + "@example.com", Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestHash(t *testing.T) {
	def := HashParams{Memory: DefaultHashMemory, Time: DefaultHashTime, Threads: DefaultHashThreads}
	start := time.Now()
	h := hashPassword("correct horse", def)
	t.Logf("argon2id m=%d KiB t=%d p=%d: %v per hash", def.Memory, def.Time, def.Threads, time.Since(start))
	if !regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`).MatchString(h) {
		t.Fatalf("hash %q is not a PHC argon2id string", h)
	}
	if h2 := hashPassword("correct horse", def); h2 == h {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	for _, tc := range []struct {
		pw, params string
		ok, rehash bool
	}{
		{"correct horse", "default", true, false},
		{"correct horsE", "default", false, false},
		{"", "default", false, false},
		{"correct horse", "cheap", true, true},
	} {
		p := def
		if tc.params == "cheap" {
			p = cheap
		}
		ok, rehash, err := verifyPassword(h, tc.pw, p)
		if err != nil || ok != tc.ok || rehash != tc.rehash {
			t.Errorf("verify %q with %s parameters: %v, %v, %v; want %v, %v", tc.pw, tc.params, ok, rehash, err, tc.ok, tc.rehash)
		}
	}

	// bcrypt hashes, as "$2b$" from other systems, are verified and
	// marked for replacement.
	b, err := bcrypt.GenerateFromPassword([]byte("old system"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	b2b := "$2b$" + strings.TrimPrefix(string(b), "$2a$")
	if ok, rehash, err := verifyPassword(b2b, "old system", def); !ok || !rehash || err != nil {
		t.Errorf("bcrypt $2b$ right password: %v, %v, %v", ok, rehash, err)
	}
	if ok, _, err := verifyPassword(b2b, "old systen", def); ok || err != nil {
		t.Errorf("bcrypt wrong password: %v, %v", ok, err)
	}

	// Malformed or hostile hashes are errors, never matches.
	for _, bad := range []string{
		"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=16$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=0,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$",
		"$2b$04$short",
	} {
		if ok, _, err := verifyPassword(bad, "x", def); ok || err == nil {
			t.Errorf("hash %q: ok %v, err %v; want an error", bad, ok, err)
		}
	}
}

func BenchmarkHashDefault(b *testing.B) {
	p := HashParams{Memory: DefaultHashMemory, Time: DefaultHashTime, Threads: DefaultHashThreads}
	for b.Loop() {
		hashPassword("correct horse battery staple", p)
	}
}

// TestSetupRace: of two concurrent first-run setups, exactly one creates
// the administrator; afterwards setup is closed.
func TestSetupRace(t *testing.T) {
	f := open(t)
	ctx := context.Background()
	if need, err := f.users.SetupNeeded(ctx); err != nil || !need {
		t.Fatalf("SetupNeeded on a new database = %v, %v", need, err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, name := range []string{"alice", "mallory"} {
		wg.Go(func() {
			_, errs[i] = f.users.Setup(ctx, NewUser{Name: name, Password: "password " + name})
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, ErrSetupDone):
			t.Errorf("setup: %v, want nil or ErrSetupDone", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d setups succeeded, want exactly 1 (%v)", ok, errs)
	}
	list, err := f.users.List(ctx)
	if err != nil || len(list) != 1 || !list[0].Admin {
		t.Fatalf("accounts after the race: %+v, %v; want one administrator", list, err)
	}
	if need, _ := f.users.SetupNeeded(ctx); need {
		t.Error("SetupNeeded after setup")
	}
	if _, err := f.users.Setup(ctx, NewUser{Name: "eve", Password: "password eve"}); !errors.Is(err, ErrSetupDone) {
		t.Errorf("a later setup: %v, want ErrSetupDone", err)
	}
	// The administrator is a store user of the same id.
	su, err := f.accounts.UserByName(ctx, list[0].Name)
	if err != nil || su.ID != list[0].ID {
		t.Errorf("store user %+v, %v; account id %d", su, err, list[0].ID)
	}
}

func TestCreateValidation(t *testing.T) {
	f := open(t)
	ctx := context.Background()
	mustSetup(t, f, "admin", "admin password")
	for _, nu := range []NewUser{
		{Name: "", Password: "long enough"},
		{Name: "has space", Password: "long enough"},
		{Name: "../etc", Password: "long enough"},
		{Name: strings.Repeat("a", MaxName+1), Password: "long enough"},
		{Name: "bob", Email: "Bob <bob@example.com>", Password: "long enough"},
		{Name: "bob", Email: "not an address", Password: "long enough"},
		{Name: "bob", Password: "short"},
		{Name: "bob", Password: strings.Repeat("x", MaxPassword+1)},
		// Reserved: the API token's users, system names, and the
		// administrators' names for staff.
		{Name: "api", Password: "long enough"},
		{Name: "Demo", Password: "long enough", Admin: true},
		{Name: "POSTMASTER", Password: "long enough"},
		{Name: "root", Password: "long enough", Admin: true},
		{Name: "Administrator", Password: "long enough"},
	} {
		if _, err := f.users.Create(ctx, "admin", nu); !errors.Is(err, ErrInvalid) {
			t.Errorf("create %q %q %d-byte password: %v, want ErrInvalid", nu.Name, nu.Email, len(nu.Password), err)
		}
	}
	if _, err := f.users.Create(ctx, "admin", NewUser{Name: "ADMIN", Password: "long enough", Admin: true}); !errors.Is(err, ErrExists) {
		t.Errorf("create ADMIN beside admin: %v, want ErrExists", err)
	}
	// A store user without an account (left by a crash) is taken over.
	api, err := f.accounts.CreateUser(ctx, "scripts")
	if err != nil {
		t.Fatal(err)
	}
	u, err := f.users.Create(ctx, "admin", NewUser{Name: "scripts", Password: "long enough"})
	if err != nil || u.ID != api.ID {
		t.Errorf("account for existing store user: %+v, %v; want id %d", u, err, api.ID)
	}
	if list, _ := f.users.List(ctx); len(list) != 2 {
		t.Errorf("%d accounts, want 2 (failed creations must leave none)", len(list))
	}
}

func TestLoginAndSessions(t *testing.T) {
	f := open(t)
	ctx := context.Background()
	admin := mustSetup(t, f, "admin", "admin password")
	bob, err := f.users.Create(ctx, "admin", NewUser{Name: "bob", Email: "bob@example.com", Password: "bob password"})
	if err != nil {
		t.Fatal(err)
	}
	if addr, err := f.users.Address(ctx, bob.ID); addr != "bob@example.com" || err != nil {
		t.Errorf("Address = %q, %v", addr, err)
	}
	if _, err := f.users.Address(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("Address of no one: %v, want ErrNotFound", err)
	}

	for _, c := range [][2]string{{"bob", "wrong password"}, {"nobody", "bob password"}} {
		if _, err := f.users.Login(ctx, c[0], c[1], "10.0.0.2"); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("login %s/%s: %v, want ErrBadCredentials", c[0], c[1], err)
		}
	}
	sess, err := f.users.Login(ctx, "Bob", "bob password", "10.0.0.2")
	if err != nil {
		t.Fatal(err)
	}
	if len(sess.Token) != 43 || len(sess.CSRF) != 43 || sess.User.ID != bob.ID || sess.User.Admin {
		t.Fatalf("session %+v", sess)
	}
	got, err := f.users.Session(ctx, sess.Token)
	if err != nil || got.User.ID != bob.ID || got.CSRF != sess.CSRF {
		t.Fatalf("Session = %+v, %v", got, err)
	}
	if !got.CheckCSRF(sess.CSRF) || got.CheckCSRF("") || got.CheckCSRF(sess.Token) {
		t.Error("CheckCSRF accepts the wrong token or refuses the right one")
	}
	for _, bad := range []string{"", "x", strings.Repeat("A", 43), sess.Token[:42] + "B"} {
		if _, err := f.users.Session(ctx, bad); !errors.Is(err, ErrNoSession) {
			t.Errorf("Session(%q): %v, want ErrNoSession", bad, err)
		}
	}

	// Idle expiry: used within 12 h it lives on; 12 h unused, it ends.
	f.clock.advance(11 * time.Hour)
	if _, err := f.users.Session(ctx, sess.Token); err != nil {
		t.Fatalf("after 11 h: %v", err)
	}
	f.clock.advance(12 * time.Hour)
	if _, err := f.users.Session(ctx, sess.Token); !errors.Is(err, ErrNoSession) {
		t.Fatalf("after 12 h idle: %v, want ErrNoSession", err)
	}

	// Absolute expiry: used every 6 h, it still ends after 7 days.
	sess, err = f.users.Login(ctx, "bob", "bob password", "10.0.0.2")
	if err != nil {
		t.Fatal(err)
	}
	for range 7*4 - 1 {
		f.clock.advance(6 * time.Hour)
		if _, err := f.users.Session(ctx, sess.Token); err != nil {
			t.Fatalf("at %v: %v", f.clock.Now(), err)
		}
	}
	f.clock.advance(6 * time.Hour)
	if _, err := f.users.Session(ctx, sess.Token); !errors.Is(err, ErrNoSession) {
		t.Fatalf("after 7 days: %v, want ErrNoSession", err)
	}

	// Logout ends the session.
	sess, _ = f.users.Login(ctx, "bob", "bob password", "10.0.0.2")
	if err := f.users.Logout(ctx, sess.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := f.users.Session(ctx, sess.Token); !errors.Is(err, ErrNoSession) {
		t.Errorf("after logout: %v", err)
	}

	// A password change keeps the session it is made in and ends the others.
	s1, _ := f.users.Login(ctx, "bob", "bob password", "10.0.0.2")
	s2, _ := f.users.Login(ctx, "bob", "bob password", "10.0.0.3")
	if err := f.users.ChangePassword(ctx, bob.ID, "not it", "new bob password", s1.Token, "192.0.2.1"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("change with a wrong old password: %v", err)
	}
	if err := f.users.ChangePassword(ctx, bob.ID, "bob password", "new bob password", s1.Token, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.users.Session(ctx, s1.Token); err != nil {
		t.Errorf("the changing session ended: %v", err)
	}
	if _, err := f.users.Session(ctx, s2.Token); !errors.Is(err, ErrNoSession) {
		t.Errorf("the other session survived the change: %v", err)
	}
	if _, err := f.users.Login(ctx, "bob", "bob password", "10.0.0.2"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("old password after the change: %v", err)
	}

	// An administrator sets the password: every session ends.
	if err := f.users.SetPassword(ctx, admin.Name, bob.ID, "third bob password"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.users.Session(ctx, s1.Token); !errors.Is(err, ErrNoSession) {
		t.Errorf("session after the administrator set the password: %v", err)
	}

	// Disabling ends the sessions and refuses logins.
	s3, err := f.users.Login(ctx, "bob", "third bob password", "10.0.0.2")
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	if _, err := f.users.Update(ctx, admin.Name, bob.ID, Change{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.users.Session(ctx, s3.Token); !errors.Is(err, ErrNoSession) {
		t.Errorf("session of a disabled account: %v", err)
	}
	if _, err := f.users.Login(ctx, "bob", "third bob password", "10.0.0.2"); !errors.Is(err, ErrDisabled) {
		t.Errorf("login to a disabled account: %v", err)
	}
}

func TestRehashOnLogin(t *testing.T) {
	f := open(t)
	ctx := context.Background()
	u := mustSetup(t, f, "admin", "admin password")
	b, _ := bcrypt.GenerateFromPassword([]byte("imported pw"), bcrypt.MinCost)
	if _, err := f.users.db.Exec(`UPDATE users_accounts SET password = ? WHERE id = ?`, string(b), u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.users.Login(ctx, "admin", "imported pw", "::1"); err != nil {
		t.Fatalf("login with a bcrypt hash: %v", err)
	}
	_, stored, err := f.users.credentials(ctx, "id", u.ID)
	if err != nil || !strings.HasPrefix(stored, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("hash after login %q, %v; want argon2id", stored, err)
	}
	if _, err := f.users.Login(ctx, "admin", "imported pw", "::1"); err != nil {
		t.Errorf("login after the rehash: %v", err)
	}
}

func TestLastAdminAndReset(t *testing.T) {
	f := open(t)
	ctx := context.Background()
	if _, err := f.users.ResetAdminPassword(ctx); !errors.Is(err, ErrSetupNeeded) {
		t.Errorf("reset before setup: %v, want ErrSetupNeeded", err)
	}
	admin := mustSetup(t, f, "admin", "admin password")
	no, yes := false, true
	for _, c := range []Change{{Admin: &no}, {Disabled: &yes}} {
		if _, err := f.users.Update(ctx, "admin", admin.ID, c); !errors.Is(err, ErrLastAdmin) {
			t.Errorf("demote or disable the only administrator: %v, want ErrLastAdmin", err)
		}
	}
	old, _ := f.users.Login(ctx, "admin", "admin password", "::1")
	pw, err := f.users.ResetAdminPassword(ctx)
	if err != nil || len(pw) < 20 {
		t.Fatalf("reset: %q, %v", pw, err)
	}
	if _, err := f.users.Session(ctx, old.Token); !errors.Is(err, ErrNoSession) {
		t.Errorf("session after the reset: %v", err)
	}
	if _, err := f.users.Login(ctx, "admin", "admin password", "::1"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("old password after reset: %v", err)
	}
	s, err := f.users.Login(ctx, "admin", pw, "::1")
	if err != nil || !s.User.MustChange {
		t.Fatalf("login with the one-time password: %+v, %v; want MustChange", s.User, err)
	}
	if err := f.users.ChangePassword(ctx, admin.ID, pw, "chosen password", s.Token, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if s, err := f.users.Session(ctx, s.Token); err != nil || s.User.MustChange {
		t.Errorf("after the change: %+v, %v; want MustChange false", s.User, err)
	}
}

// TestThrottle runs the throttle on the bubble's fake clock.
func TestThrottle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		th := newThrottle(defaultThrottles())
		wait := func(name, addr string) time.Duration {
			var te *ThrottleError
			if err := th.check(name, addr, time.Now()); errors.As(err, &te) {
				return te.RetryAfter
			} else if err != nil {
				t.Fatal(err)
			}
			return 0
		}
		for range 3 {
			th.fail("bob", "10.0.0.9", time.Now())
		}
		if w := wait("bob", "10.0.0.9"); w != 0 {
			t.Fatalf("3 free failures cost %v", w)
		}
		// The delay doubles with each failure, up to the lockout, for the
		// name at that address only: bob elsewhere is not held back.
		for i, want := range []time.Duration{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900} {
			th.fail("bob", "10.0.0.9", time.Now())
			want *= time.Second
			if w := wait("bob", "10.0.0.9"); w != want {
				t.Fatalf("after failure %d: wait %v, want %v", 4+i, w, want)
			}
			if w := wait("bob", "10.0.1.1"); w != 0 {
				t.Fatalf("after failure %d at 10.0.0.9: bob at 10.0.1.1 waits %v", 4+i, w)
			}
			if i == 0 {
				time.Sleep(time.Second)
				if w := wait("bob", "10.0.0.9"); w != 0 {
					t.Fatalf("after waiting the delay: still %v", w)
				}
			}
		}
		if w := wait("alice", "10.0.1.1"); w != 0 {
			t.Errorf("another name, another address waits %v", w)
		}
		// An hour without failures forgives.
		time.Sleep(time.Hour)
		th.fail("bob", "10.0.2.1", time.Now())
		if w := wait("bob", "10.0.2.1"); w != 0 {
			t.Errorf("first failure after an hour costs %v", w)
		}

		// An address trying many names is slowed down after 10 failures,
		// and a success for one name does not reset it.
		for i := range 11 {
			th.fail("user"+string(rune('a'+i)), "10.0.3.1", time.Now())
		}
		th.succeed("usera", "10.0.3.1")
		if w := wait("zed", "10.0.3.1"); w != time.Second {
			t.Errorf("address after 11 failures waits %v, want 1s", w)
		}

		// An IPv6 client counts as its /64: changing the interface
		// identifier does not start afresh.
		for i := range 11 {
			th.fail("user"+string(rune('a'+i)), fmt.Sprintf("2001:db8:1:2::%x", i+1), time.Now())
		}
		if w := wait("zed", "2001:db8:1:2:ffff::9"); w != time.Second {
			t.Errorf("another address of the /64 after 11 failures waits %v, want 1s", w)
		}
		if w := wait("zed", "2001:db8:1:3::1"); w != 0 {
			t.Errorf("another /64 waits %v", w)
		}
	})
}

// TestLoginThrottled: concurrent wrong logins are heard only until the
// throttle closes, after which even the right password is refused with
// the time to wait, from that address only.
func TestLoginThrottled(t *testing.T) {
	f := open(t)
	ctx := context.Background()
	mustSetup(t, f, "admin", "admin password")
	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, errs[i] = f.users.Login(ctx, "admin", "guess", "10.0.0.66") })
	}
	wg.Wait()
	heard := 0
	for _, err := range errs {
		switch {
		case errors.Is(err, ErrBadCredentials):
			heard++
		case !errors.Is(err, ErrThrottled):
			t.Errorf("login: %v", err)
		}
	}
	// With the slot held, a guess is checked, heard and counted: once the
	// free failures are used, at most maxHashing-1 more are heard.
	policy, _ := defaultThrottles()
	if free := policy.Free; heard < free+1 || heard > free+maxHashing {
		t.Errorf("%d of %d concurrent guesses were heard, want %d to %d", heard, n, free+1, free+maxHashing)
	}
	_, err := f.users.Login(ctx, "admin", "admin password", "10.0.0.66")
	var te *ThrottleError
	if !errors.As(err, &te) || te.RetryAfter <= 0 {
		t.Fatalf("right password while throttled: %v, want a ThrottleError", err)
	}
	// The guesses came from one machine: the administrator signs in
	// from another at once.
	if _, err := f.users.Login(ctx, "admin", "admin password", "10.0.0.67"); err != nil {
		t.Errorf("from another address: %v", err)
	}
	f.clock.advance(te.RetryAfter)
	if _, err := f.users.Login(ctx, "admin", "admin password", "10.0.0.66"); err != nil {
		t.Errorf("after waiting: %v", err)
	}
}

func TestAuditAndNoPasswords(t *testing.T) {
	f := open(t)
	ctx := context.Background()
	pws := []string{"first admin secret", "bob first secret", "bob second secret", "bob third secret", "wrong guess secret"}
	admin := mustSetup(t, f, "admin", pws[0])
	f.clock.advance(time.Minute)
	bob, err := f.users.Create(ctx, admin.Name, NewUser{Name: "bob", Password: pws[1]})
	if err != nil {
		t.Fatal(err)
	}
	email := "bob@example.com"
	if _, err := f.users.Update(ctx, admin.Name, bob.ID, Change{Email: &email}); err != nil {
		t.Fatal(err)
	}
	if err := f.users.SetPassword(ctx, admin.Name, bob.ID, pws[2]); err != nil {
		t.Fatal(err)
	}
	if err := f.users.ChangePassword(ctx, bob.ID, pws[2], pws[3], "", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	f.users.Login(ctx, "bob", pws[4], "10.0.0.5")
	pws = append(pws, "typed into the name field")
	f.users.Login(ctx, pws[len(pws)-1], "", "10.0.0.5")
	reset, err := f.users.ResetAdminPassword(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pws = append(pws, reset)

	all, err := f.users.Audit(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := [][3]string{
		{"console", "password.reset", `password of user "admin"`},
		{"bob", "me.password", `password of user "bob"`},
		{"admin", "user.password", `password of user "bob"`},
		{"admin", "user.update", `e-mail "" → "bob@example.com"`},
		{"admin", "user.create", `user "bob" (id 2): staff`},
		{"admin", "setup", `user "admin" (id 1): administrator`},
	}
	if len(all) != len(want) {
		t.Fatalf("%d audit entries, want %d: %+v", len(all), len(want), all)
	}
	for i, w := range want {
		e := all[i]
		if e.Actor != w[0] || e.Action != w[1] || !strings.Contains(e.Detail, w[2]) {
			t.Errorf("entry %d = %+v, want %v", i, e, w)
		}
	}
	if !all[len(all)-1].At.Equal(time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("setup entry at %v", all[len(all)-1].At)
	}
	page, err := f.users.Audit(ctx, all[1].ID, 2)
	if err != nil || len(page) != 2 || page[0].ID != all[2].ID || page[1].ID != all[3].ID {
		t.Errorf("Audit(before %d, 2) = %+v, %v", all[1].ID, page, err)
	}
	if _, err := f.users.Audit(ctx, -1, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("negative before: %v", err)
	}
	for _, pw := range pws {
		for _, e := range all {
			if strings.Contains(e.Detail, pw) {
				t.Errorf("audit entry %+v holds a password", e)
			}
		}
		if strings.Contains(f.log.String(), pw) {
			t.Errorf("the log holds password %q", pw)
		}
	}
	if !strings.Contains(f.log.String(), "failed login") {
		t.Errorf("the log does not record the failed login:\n%s", f.log)
	}
}

// TestSessionFromRequest: the session of the cookie, refused without
// one, with an unknown one, and for a state-changing request without the
// session's CSRF token.
func TestSessionFromRequest(t *testing.T) {
	f := open(t)
	admin := mustSetup(t, f, "admin", "admin password")
	sess, err := f.users.Login(context.Background(), "admin", "admin password", "::1")
	if err != nil {
		t.Fatal(err)
	}
	req := func(method, cookie, csrf string) *http.Request {
		r := httptest.NewRequest(method, "https://faxbox/api/messages", nil)
		if cookie != "" {
			r.AddCookie(&http.Cookie{Name: CookieName, Value: cookie})
		}
		if csrf != "" {
			r.Header.Set(CSRFHeader, csrf)
		}
		return r
	}
	for _, tc := range []struct {
		name      string
		r         *http.Request
		wantError error
	}{
		{"no cookie", req("GET", "", ""), ErrNoSession},
		{"unknown cookie", req("GET", strings.Repeat("A", 43), ""), ErrNoSession},
		{"GET", req("GET", sess.Token, ""), nil},
		{"POST without CSRF", req("POST", sess.Token, ""), ErrCSRF},
		{"POST with CSRF", req("POST", sess.Token, sess.CSRF), nil},
	} {
		got, err := f.users.SessionFromRequest(tc.r)
		if tc.wantError != nil {
			if !errors.Is(err, tc.wantError) {
				t.Errorf("%s: %v, want %v", tc.name, err, tc.wantError)
			}
			continue
		}
		if err != nil || got.User.ID != admin.ID {
			t.Errorf("%s: %+v, %v; want admin's session", tc.name, got.User, err)
		}
	}
	c := f.users.Cookie(sess)
	if c.Name != CookieName || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode || c.Path != "/" {
		t.Errorf("cookie %+v", c)
	}
}

// TestByEmailAndVerify: fax by e-mail finds its sender by address (any
// case; not when two accounts share it) and checks SMTP passwords without
// starting a session, throttled like logins.
func TestByEmailAndVerify(t *testing.T) {
	f := open(t)
	ctx := context.Background()
	mustSetup(t, f, "admin", "admin password")
	bob, err := f.users.Create(ctx, "admin", NewUser{Name: "bob", Email: "bob@example.com", Password: "bob's password"})
	if err != nil {
		t.Fatal(err)
	}
	if u, err := f.users.ByEmail(ctx, "Bob@Example.COM"); err != nil || u.ID != bob.ID {
		t.Fatalf("ByEmail: %+v, %v; want bob", u, err)
	}
	for _, addr := range []string{"", "carol@example.com"} {
		if _, err := f.users.ByEmail(ctx, addr); !errors.Is(err, ErrNotFound) {
			t.Errorf("ByEmail(%q): %v, want ErrNotFound", addr, err)
		}
	}
	if _, err := f.users.Create(ctx, "admin", NewUser{Name: "bob2", Email: "BOB@example.com", Password: "long enough"}); err != nil {
		t.Fatal(err)
	}
	if u, err := f.users.ByEmail(ctx, "bob@example.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("an address of two accounts: %+v, %v; want ErrNotFound", u, err)
	}

	countSessions := func() (n int) {
		t.Helper()
		if err := f.users.db.QueryRow("SELECT count(*) FROM users_sessions").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := countSessions()
	if u, err := f.users.Verify(ctx, "bob", "bob's password", "192.0.2.1"); err != nil || u.ID != bob.ID {
		t.Fatalf("Verify: %+v, %v", u, err)
	}
	if _, err := f.users.Verify(ctx, "bob", "wrong", "192.0.2.1"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("Verify with a wrong password: %v", err)
	}
	var throttled bool
	for range 10 {
		if _, err := f.users.Verify(ctx, "bob", "wrong", "192.0.2.1"); errors.Is(err, ErrThrottled) {
			throttled = true
			break
		}
	}
	if !throttled {
		t.Error("repeated wrong SMTP passwords were never throttled")
	}
	if n := countSessions(); n != before {
		t.Errorf("%d sessions after Verify, %d before: Verify must start none", n, before)
	}
}
