package console_test

import (
	"errors"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/console"

	"golang.org/x/crypto/bcrypt"
)

const testPIN = "2468"

// bcryptHash returns a fast bcrypt hash of pin for tests.
func bcryptHash(t *testing.T, pin string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(pin), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

// noLeak fails if a goroutine of package console is still running after
// a grace period.
func noLeak(t *testing.T) {
	t.Helper()
	var stacks string
	for range 100 {
		buf := make([]byte, 1<<20)
		stacks = string(buf[:runtime.Stack(buf, true)])
		if !strings.Contains(stacks, "faxbox/firmware/console.") {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("goroutines of package console left running:\n%s", stacks)
}

// isHangUp reports whether err says the peer went away.
func isHangUp(err error) bool { return errors.Is(err, console.ErrHangUp) }

// discardLogger returns a logger that drops everything.
func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
