package store

import (
	"errors"
	"fmt"
)

// Sentinels that callers branch on with errors.Is. TransitionError
// unwraps to ErrIllegalTransition.
var (
	// ErrNotFound: no user, message, job, attempt or received fax has
	// that id.
	ErrNotFound = errors.New("store: not found")
	// ErrIllegalTransition: the job's state does not allow the operation.
	ErrIllegalTransition = errors.New("store: illegal state transition")
	// ErrNoAttemptsLeft: the job has made all the attempts it may.
	ErrNoAttemptsLeft = errors.New("store: no attempts left")
	// ErrAttemptClosed: the attempt is already finished.
	ErrAttemptClosed = errors.New("store: attempt already finished")
	// ErrInvalid: an argument is malformed (a number not in E.164, a
	// message without recipients, a page out of range, ...).
	ErrInvalid = errors.New("store: invalid argument")
	// ErrClockNotSet: the wall clock is not plausible yet (boards start
	// in 1970 until NTP sets it), so nothing can be stamped.
	ErrClockNotSet = errors.New("store: wall clock not set")
	// ErrDamaged: the database file is not an SQLite database or is
	// corrupt; only a backup (or starting anew) helps.
	ErrDamaged = errors.New("store: the database file is damaged")
	// ErrSchemaTooNew: the database was migrated by a newer Faxbox.
	ErrSchemaTooNew = errors.New("store: database schema is newer than this Faxbox")
)

// TransitionError says that a job's state does not allow an operation.
type TransitionError struct {
	Job  int64
	From State  // the job's state
	Op   string // "claim", "start attempt", "finish as delivered", ...
}

// Error names the job, the operation and the state that refused it.
func (e *TransitionError) Error() string {
	return fmt.Sprintf("store: job %d: cannot %s a job that is %s", e.Job, e.Op, e.From)
}

// Unwrap returns ErrIllegalTransition.
func (e *TransitionError) Unwrap() error { return ErrIllegalTransition }

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

func notFound(what string, id int64) error {
	return fmt.Errorf("%w: %s %d", ErrNotFound, what, id)
}
