package t38

import (
	"errors"
	"fmt"
)

// ErrMalformed is wrapped by every error that reports a packet (IFP or
// UDPTL) that does not follow T.38 Annex A; callers drop such a packet and
// carry on (T.38 clause 9 leaves recovery to redundancy).
var ErrMalformed = errors.New("t38: malformed packet")

// ErrUnsupported is wrapped by errors about something a packet may carry
// but the configured T.38 version cannot express (for example a V.34
// indicator in version 0).
var ErrUnsupported = errors.New("t38: not expressible in this T.38 version")

var (
	errTruncated  = fmt.Errorf("%w: truncated", ErrMalformed)
	errBadValue   = fmt.Errorf("%w: value out of range", ErrMalformed)
	errTrailing   = fmt.Errorf("%w: octets after the end", ErrMalformed)
	errIndData    = fmt.Errorf("%w: indicator with a data field", ErrMalformed)
	errNoFields   = fmt.Errorf("%w: data field with no fields", ErrMalformed)
	errFieldLen   = fmt.Errorf("%w: field data longer than 65535 octets", ErrMalformed)
	errTooMany    = fmt.Errorf("%w: too many items", ErrMalformed)
	errBadFECSpan = fmt.Errorf("%w: FEC span or entries out of range", ErrMalformed)
)

// ClosedError reports use of a Line after it was hung up or its socket
// failed.
type ClosedError struct{ Err error }

func (e *ClosedError) Error() string {
	if e.Err == nil {
		return "t38: line closed"
	}
	return "t38: line closed: " + e.Err.Error()
}

func (e *ClosedError) Unwrap() error { return e.Err }
