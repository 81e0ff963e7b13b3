package daemon

import (
	"io"
	"time"
)

// CallRecorder is a line that keeps its own record of each call, as a SIP
// line does (sipline.Line): the time the call is billed, which for SIP is
// from the 200 OK to the BYE (what the trunk bills, RFC 3261 13.2.2.4 and
// 15.1), and a trace of its own (the SIP messages and a summary of the
// T.38 packets) that goes into the attempt's trace.
type CallRecorder interface {
	// Billed is the last call's billed time, 0 if it was never answered.
	Billed() time.Duration
	// WriteCallTrace writes the last call's own trace.
	WriteCallTrace(w io.Writer) error
	// Answered is when the current or last call was answered (a SIP
	// line's 200 OK), zero if it was not: the meter and the credit limit
	// run from then, not from the T.30 engine's CONNECT.
	Answered() time.Time
}

// answeredAt is when m's current call was answered, if m keeps its own
// record and knows; zero otherwise.
func answeredAt(m Modem) time.Time {
	if cr, ok := m.(CallRecorder); ok {
		return cr.Answered()
	}
	return time.Time{}
}

// writeLineTrace appends the line's own trace of the call to tr, if the
// line keeps one.
func writeLineTrace(m Modem, tr *trace) {
	if cr, ok := m.(CallRecorder); ok {
		tr.printf("the line's record of the call:")
		_ = cr.WriteCallTrace(tr) // tr keeps its first write error itself
	}
}
