package sipline

import (
	"time"

	"faxbox/sip"
)

// Registration states of Status.State.
const (
	RegNone       = "not registering" // the account has no registrar
	RegPending    = "registering"     // no answer to the first REGISTER yet
	RegRegistered = "registered"
	RegFailing    = "failing" // the last REGISTER failed; retried at Next
)

// Status is an account at a glance, for administrators: its registration
// and its calls in progress.
type Status struct {
	Name      string // the lines' prefix, "sip0"
	Registrar string // "" when the account does not register
	User      string // the user part of the address of record
	// State is one of RegNone, RegPending, RegRegistered, RegFailing;
	// Since is when the last REGISTER was answered (or failed).
	State string
	Since time.Time
	// Reason and Status say why the last REGISTER failed: the stable
	// reason (sip.ReasonAuth...) and the SIP status, 0 if none came;
	// Detail is the error in words.
	Reason sip.Reason
	Status int
	Detail string
	// Expires is the binding's granted lifetime; Next when the next
	// REGISTER goes (the refresh, or the retry after a failure).
	Expires time.Duration
	Next    time.Time
	// Lines are the account's lines' names; Calls how many of them are
	// in a call (dialling, answering or in the fax).
	Lines []string
	Calls int
}

// Status returns the account's registration and calls in progress.
func (a *Account) Status() Status {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.reg
	s.Name, s.Registrar, s.User = a.opt.Name, a.cfg.Registrar, a.cfg.User
	if s.State == "" {
		s.State = RegPending
		if a.cfg.Registrar == "" {
			s.State = RegNone
		}
	}
	for _, l := range a.lines {
		s.Lines = append(s.Lines, l.name)
	}
	s.Calls = len(a.owners)
	return s
}

// onRegister keeps the outcome of a REGISTER for Status, then passes it
// on to Options.OnRegister.
func (a *Account) onRegister(st sip.RegStatus) {
	now := time.Now()
	a.mu.Lock()
	a.reg = Status{State: RegRegistered, Since: now, Status: st.Status, Expires: st.Expires, Next: now.Add(st.Next)}
	if !st.Registered {
		a.reg.State, a.reg.Reason = RegFailing, sip.ReasonOf(st.Err)
		if st.Err != nil {
			a.reg.Detail = st.Err.Error()
		}
	}
	a.mu.Unlock()
	if a.opt.OnRegister != nil {
		a.opt.OnRegister(st)
	}
}
