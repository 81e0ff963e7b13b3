package setupcode

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestCodeFileAndUse(t *testing.T) {
	dir := t.TempDir()
	c, err := New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	code := c.String()
	if !regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$`).MatchString(code) {
		t.Fatalf("code %q, want XXXX-XXXX-XXXX in Crockford's base 32", code)
	}
	path := filepath.Join(dir, File)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("code file: %v %v, want mode 0600", fi, err)
	}
	if b, _ := os.ReadFile(path); string(b) != code+"\n" {
		t.Errorf("code file holds %q, want %q", b, code+"\n")
	}
	other, err := New("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if other.String() == code {
		t.Errorf("two codes alike: %s", code)
	}

	// Typed in lower case, without dashes, with O for 0 and l for 1.
	typed := strings.NewReplacer("-", " ", "0", "o", "1", "l").Replace(strings.ToLower(code))
	if err := c.Check(typed); err != nil {
		t.Errorf("Check(%q) for %s: %v", typed, code, err)
	}
	if err := c.Check(code[:len(code)-1]); !errors.Is(err, ErrWrong) {
		t.Errorf("a shorter code: %v, want ErrWrong", err)
	}
	if err := c.Use(); err != nil {
		t.Fatal(err)
	}
	if err := c.Check(code); !errors.Is(err, ErrNone) {
		t.Errorf("the code after Use: %v, want ErrNone", err)
	}
	if c.String() != "" {
		t.Errorf("String after Use: %q", c.String())
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("code file after Use: %v", err)
	}
	var none *Code
	if none.String() != "" || !errors.Is(none.Check(code), ErrNone) {
		t.Error("the nil Code has a code")
	}
}

func TestWrongCodesThrottled(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	c, err := New("", func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	for range 2 * freeWrong {
		if err := c.Check(" - "); !errors.Is(err, ErrWrong) {
			t.Fatalf("an empty code: %v, want ErrWrong", err)
		}
	}
	for i := range freeWrong {
		if err := c.Check("WRONG"); !errors.Is(err, ErrWrong) {
			t.Fatalf("wrong code %d: %v, want ErrWrong", i+1, err)
		}
	}
	if err := c.Check("WRONG"); !errors.Is(err, ErrWrong) {
		t.Fatalf("first throttled wrong code: %v, want ErrWrong", err)
	}
	// Now even the right code waits.
	var te *ThrottleError
	if err := c.Check(c.String()); !errors.As(err, &te) || te.RetryAfter != wrongBase {
		t.Fatalf("right code while throttled: %v, want to wait %v", err, wrongBase)
	}
	now = now.Add(wrongBase)
	c.Check("WRONG")
	if err := c.Check(c.String()); !errors.As(err, &te) || te.RetryAfter != 2*wrongBase {
		t.Fatalf("after another wrong code: %v, want to wait %v", err, 2*wrongBase)
	}
	for range 20 {
		now = now.Add(wrongMax)
		c.Check("WRONG")
	}
	if err := c.Check(c.String()); !errors.As(err, &te) || te.RetryAfter != wrongMax {
		t.Fatalf("after many wrong codes: %v, want to wait %v", err, wrongMax)
	}
	now = now.Add(wrongMax)
	if err := c.Check(c.String()); err != nil {
		t.Errorf("the right code after the wait: %v", err)
	}
}
