package daemon

import (
	"errors"
	"fmt"
	"io/fs"
)

// Sentinels that callers branch on with errors.Is.
var (
	// ErrConfig: the pool's configuration is unusable (no store, no
	// ledger, no modems or more than MaxModems, a modem twice).
	ErrConfig = errors.New("daemon: bad configuration")
	// ErrNoSuchModem: Borrow was given a name no modem of the pool has.
	ErrNoSuchModem = errors.New("daemon: no such modem")
	// ErrOutOfService: the modem failed and is out of service until a
	// probe brings it back (Borrow refuses it).
	ErrOutOfService = errors.New("daemon: modem out of service")
	// ErrNotRunning: the pool has stopped (Borrow).
	ErrNotRunning = errors.New("daemon: the modem pool is not running")
)

// Reason codes the daemon gives attempts itself, beside the t30.Reason
// codes of calls that were dialled.
const (
	// ReasonCredit: not enough credit to dial; the job fails.
	ReasonCredit = "credit"
	// ReasonBadNumber: the number cannot be dialled from this line.
	ReasonBadNumber = "bad-number"
	// ReasonNoPages: the job's page files are missing or unreadable.
	ReasonNoPages = "no-pages"
	// ReasonShutdown: the daemon stopped during the call; retried at once.
	ReasonShutdown = "shutdown"
	// ReasonNotFax: an incoming call in which no fax machine spoke (a
	// voice call, silence); it is logged and nothing is stored.
	ReasonNotFax = "not-fax"
	// ReasonModemGone: the modem's serial device failed during the call
	// (modem.ErrGone: unplugged, powered off). The line failed with it:
	// the call is charged for its connected time and retried at once on
	// another modem with the pages not yet confirmed.
	ReasonModemGone = "modem-gone"
)

// DeviceError reports a line's serial device that could not be opened
// (Line.Device): the modem is out of service, with this as its reason,
// until the device opens. It matches fs.ErrNotExist when the device is
// absent.
type DeviceError struct {
	Device string
	Err    error
}

// Error says what is wrong in words for the modem's status.
func (e *DeviceError) Error() string {
	if errors.Is(e.Err, fs.ErrNotExist) {
		return fmt.Sprintf("daemon: no device %s (modem unplugged?)", e.Device)
	}
	return fmt.Sprintf("daemon: cannot open %s: %v", e.Device, e.Err)
}

// Unwrap returns the opener's error.
func (e *DeviceError) Unwrap() error { return e.Err }
