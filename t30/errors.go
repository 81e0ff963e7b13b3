package t30

import "errors"

// ErrMalformed matches every error [Parse], [ParseDIS] and [ParseDCS]
// return for a frame that cannot be a valid T.30 frame (too short, wrong
// address or control octet, a FIF too short for its FCF).
var ErrMalformed = errors.New("t30: malformed frame")

// ErrInvalid matches every error [AppendFrame] and [Marshal] return for a
// frame whose fields cannot be encoded (an identity longer than 20
// characters, FCD data longer than 256 octets).
var ErrInvalid = errors.New("t30: invalid frame")

// FrameError reports a frame that could not be parsed (Err is
// [ErrMalformed]) or encoded (Err is [ErrInvalid]).
type FrameError struct {
	Op     string // "parse" or "marshal"
	FCF    FCF    // the frame's FCF, X bit clear; 0 when it was not read
	Reason string // what is wrong, in words
	Err    error  // ErrMalformed or ErrInvalid
}

// Error returns "t30: <op> <FCF>: <reason>".
func (e *FrameError) Error() string {
	if e.FCF == 0 && e.Op == "parse" {
		return "t30: parse: " + e.Reason
	}
	return "t30: " + e.Op + " " + e.FCF.String() + ": " + e.Reason
}

// Unwrap returns [ErrMalformed] or [ErrInvalid].
func (e *FrameError) Unwrap() error { return e.Err }

func malformed(fcf FCF, reason string) error {
	return &FrameError{Op: "parse", FCF: fcf, Reason: reason, Err: ErrMalformed}
}

func invalid(fcf FCF, reason string) error {
	return &FrameError{Op: "marshal", FCF: fcf, Reason: reason, Err: ErrInvalid}
}
