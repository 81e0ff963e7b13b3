package daemon

import "errors"

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
)
