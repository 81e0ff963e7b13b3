package contacts

import (
	"errors"
	"fmt"
)

var (
	// ErrNotFound is returned (wrapped) for a contact that does not exist.
	ErrNotFound = errors.New("contacts: no such contact")
	// ErrInvalid is returned (wrapped, usually in an *InvalidError) for a
	// contact that cannot be stored as given.
	ErrInvalid = errors.New("contacts: invalid contact")
	// ErrNoFax is returned (wrapped) by FaxNumber for a contact without a
	// fax number.
	ErrNoFax = errors.New("contacts: contact has no fax number")
	// ErrSchemaTooNew: the address book was migrated by a newer Faxbox.
	ErrSchemaTooNew = errors.New("contacts: database schema is newer than this Faxbox")
)

// InvalidError says which field of a contact is wrong and why. Err is the
// cause: a *numbers.NumberError for a number that does not parse.
type InvalidError struct {
	Field  string // "name", "numbers[2].number", ...
	Input  string // the value as given
	Reason string // what is wrong, in words
	Err    error  // the cause, or nil
}

// Error implements error.
func (e *InvalidError) Error() string {
	if e.Input != "" {
		return fmt.Sprintf("contacts: %s %q: %s", e.Field, e.Input, e.Reason)
	}
	return fmt.Sprintf("contacts: %s: %s", e.Field, e.Reason)
}

// Unwrap returns the cause.
func (e *InvalidError) Unwrap() error { return e.Err }

// Is makes every InvalidError match ErrInvalid.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

// RowError is a row of an import that was not imported.
type RowError struct {
	Row   int    `json:"row"`            // 1-based: the CSV line (header is 1) or the vCard's number in the file
	Name  string `json:"name,omitempty"` // the contact's name as read, if any
	Error string `json:"error"`          // why it was not imported
}
