package board

import (
	"errors"
	"fmt"
)

// ErrUnsupported is returned by [OpenChip] where there is no GPIO
// character device support (any system but Linux).
var ErrUnsupported = errors.New("board: GPIO character devices are supported on Linux only")

// ErrLineNotFound is wrapped by a [Chip] asked for a line name it does not
// have, or an offset beyond its last line.
var ErrLineNotFound = errors.New("board: no such GPIO line")

// LineError is the error of requesting or driving one GPIO line: which
// line, for what, and why.
type LineError struct {
	Role string // "led ready", "button cancel", "power modem0"
	Line LineID
	Err  error
}

// Error says which line failed, for what, and why.
func (e *LineError) Error() string {
	return fmt.Sprintf("board: %s (GPIO line %q): %v", e.Role, string(e.Line), e.Err)
}

// Unwrap returns the cause, for errors.Is and errors.As.
func (e *LineError) Unwrap() error { return e.Err }
