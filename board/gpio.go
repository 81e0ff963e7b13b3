package board

import (
	"strconv"
)

// LineID names a GPIO line of a chip: by its name as the kernel knows it
// ("LED_READY", "GPIO17") or by its decimal offset on the chip ("17"). The
// empty LineID means the board has no such line.
type LineID string

// Offset returns the line's offset and true when id is written as a
// non-negative decimal number, or 0 and false when it is a name (or
// empty).
func (id LineID) Offset() (int, bool) {
	n, err := strconv.Atoi(string(id))
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// Output is a GPIO line that Faxbox drives: an LED or a modem's power
// switch. Active means lit, or powered.
type Output interface {
	// Set drives the line to its active (true) or inactive (false) level.
	Set(active bool) error
	// Close releases the line; the kernel leaves it where it was.
	Close() error
}

// Input is a GPIO line that Faxbox reads: a button. Active means pressed.
type Input interface {
	// Active reports the line's level now.
	Active() (bool, error)
	// Edges delivers every change of level, bounces included, in order.
	// It is closed by Close.
	Edges() <-chan bool
	// Close releases the line and closes the Edges channel.
	Close() error
}

// Chip is a GPIO chip that hands out its lines.
type Chip interface {
	// Output requests line id as an output, at first active or not. It
	// wraps ErrLineNotFound when the chip has no such line.
	Output(id LineID, active bool) (Output, error)
	// Input requests line id as an input with edge events. It wraps
	// ErrLineNotFound when the chip has no such line.
	Input(id LineID) (Input, error)
	// Close releases the chip; lines already requested stay valid until
	// they are closed.
	Close() error
}
