package console

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Argon2id parameters of HashPIN (RFC 9106 and OWASP's second choice:
// 19 MiB, two passes), small enough for the appliance's board.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
	// argonMaxMemory bounds what a hash may ask for (KiB), so that a
	// mistyped hash cannot exhaust the board's memory.
	argonMaxMemory = 256 * 1024
)

// PIN length limits, in characters.
const (
	MinPINLen = 4
	MaxPINLen = 64
)

// HashPIN returns the argon2id hash of pin in the PHC string format
// ("$argon2id$v=19$m=19456,t=2,p=1$SALT$HASH") that console.pin_hash
// holds. The PIN must have MinPINLen to MaxPINLen characters.
func HashPIN(pin string) (string, error) {
	if n := utf8.RuneCountInString(pin); n < MinPINLen || n > MaxPINLen {
		return "", fmt.Errorf("console: a PIN has %d to %d characters, not %d", MinPINLen, MaxPINLen, n)
	}
	salt := make([]byte, argonSaltLen)
	rand.Read(salt)
	key := argon2.IDKey([]byte(pin), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPIN reports whether pin matches hash, an argon2id hash in the PHC
// string format or a bcrypt hash ("$2a$", "$2b$", "$2y$"). A hash it
// cannot read is an error wrapping ErrBadHash.
func VerifyPIN(hash, pin string) (bool, error) {
	switch {
	case strings.HasPrefix(hash, "$argon2id$"):
		return verifyArgon2id(hash, pin)
	case strings.HasPrefix(hash, "$2a$"), strings.HasPrefix(hash, "$2b$"), strings.HasPrefix(hash, "$2y$"):
		err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(pin))
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
			return false, nil
		}
		return false, fmt.Errorf("%w: bcrypt: %v", ErrBadHash, err)
	}
	return false, fmt.Errorf("%w: neither argon2id (\"$argon2id$...\") nor bcrypt (\"$2b$...\")", ErrBadHash)
}

func verifyArgon2id(hash, pin string) (bool, error) {
	// "", "argon2id", "v=19", "m=...,t=...,p=...", salt, key
	f := strings.Split(hash, "$")
	if len(f) != 6 {
		return false, fmt.Errorf("%w: argon2id: want $argon2id$v=19$m=M,t=T,p=P$SALT$HASH", ErrBadHash)
	}
	var v int
	if _, err := fmt.Sscanf(f[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, fmt.Errorf("%w: argon2id: version %q, want v=%d", ErrBadHash, f[2], argon2.Version)
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(f[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, fmt.Errorf("%w: argon2id: parameters %q", ErrBadHash, f[3])
	}
	if m < 8 || m > argonMaxMemory || t < 1 || t > 64 || p < 1 {
		return false, fmt.Errorf("%w: argon2id: parameters %q out of range", ErrBadHash, f[3])
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(f[4])
	if err != nil || len(salt) < 8 {
		return false, fmt.Errorf("%w: argon2id: salt", ErrBadHash)
	}
	want, err := b64.DecodeString(f[5])
	if err != nil || len(want) < 16 || len(want) > 128 {
		return false, fmt.Errorf("%w: argon2id: hash", ErrBadHash)
	}
	got := argon2.IDKey([]byte(pin), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// Guard limits PIN guessing across all the sessions of a console: after
// each wrong PIN the next attempt, in any session, waits longer (Delay,
// doubling up to MaxDelay), and after MaxFailures wrong PINs in a row the
// console is locked for Lockout. A right PIN clears the count. Attempts
// are decided one at a time: the lock and the delay are checked, the PIN
// verified and a failure counted before the next attempt is looked at,
// so parallel sessions cannot slip PINs in before the lockout starts. The
// zero value uses the defaults; a Guard is safe for concurrent use.
type Guard struct {
	// Delay is the wait after the first wrong PIN (default 1s).
	Delay time.Duration
	// MaxDelay bounds the growing delay (default 30s).
	MaxDelay time.Duration
	// MaxFailures wrong PINs in a row lock the console (default 5).
	MaxFailures int
	// Lockout is how long it stays locked (default 5m).
	Lockout time.Duration

	turn     sync.Mutex // held for a whole attempt
	mu       sync.Mutex // guards the fields below
	failures int
	next     time.Time // no attempt is heard before (the delay)
	until    time.Time // locked until then
}

func (g *Guard) params() (delay, maxDelay time.Duration, maxFail int, lockout time.Duration) {
	delay, maxDelay, maxFail, lockout = g.Delay, g.MaxDelay, g.MaxFailures, g.Lockout
	if delay <= 0 {
		delay = time.Second
	}
	if maxDelay <= 0 {
		maxDelay = 30 * time.Second
	}
	if maxFail <= 0 {
		maxFail = 5
	}
	if lockout <= 0 {
		lockout = 5 * time.Minute
	}
	return
}

// lockedFor returns how much longer the console is locked at now.
func (g *Guard) lockedFor(now time.Time) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	return max(g.until.Sub(now), 0)
}

// verdict is the outcome of one PIN attempt.
type verdict struct {
	ok     bool          // the right PIN
	heard  bool          // the PIN was verified (false: refused unheard)
	locked bool          // the console is locked (now, or by this attempt)
	wait   time.Duration // before the next attempt is heard
}

// attempt decides one PIN attempt, at the time now returns once it is
// this attempt's turn: refused unheard while the console is locked or
// the delay after a wrong PIN runs; otherwise verify is called and a
// wrong PIN counted before any other attempt is decided. An error of
// verify (an unreadable hash) is returned as it is and counts nothing.
func (g *Guard) attempt(now func() time.Time, verify func() (bool, error)) (verdict, error) {
	g.turn.Lock()
	defer g.turn.Unlock()
	t := now()
	g.mu.Lock()
	lock, delay := g.until.Sub(t), g.next.Sub(t)
	g.mu.Unlock()
	switch {
	case lock > 0:
		return verdict{locked: true, wait: lock}, nil
	case delay > 0:
		return verdict{wait: delay}, nil
	}
	ok, err := verify()
	if err != nil {
		return verdict{}, err
	}
	if ok {
		g.succeed()
		return verdict{ok: true, heard: true}, nil
	}
	wait, locked := g.fail(t)
	return verdict{heard: true, locked: locked, wait: wait}, nil
}

// fail counts a wrong PIN at now and returns the wait before the next
// attempt and whether that wait is a lockout.
func (g *Guard) fail(now time.Time) (wait time.Duration, locked bool) {
	delay, maxDelay, maxFail, lockout := g.params()
	g.mu.Lock()
	defer g.mu.Unlock()
	g.failures++
	if g.failures >= maxFail {
		g.failures = 0
		g.until = now.Add(lockout)
		return lockout, true
	}
	wait = delay
	for i := 1; i < g.failures && wait < maxDelay; i++ {
		wait *= 2
	}
	wait = min(wait, maxDelay)
	g.next = now.Add(wait)
	return wait, false
}

// succeed clears the count of wrong PINs.
func (g *Guard) succeed() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.failures = 0
}
