package sip

import (
	"errors"
	"fmt"
)

// Reason is the stable cause of a call's end, used for retries and the call
// record. Its Text is the plain words shown to office staff.
type Reason string

// Reasons a call ends.
const (
	ReasonNone           Reason = ""                // ended normally (BYE after a fax)
	ReasonBusy           Reason = "busy"            // 486, 600
	ReasonNoAnswer       Reason = "no-answer"       // nobody answered in time, or 480/408
	ReasonRejected       Reason = "rejected"        // any other final failure response
	ReasonCancelled      Reason = "cancelled"       // we or the caller cancelled before the answer
	ReasonRemoteBye      Reason = "remote-bye"      // the far end hung up
	ReasonT38Refused     Reason = "t38-refused"     // 488 or an answer without T.38
	ReasonGlare          Reason = "glare"           // 491 repeated beyond the retries
	ReasonTimeout        Reason = "timeout"         // no response at all (RFC 3261 17.1.1.2 Timer B)
	ReasonAuth           Reason = "auth-failed"     // digest credentials refused
	ReasonNetwork        Reason = "network"         // transport failure
	ReasonSessionExpired Reason = "session-expired" // RFC 4028 10: no refresh came
	ReasonBadSDP         Reason = "bad-sdp"         // unreadable or unusable SDP
	ReasonNoFax          Reason = "no-fax"          // audio call never switched to T.38
)

var reasonText = map[Reason]string{
	ReasonNone:           "the call ended normally",
	ReasonBusy:           "the number is busy",
	ReasonNoAnswer:       "nobody answered",
	ReasonRejected:       "the call was refused",
	ReasonCancelled:      "the call was cancelled",
	ReasonRemoteBye:      "the other side hung up",
	ReasonT38Refused:     "the line does not support T.38",
	ReasonGlare:          "both sides kept changing the call at the same time",
	ReasonTimeout:        "the line did not respond",
	ReasonAuth:           "the SIP account's user or password was refused",
	ReasonNetwork:        "the network connection to the line failed",
	ReasonSessionExpired: "the line stopped refreshing the call",
	ReasonBadSDP:         "the line sent a call description Faxbox cannot use",
	ReasonNoFax:          "the other side never switched to fax",
}

// Text returns r in plain words.
func (r Reason) Text() string {
	if t, ok := reasonText[r]; ok {
		return t
	}
	return string(r)
}

// CallError is why a call failed or ended: a Reason callers branch on, the
// SIP status that caused it (0 if none) and the underlying error.
type CallError struct {
	Reason Reason
	Status int
	Err    error
}

func (e *CallError) Error() string {
	s := "sip: " + string(e.Reason)
	if e.Status != 0 {
		s += fmt.Sprintf(" (%d)", e.Status)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *CallError) Unwrap() error { return e.Err }

// ReasonOf returns the Reason carried by err, ReasonNetwork for any other
// non-nil error and ReasonNone for nil.
func ReasonOf(err error) Reason {
	if err == nil {
		return ReasonNone
	}
	var ce *CallError
	if errors.As(err, &ce) {
		return ce.Reason
	}
	return ReasonNetwork
}

// statusReason maps a final failure response of an INVITE to a Reason
// (RFC 3261 21.4-21.6).
func statusReason(code int) Reason {
	switch code {
	case 486, 600:
		return ReasonBusy
	case 408, 480, 487:
		return ReasonNoAnswer
	case 401, 407:
		return ReasonAuth
	case 488, 606:
		return ReasonT38Refused
	case 491:
		return ReasonGlare
	}
	return ReasonRejected
}

// SDPError is a malformed SDP body (RFC 4566 5).
type SDPError struct {
	Line int // 1-based line number, 0 for the whole body
	Msg  string
}

func (e *SDPError) Error() string {
	if e.Line == 0 {
		return "sip: sdp: " + e.Msg
	}
	return fmt.Sprintf("sip: sdp line %d: %s", e.Line, e.Msg)
}

// ConfigError is one invalid setting of a [[sip]] table.
type ConfigError struct {
	Key string // e.g. "sip[0].registrar"
	Msg string
}

func (e *ConfigError) Error() string { return "sip: config: " + e.Key + ": " + e.Msg }

// ErrClosed is returned by an Agent's methods after Close.
var ErrClosed = errors.New("sip: agent closed")
