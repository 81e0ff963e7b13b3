package daemon

import (
	"time"

	"faxbox/firmware/config"
	"faxbox/t30"
)

// Backoff is the wait before another attempt, by cause of failure. A zero
// field means the default; a negative one means that cause is final: the
// job fails without a further attempt.
type Backoff struct {
	Busy       time.Duration // the line was busy; default 2 min
	NoAnswer   time.Duration // nobody answered; default 5 min
	NoDialTone time.Duration // our own line gave no dial tone; default 5 min
	// CallFailed is for a call that connected and then failed: line
	// dropped, no response, training failed, pages rejected, protocol
	// errors. Default 3 min.
	CallFailed time.Duration
	// Modem is the wait after our modem failed; the job goes to another
	// modem, so the default is 0 (due at once).
	Modem time.Duration
}

// BackoffFrom returns the back-off of the configuration file's
// retry.backoff section (a zero duration there means final).
func BackoffFrom(b config.Backoff) Backoff {
	final := func(d config.Duration) time.Duration {
		if d.D() <= 0 {
			return -1
		}
		return d.D()
	}
	return Backoff{
		Busy:       final(b.Busy),
		NoAnswer:   final(b.NoAnswer),
		NoDialTone: final(b.NoDialTone),
		CallFailed: final(b.CallFailed),
	}
}

func or(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// after returns the wait before the next attempt after a call that ended
// with r, and false when r is final (no retry can help: not a fax machine,
// a document the receiver cannot take, a cancelled call).
func (b Backoff) after(r t30.Reason) (time.Duration, bool) {
	var d time.Duration
	switch r {
	case t30.ReasonBusy:
		d = or(b.Busy, 2*time.Minute)
	case t30.ReasonNoAnswer:
		d = or(b.NoAnswer, 5*time.Minute)
	case t30.ReasonNoDialTone:
		d = or(b.NoDialTone, 5*time.Minute)
	case t30.ReasonModem:
		d = max(b.Modem, 0)
	case t30.ReasonNotFax, t30.ReasonIncompatible, t30.ReasonCancelled,
		t30.ReasonOK, t30.ReasonTimeLimit, t30.ReasonNoDocument, t30.ReasonPartial:
		// Not a fax machine, or cannot take this document: calling again
		// the same way will not help. A time limit is the credit running
		// out (the hold's deadline). OK never gets here; the last two are
		// receiving outcomes.
		return 0, false
	case t30.ReasonTrainingFailed, t30.ReasonRefused, t30.ReasonLineDropped,
		t30.ReasonNoResponse, t30.ReasonPageRejected, t30.ReasonProtocol:
		d = or(b.CallFailed, 3*time.Minute)
	default:
		d = or(b.CallFailed, 3*time.Minute)
	}
	if d < 0 {
		return 0, false
	}
	return d, true
}
