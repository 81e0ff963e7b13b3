// Package setupcode makes and keeps the one-time code that the first-run
// setup of the web UI asks for: while no administrator exists, whoever
// reaches the appliance's web UI first could otherwise claim it. The code
// is shown where only the installer looks (the daemon's standard output,
// the installer console, a file of the data directory readable by the
// daemon's user only) and is gone once it has been used.
//
// The package does not know the accounts: its caller decides when a code
// is needed and calls Use once the administrator exists.
package setupcode

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"faxbox/internal/datadir"
)

// File is the name of the code's file in the data directory.
const File = "setup-code"

// Length is the number of characters of a code, shown in groups of four
// ("7K3M-Q9XD-2HWP"). Each character carries 5 bits: 60 bits in all.
const Length = 12

// alphabet is Crockford's base 32: digits and capitals without I, L, O
// and U, which are easy to misread. normalise maps the look-alikes back.
const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// Errors of Check.
var (
	// ErrWrong: the code given is not the code.
	ErrWrong = errors.New("setupcode: wrong setup code")
	// ErrNone: there is no code (it has been used, or none was made).
	ErrNone = errors.New("setupcode: no setup code is open")
)

// ThrottleError says that too many wrong codes were given: the next
// attempt is heard after RetryAfter.
type ThrottleError struct{ RetryAfter time.Duration }

func (e *ThrottleError) Error() string {
	return fmt.Sprintf("setupcode: too many wrong setup codes: try again in %s", e.RetryAfter.Round(time.Second))
}

// Throttling of wrong codes, for every client together (an attacker on
// the LAN has many addresses): freeWrong cost nothing, each further one
// makes the next attempt wait wrongBase, doubled each time, up to
// wrongMax. At one guess a minute, 60 bits are out of reach.
const (
	freeWrong = 5
	wrongBase = time.Second
	wrongMax  = time.Minute
)

// Code is one setup code. Its methods are safe for concurrent use; the
// nil *Code has no code.
type Code struct {
	path string // "" if not written to a file
	now  func() time.Time

	mu     sync.Mutex
	code   string // normalised; "" once used
	wrong  int
	waitTo time.Time
}

// New makes a code with crypto/rand and, if dir is not "", writes it to
// dir/File with mode 0600, replacing an older one. now is the clock of the
// throttle; nil means time.Now.
func New(dir string, now func() time.Time) (*Code, error) {
	if now == nil {
		now = time.Now
	}
	b := make([]byte, Length)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("setupcode: %w", err)
	}
	for i := range b {
		b[i] = alphabet[b[i]&31] // 256 is a multiple of 32: no bias
	}
	c := &Code{code: string(b), now: now}
	if dir != "" {
		c.path = filepath.Join(dir, File)
		if err := datadir.WriteFile(c.path, []byte(c.String()+"\n")); err != nil {
			return nil, fmt.Errorf("setupcode: %w", err)
		}
	}
	return c, nil
}

// Remove removes dir/File if it is there: a code left by an earlier start
// once an administrator exists.
func Remove(dir string) error {
	if err := os.Remove(filepath.Join(dir, File)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("setupcode: %w", err)
	}
	return nil
}

// String returns the code in groups of four, "" if there is none.
func (c *Code) String() string {
	if c == nil {
		return ""
	}
	c.mu.Lock()
	code := c.code
	c.mu.Unlock()
	if code == "" {
		return ""
	}
	return code[:4] + "-" + code[4:8] + "-" + code[8:]
}

// Check compares given with the code in constant time. Case, spaces,
// dashes and the look-alikes O, I and L do not matter. It returns ErrNone
// if there is no code, a *ThrottleError while wrong codes must wait, and
// ErrWrong for a wrong or empty code (an empty one does not count towards
// the throttle).
func (c *Code) Check(given string) error {
	if c == nil {
		return ErrNone
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.code == "" {
		return ErrNone
	}
	now := c.now()
	if now.Before(c.waitTo) {
		return &ThrottleError{RetryAfter: c.waitTo.Sub(now)}
	}
	typed := normalise(given)
	if subtle.ConstantTimeCompare([]byte(typed), []byte(c.code)) == 1 {
		return nil
	}
	if typed == "" {
		return ErrWrong // no guess: not counted
	}
	c.wrong++
	if extra := c.wrong - freeWrong; extra > 0 {
		wait := wrongMax
		if extra < 10 {
			wait = min(wrongBase<<(extra-1), wrongMax)
		}
		c.waitTo = now.Add(wait)
	}
	return ErrWrong
}

// Use ends the code: Check answers ErrNone from now on, and its file is
// removed.
func (c *Code) Use() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	c.code = ""
	c.mu.Unlock()
	if c.path == "" {
		return nil
	}
	if err := os.Remove(c.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("setupcode: %w", err)
	}
	return nil
}

// normalise turns what a person typed into the code's form.
func normalise(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch r {
		case ' ', '-', '\t':
		case 'O':
			b.WriteByte('0')
		case 'I', 'L':
			b.WriteByte('1')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
