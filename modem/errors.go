package modem

import (
	"errors"
	"fmt"
)

// Sentinel errors. Callers branch on them with errors.Is; the errors the
// driver returns wrap them (ResultError, timeoutError) and add the command.
var (
	// ErrNoCarrier is the NO CARRIER result: the remote carrier was not
	// found or was lost, or the call ended.
	ErrNoCarrier = errors.New("modem: no carrier")
	// ErrBusy is the BUSY result of a dial.
	ErrBusy = errors.New("modem: busy")
	// ErrNoDialTone is the NO DIALTONE result of a dial: no line.
	ErrNoDialTone = errors.New("modem: no dial tone")
	// ErrNoAnswer is the NO ANSWER result of a dial: the remote kept ringing.
	ErrNoAnswer = errors.New("modem: no answer")
	// ErrError is the ERROR result: the command was refused or failed.
	ErrError = errors.New("modem: error")
	// ErrFCError is the +FCERROR result of +FRH/+FRM (T.31 8.3.4): the modem
	// heard a carrier other than the one asked for.
	ErrFCError = errors.New("modem: +FCERROR (wrong carrier)")
	// ErrBadFCS reports a received HDLC frame whose frame check sequence
	// was wrong (the modem answered ERROR after the frame, T.31 8.3.5).
	ErrBadFCS = errors.New("modem: bad frame check sequence")
	// ErrTimeout reports that an awaited event (carrier, frame, data, ring,
	// answer) did not happen before the deadline. Timeout errors also match
	// context.DeadlineExceeded when the context's deadline was the cause.
	ErrTimeout = errors.New("modem: timeout")
	// ErrNotResponding reports that the modem did not answer a command
	// within Config.ResponseTimeout (T.31 8.3.5 allows 5 s): it is hung and
	// should be power-cycled.
	ErrNotResponding = errors.New("modem: not responding")
	// ErrNotClass1 reports a modem that refuses AT+FCLASS=1.
	ErrNotClass1 = errors.New("modem: not a class 1 fax modem")
	// ErrClosed is returned by operations after Close.
	ErrClosed = errors.New("modem: closed")
	// ErrGone reports that the serial device failed under the driver: a
	// read or write on the port returned an error (EIO from a USB modem
	// unplugged or powered off, or from a pseudo-terminal whose master was
	// closed). The port is dead for good: the device must be opened again
	// once it is back.
	ErrGone = errors.New("modem: the serial device is gone")
)

// ResultError is a final result code other than the one an operation
// expected, for example BUSY after ATD or +FCERROR after AT+FRH=3.
// errors.Is(err, ErrBusy) and the like match it by Code.
type ResultError struct {
	Cmd  string // the AT command, as sent (without CR)
	Code Code   // the final result code the modem gave
	// BadFCS is set when ERROR ended a received HDLC frame, which T.31
	// uses to report a frame check sequence error. Such an error also
	// matches ErrBadFCS.
	BadFCS bool
}

// Error returns "modem: <command>: <result code>".
func (e *ResultError) Error() string {
	if e.BadFCS {
		return fmt.Sprintf("modem: %s: %s (bad FCS)", e.Cmd, e.Code)
	}
	return fmt.Sprintf("modem: %s: %s", e.Cmd, e.Code)
}

// Is reports whether target is the sentinel for e.Code (or ErrBadFCS).
func (e *ResultError) Is(target error) bool {
	if e.BadFCS && target == ErrBadFCS {
		return true
	}
	s := e.Code.sentinel()
	return s != nil && target == s
}

// ProtocolError reports a response the driver cannot make sense of:
// garbage on the serial line, or a result code that is valid but not one
// the command can produce (OK where CONNECT was due).
type ProtocolError struct {
	Cmd  string // the command being executed, if any
	Line string // the offending response, quoted in the message
	Msg  string // what was wrong
}

// Error returns "modem: <command>: <what>: <quoted line>".
func (e *ProtocolError) Error() string {
	if e.Cmd == "" {
		return fmt.Sprintf("modem: %s: %q", e.Msg, e.Line)
	}
	return fmt.Sprintf("modem: %s: %s: %q", e.Cmd, e.Msg, e.Line)
}

// timeoutError is a timeout of one command. It matches ErrTimeout or
// ErrNotResponding (by notResponding) and unwraps to the context error
// that caused it, if any.
type timeoutError struct {
	cmd           string
	notResponding bool
	cause         error
}

func (e *timeoutError) Error() string {
	what := "timeout"
	if e.notResponding {
		what = "not responding"
	}
	if e.cmd == "" {
		return "modem: " + what
	}
	return "modem: " + e.cmd + ": " + what
}

func (e *timeoutError) Is(target error) bool {
	if e.notResponding {
		return target == ErrNotResponding
	}
	return target == ErrTimeout
}

func (e *timeoutError) Unwrap() error { return e.cause }
