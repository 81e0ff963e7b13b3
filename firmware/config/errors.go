package config

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUnknownKey is wrapped by the *FieldError of a key that the
// configuration does not have (a typo, or a setting of another version).
var ErrUnknownKey = errors.New("config: unknown key")

// FieldError is one problem in the configuration: a value that is out of
// range, malformed or inconsistent with another, an unknown key, or a TOML
// syntax error. Validate and Load return these, joined with errors.Join
// when there are several; use errors.As to get at them.
type FieldError struct {
	// File is the path of the configuration file, when known.
	File string
	// Line is the line of the key in File, starting at 1; 0 when unknown
	// (a Config built in code, or a key the file leaves at its default).
	Line int
	// Key is the key as written in the file, with array elements counted
	// from 0: "modems[1].flow". Empty for a syntax error that belongs to
	// no key.
	Key string
	// Msg says what is wrong, and what is allowed.
	Msg string
	// Err is the underlying error, if any (ErrUnknownKey for unknown keys).
	Err error
}

// Error returns "config: FILE:LINE: KEY: MSG", leaving out the parts that
// are unknown.
func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString("config: ")
	switch {
	case e.File != "" && e.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", e.File, e.Line)
	case e.File != "":
		b.WriteString(e.File + ": ")
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying error.
func (e *FieldError) Unwrap() error { return e.Err }

// FieldErrors returns the *FieldError values in err, which Load, Parse and
// Validate return alone or joined; nil if there are none.
func FieldErrors(err error) []*FieldError {
	var out []*FieldError
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if fe, ok := err.(*FieldError); ok { //nolint:errorlint // walking the tree ourselves
			out = append(out, fe)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok { //nolint:errorlint // joined errors
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		walk(errors.Unwrap(err))
	}
	walk(err)
	return out
}

// problems collects FieldErrors while validating.
type problems []error

func (p *problems) add(key, format string, args ...any) {
	*p = append(*p, &FieldError{Key: key, Msg: fmt.Sprintf(format, args...)})
}

func (p *problems) err() error { return errors.Join(*p...) }
