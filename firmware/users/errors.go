package users

import (
	"errors"
	"fmt"
	"time"
)

// Sentinels that callers branch on with errors.Is.
var (
	// ErrNotFound: no account has that id or name.
	ErrNotFound = errors.New("users: no such user")
	// ErrExists: an account has that name already (names are compared
	// without regard to case).
	ErrExists = errors.New("users: the name is taken")
	// ErrInvalid: an argument is malformed (an empty name, an e-mail
	// address that is not one, a password too short or too long).
	ErrInvalid = errors.New("users: invalid")
	// ErrBadCredentials: the name or the password is wrong. Which of the
	// two is not said.
	ErrBadCredentials = errors.New("users: wrong name or password")
	// ErrDisabled: the account is disabled.
	ErrDisabled = errors.New("users: the account is disabled")
	// ErrSetupDone: Setup was called but an administrator exists.
	ErrSetupDone = errors.New("users: an administrator exists already")
	// ErrSetupNeeded: the operation needs an administrator and none
	// exists yet; the first-run page creates one.
	ErrSetupNeeded = errors.New("users: no administrator yet: set one up on the first-run page")
	// ErrLastAdmin: the change would leave no enabled administrator.
	ErrLastAdmin = errors.New("users: the last administrator cannot be demoted or disabled")
	// ErrThrottled: too many failed logins; ThrottleError says for how
	// long.
	ErrThrottled = errors.New("users: too many failed logins")
	// ErrNoSession: the request carries no session cookie, or one that is
	// unknown, expired or revoked.
	ErrNoSession = errors.New("no valid session: sign in")
	// ErrCSRF: a state-changing request made with a session lacks the
	// session's X-CSRF-Token header, or has a wrong one.
	ErrCSRF = errors.New("missing or wrong X-CSRF-Token header")
	// ErrSchemaTooNew: the database was migrated by a newer Faxbox.
	ErrSchemaTooNew = errors.New("users: database schema is newer than this Faxbox")
)

// ThrottleError refuses a login attempt made too soon after failed ones.
// It unwraps to ErrThrottled.
type ThrottleError struct {
	// RetryAfter is how long to wait before the next attempt is heard.
	RetryAfter time.Duration
}

// Error says how long to wait.
func (e *ThrottleError) Error() string {
	return fmt.Sprintf("users: too many failed logins: try again in %s", e.RetryAfter.Round(time.Second))
}

// Unwrap returns ErrThrottled.
func (e *ThrottleError) Unwrap() error { return ErrThrottled }

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}
