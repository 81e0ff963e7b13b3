package numbers

import (
	"errors"
	"fmt"
)

// Sentinels matched with errors.Is against a *NumberError; each one names a
// Reason.
var (
	// ErrEmpty means the input had no digits at all.
	ErrEmpty = errors.New("numbers: empty number")
	// ErrSyntax means the input holds characters a fax number cannot have.
	ErrSyntax = errors.New("numbers: not a fax number")
	// ErrNeedCountry means a national form was given but no home country
	// is configured, so the country is unknown.
	ErrNeedCountry = errors.New("numbers: country unknown")
	// ErrUnknownCountry means the digits after + do not start with an ITU
	// country calling code.
	ErrUnknownCountry = errors.New("numbers: unknown country code")
	// ErrTrunkZero means the national trunk prefix (usually 0) was kept
	// right after the country code, as in +32 0 2 ...
	ErrTrunkZero = errors.New("numbers: trunk prefix after country code")
	// ErrTooShort means the number has too few digits for its country.
	ErrTooShort = errors.New("numbers: too short")
	// ErrTooLong means the number has too many digits for its country.
	ErrTooLong = errors.New("numbers: too long")
	// ErrInvalid means the number has a plausible length but no such
	// number can exist in its country's numbering plan.
	ErrInvalid = errors.New("numbers: no such number")
)

// Reason says why a number was refused.
type Reason uint8

// Reasons a number is refused; each has the sentinel of the same name.
const (
	ReasonEmpty Reason = iota
	ReasonSyntax
	ReasonNeedCountry
	ReasonUnknownCountry
	ReasonTrunkZero
	ReasonTooShort
	ReasonTooLong
	ReasonInvalid
)

// String returns the reason's name.
func (r Reason) String() string {
	switch r {
	case ReasonEmpty:
		return "empty"
	case ReasonSyntax:
		return "syntax"
	case ReasonNeedCountry:
		return "need-country"
	case ReasonUnknownCountry:
		return "unknown-country"
	case ReasonTrunkZero:
		return "trunk-zero"
	case ReasonTooShort:
		return "too-short"
	case ReasonTooLong:
		return "too-long"
	case ReasonInvalid:
		return "invalid"
	}
	return fmt.Sprintf("Reason(%d)", uint8(r))
}

func (r Reason) sentinel() error {
	switch r {
	case ReasonEmpty:
		return ErrEmpty
	case ReasonSyntax:
		return ErrSyntax
	case ReasonNeedCountry:
		return ErrNeedCountry
	case ReasonUnknownCountry:
		return ErrUnknownCountry
	case ReasonTrunkZero:
		return ErrTrunkZero
	case ReasonTooShort:
		return ErrTooShort
	case ReasonTooLong:
		return ErrTooLong
	}
	return ErrInvalid
}

// NumberError reports a number that cannot be used. Its message names the
// input, what is wrong and, in Hint, how to write it instead, for example
// `numbers: "+32 0 2 555 12 12": the 0 after +32 must be left out: write +32 2 555 12 12`.
type NumberError struct {
	Input  string // what was typed
	Reason Reason // what is wrong
	Msg    string // what is wrong, in words
	Hint   string // how to write it, or "" when there is nothing to suggest
	// Unchecked, for ReasonInvalid only, is the number as written: of a
	// possible length for its country but not in its numbering plan as
	// libphonenumber knows it. A caller may dial it when the user insists
	// (new ranges reach the metadata late).
	Unchecked Number
}

// Error returns the message, with the hint when there is one.
func (e *NumberError) Error() string {
	s := fmt.Sprintf("numbers: %q: %s", e.Input, e.Msg)
	if e.Hint != "" {
		s += ": " + e.Hint
	}
	return s
}

// Unwrap returns the sentinel for e.Reason, so that
// errors.Is(err, ErrTrunkZero) works.
func (e *NumberError) Unwrap() error { return e.Reason.sentinel() }
