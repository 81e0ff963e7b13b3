package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// keygen runs faxd voucher keygen into dir and returns the key files.
func keygen(t *testing.T, dir, name string) (keyFile, pubFile string) {
	t.Helper()
	prefix := filepath.Join(dir, name)
	code, out, errs := runFaxd("voucher", "keygen", "--out", prefix)
	if code != 0 {
		t.Fatalf("keygen: exit %d: %s", code, errs)
	}
	pub, err := os.ReadFile(prefix + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	if out != string(pub) || !strings.HasPrefix(out, "faxbox-voucher-key-v1 ") {
		t.Fatalf("keygen printed %q, wrote %q", out, pub)
	}
	if st, err := os.Stat(prefix + ".key"); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("private key file: %v %v", st, err)
	}
	return prefix + ".key", prefix + ".pub"
}

// issue runs faxd voucher issue and returns the code.
func issue(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := runFaxd(append([]string{"voucher", "issue"}, args...)...)
	if code != 0 {
		t.Fatalf("issue %v: exit %d: %s", args, code, errs)
	}
	return strings.TrimSpace(out)
}

// balance runs faxd credit and returns its balance line.
func balance(t *testing.T, db string) string {
	t.Helper()
	code, out, errs := runFaxd("credit", "--db", db)
	if code != 0 {
		t.Fatalf("credit: exit %d: %s", code, errs)
	}
	line, _, _ := strings.Cut(out, "\n")
	return strings.Join(strings.Fields(line), " ")
}

// TestVoucherCLI: keygen → issue → redeem raises the balance by the
// amount; the same code again, an altered code, a code from an untrusted
// key, another currency and a retired key are refused with the reason.
func TestVoucherCLI(t *testing.T) {
	dir := t.TempDir()
	key, pub := keygen(t, dir, "reseller")
	otherKey, _ := keygen(t, dir, "other")
	db := filepath.Join(dir, "ledger.db")

	code := issue(t, "--key", key, "--amount", "25.00", "--currency", "EUR")
	if !strings.HasPrefix(code, "FBV1.") || !strings.Contains(code, ".EUR.25.00.") {
		t.Fatalf("voucher code %q", code)
	}
	c, out, errs := runFaxd("voucher", "redeem", "--db", db, "--trust", pub, "--user", "alice", code)
	if c != 0 || !strings.Contains(out, "redeemed 25.00 EUR; balance 25.00 EUR") {
		t.Fatalf("redeem: exit %d: %q %q", c, out, errs)
	}
	if got := balance(t, db); got != "balance 25.00 EUR" {
		t.Fatalf("after redeem: %q", got)
	}
	// Flags after the code, and a second voucher adds up.
	code2 := issue(t, "--key", key, "--amount", "10", "--key-id", strings.Fields(readFile(t, pub))[1])
	if c, out, errs := runFaxd("voucher", "redeem", code2, "--db", db, "--trust", pub); c != 0 || !strings.Contains(out, "balance 35.00 EUR") {
		t.Fatalf("second redeem: exit %d: %q %q", c, out, errs)
	}

	altered := strings.Replace(code, ".25.00.", ".95.00.", 1)
	eurUSD := issue(t, "--key", key, "--amount", "25.00", "--currency", "USD")
	foreign := issue(t, "--key", otherKey, "--amount", "25.00")
	retired := filepath.Join(dir, "retired.pub")
	os.WriteFile(retired, []byte("# rotated\n"+strings.TrimSpace(readFile(t, pub))+" retired=2024-01-31\n"), 0o644)
	fresh := issue(t, "--key", key, "--amount", "5.00")
	for _, tc := range []struct {
		name, code, trust, want string
	}{
		{"replayed", code, pub, "already redeemed"},
		{"altered", altered, pub, "altered or forged"},
		{"forged signature", code[:len(code)-4] + "AAAA", pub, "altered or forged"},
		{"truncated", code[:len(code)-10], pub, "not a Faxbox voucher code"},
		{"wrong key", foreign, pub, "does not trust"},
		{"wrong currency", eurUSD, pub, "this Faxbox counts in EUR"},
		{"retired key", fresh, retired, "was retired on 2024-01-31"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, out, errs := runFaxd("voucher", "redeem", "--db", db, "--trust", tc.trust, tc.code)
			if c != 1 || out != "" || !strings.Contains(errs, "voucher refused: ") || !strings.Contains(errs, tc.want) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want refusal with %q", c, out, errs, tc.want)
			}
		})
	}
	if got := balance(t, db); got != "balance 35.00 EUR" {
		t.Fatalf("after refusals: %q", got)
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestVoucherCLIErrors: bad invocations say what is wrong.
func TestVoucherCLIErrors(t *testing.T) {
	dir := t.TempDir()
	key, pub := keygen(t, dir, "r")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"voucher"}, 1, "usage:"},
		{[]string{"voucher", "mint"}, 1, `unknown subcommand "mint"`},
		{[]string{"voucher", "keygen", "--out", filepath.Join(dir, "r")}, 1, "refusing to overwrite"},
		{[]string{"voucher", "issue", "--key", key}, 1, "usage: faxd voucher issue"},
		{[]string{"voucher", "issue", "--key", key, "--amount", "-5"}, 1, "worth more than nothing"},
		{[]string{"voucher", "issue", "--key", key, "--amount", "1.005"}, 1, "EUR has 2 decimals"},
		{[]string{"voucher", "issue", "--key", key, "--amount", "5", "--currency", "XYZ"}, 1, "not an ISO 4217"},
		{[]string{"voucher", "issue", "--key", key, "--amount", "5", "--key-id", "00000000"}, 1, "not 00000000"},
		{[]string{"voucher", "issue", "--key", pub, "--amount", "5"}, 1, "not a voucher issuer key"},
		{[]string{"voucher", "redeem", "--db", filepath.Join(dir, "l.db"), "CODE"}, 1, "usage: faxd voucher redeem"},
		{[]string{"voucher", "redeem", "--db", filepath.Join(dir, "l.db"), "--trust", key, "CODE"}, 1, "not a voucher public key"},
		{[]string{"credit", "--db", filepath.Join(dir, "none.db")}, 1, "no ledger there"},
	} {
		c, _, errs := runFaxd(tc.args...)
		if c != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, c, errs, tc.code, tc.want)
		}
	}
}

// TestCreditAndPriceCLI: faxd credit shows the account and faxd price the
// country, price per minute and estimate from the tariff in force.
func TestCreditAndPriceCLI(t *testing.T) {
	dir := t.TempDir()
	key, pub := keygen(t, dir, "r")
	db := filepath.Join(dir, "ledger.db")
	if c, _, errs := runFaxd("voucher", "redeem", "--db", db, "--trust", pub, issue(t, "--key", key, "--amount", "12.50")); c != 0 {
		t.Fatal(errs)
	}
	c, out, errs := runFaxd("credit", "--db", db, "--user", "alice")
	if c != 0 {
		t.Fatal(errs)
	}
	for _, want := range []string{"balance           12.50 EUR", "available         12.50 EUR", "open holds        0 (0.00 EUR)", "spent this month  0.00 EUR", "monthly limit     none"} {
		if !strings.Contains(out, want) {
			t.Errorf("credit output lacks %q:\n%s", want, out)
		}
	}
	c, out, errs = runFaxd("price", "--db", db, "--home-country", "BE", "02 555 12 12", "--pages", "3")
	if c != 0 {
		t.Fatal(errs)
	}
	for _, want := range []string{"+32 2 555 12 12", "BE, +32", "price per minute  ", " EUR for 3 page(s)"} {
		if !strings.Contains(out, want) {
			t.Errorf("price output lacks %q:\n%s", want, out)
		}
	}
	if c, _, errs := runFaxd("price", "--db", db, "+32 0 2 555 12 12"); c != 1 || !strings.Contains(errs, "write +32 2 555 12 12") {
		t.Errorf("trunk zero: exit %d, %q", c, errs)
	}
}
