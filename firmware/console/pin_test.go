package console_test

import (
	"errors"
	"os/exec"
	"strings"
	"testing"

	"faxbox/firmware/console"
)

func TestHashAndVerifyPIN(t *testing.T) {
	h, err := console.HashPIN("482916")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not argon2id in the PHC format", h)
	}
	h2, _ := console.HashPIN("482916")
	if h2 == h {
		t.Error("two hashes of one PIN are equal: no salt")
	}
	for _, tc := range []struct {
		hash, pin string
		ok        bool
	}{
		{h, "482916", true},
		{h, "482917", false},
		{h, "", false},
		{bcryptHash(t, "7777"), "7777", true},
		{bcryptHash(t, "7777"), "77777", false},
	} {
		ok, err := console.VerifyPIN(tc.hash, tc.pin)
		if err != nil || ok != tc.ok {
			t.Errorf("VerifyPIN(%.20s..., %q) = %v, %v; want %v", tc.hash, tc.pin, ok, err, tc.ok)
		}
	}
}

func TestVerifyPINBadHash(t *testing.T) {
	for _, h := range []string{
		"", "2468", "$argon2i$v=19$m=64,t=2,p=1$c29tZXNhbHQ$AAAA",
		"$argon2id$v=18$m=64,t=2,p=1$c29tZXNhbHQ$7i+YhIJJjkEDjOw2uoHBvR5Ps9nxUbJfxiX9CQG0Tno",
		"$argon2id$v=19$m=99999999,t=2,p=1$c29tZXNhbHQ$7i+YhIJJjkEDjOw2uoHBvR5Ps9nxUbJfxiX9CQG0Tno",
		"$argon2id$v=19$m=64,t=0,p=1$c29tZXNhbHQ$7i+YhIJJjkEDjOw2uoHBvR5Ps9nxUbJfxiX9CQG0Tno",
		"$argon2id$v=19$m=64,t=2,p=1$!!$7i+YhIJJjkEDjOw2uoHBvR5Ps9nxUbJfxiX9CQG0Tno",
		"$argon2id$v=19$m=64,t=2,p=1$c29tZXNhbHQ",
		"$2b$04$short",
	} {
		if ok, err := console.VerifyPIN(h, "2468"); ok || !errors.Is(err, console.ErrBadHash) {
			t.Errorf("VerifyPIN(%q) = %v, %v; want ErrBadHash", h, ok, err)
		}
	}
}

func TestHashPINLength(t *testing.T) {
	for _, pin := range []string{"", "123", strings.Repeat("9", console.MaxPINLen+1)} {
		if _, err := console.HashPIN(pin); err == nil {
			t.Errorf("HashPIN of a %d-character PIN: no error", len(pin))
		}
	}
}

// FuzzVerifyPIN checks that no hash makes VerifyPIN panic or accept a
// PIN without a readable hash.
func FuzzVerifyPIN(f *testing.F) {
	f.Add("$argon2id$v=19$m=64,t=2,p=1$c29tZXNhbHQ$7i+YhIJJjkEDjOw2uoHBvR5Ps9nxUbJfxiX9CQG0Tno", "password")
	f.Add("$2b$04$abcdefghijklmnopqrstuu5Pz1y0r6QW8cO8gH1T3p3xYqL2e8T9e", "2468")
	f.Add("$argon2id$v=19$m=8,t=1,p=255$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA", "")
	f.Fuzz(func(t *testing.T, hash, pin string) {
		ok, err := console.VerifyPIN(hash, pin)
		if ok && err != nil {
			t.Errorf("VerifyPIN(%q) = true with error %v", hash, err)
		}
	})
}

// TestVerifyPINFromTools checks hashes made by the reference argon2
// command and Apache's htpasswd (bcrypt "$2y$"), as an installer might
// make them (Debian packages argon2 and apache2-utils).
func TestVerifyPINFromTools(t *testing.T) {
	const pin = "8642"
	tool := func(stdin string, name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v (install it: apt-get install argon2 apache2-utils)", name, err)
		}
		return strings.TrimSpace(string(out))
	}
	argon := tool(pin, "argon2", "faxboxsalt16byte", "-id", "-t", "3", "-k", "4096", "-p", "2", "-e")
	_, bcryptHash, _ := strings.Cut(tool("", "htpasswd", "-nbB", "-C", "4", "installer", pin), ":")
	for _, h := range []string{argon, bcryptHash} {
		if ok, err := console.VerifyPIN(h, pin); !ok || err != nil {
			t.Errorf("VerifyPIN(%q, right PIN) = %v, %v", h, ok, err)
		}
		if ok, err := console.VerifyPIN(h, "8643"); ok || err != nil {
			t.Errorf("VerifyPIN(%q, wrong PIN) = %v, %v", h, ok, err)
		}
	}
}
