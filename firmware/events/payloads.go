package events

import "time"

// MessageEvent is the payload of KindMessage: a message was created with
// its jobs, one per recipient.
type MessageEvent struct {
	Message int64   `json:"message"`
	Sender  int64   `json:"sender"` // the sender's user id
	Jobs    []int64 `json:"jobs"`
	State   string  `json:"message_state"` // the message's state as package store names it ("active")
}

// JobEvent is the payload of KindJob: a job changed state or confirmed a
// page. The event's Job is the job's id.
type JobEvent struct {
	Job             int64      `json:"job"`
	Message         int64      `json:"message"`
	MessageState    string     `json:"message_state"` // as package store names it ("active", "delivered")
	State           string     `json:"state"`         // the job's state as store.State names it ("delivered")
	CancelRequested bool       `json:"cancel_requested,omitempty"`
	Attempts        int        `json:"attempts"`
	MaxAttempts     int        `json:"max_attempts"`
	PagesTotal      int        `json:"pages_total"`
	PagesConfirmed  int        `json:"pages_confirmed"`
	NextAttempt     *time.Time `json:"next_attempt,omitempty"` // when queued or to be retried
	ReasonCode      string     `json:"reason,omitempty"`
	ReasonText      string     `json:"reason_text,omitempty"`
}

// ReceivedEvent is the payload of KindReceived: a fax was received, or
// the reception of one ended (Partial when it was cut short).
type ReceivedEvent struct {
	Received    int64  `json:"received"` // the received fax's id
	CallerIdent string `json:"caller_ident"`
	CallerID    string `json:"caller_id"`
	Pages       int    `json:"pages"`
	Partial     bool   `json:"partial"`
	User        int64  `json:"user"` // the user it is routed to; 0: all staff
}

// ReceivedPageEvent is the payload of KindReceivedPage: page Page of a
// fax being received is stored.
type ReceivedPageEvent struct {
	Received    int64  `json:"received"`
	Page        int    `json:"page"`
	Pages       int    `json:"pages"` // stored so far
	User        int64  `json:"user"`  // the user it is routed to; 0: all staff
	Receiving   bool   `json:"receiving"`
	CallerIdent string `json:"caller_ident"`
	CallerID    string `json:"caller_id"`
	BadRows     int    `json:"bad_rows"`
}

// PurgedEvent is the payload of KindPurged: the retention rules deleted
// these messages and received faxes.
type PurgedEvent struct {
	Messages []int64 `json:"messages"`
	Received []int64 `json:"received"`
}

// AssignedEvent is the payload of KindAssigned: a received fax was
// routed to User, away from Previous (for both, 0 is all staff).
type AssignedEvent struct {
	Received int64 `json:"received"` // the received fax's id
	User     int64 `json:"user"`     // the user it is routed to now
	Previous int64 `json:"previous"` // the user it was routed to before
	By       int64 `json:"by"`       // the user who assigned it; 0 if no user did
}

// LineEvent is the payload of KindLine: a line of the daemon's pool (a
// modem, or a call's place on a SIP account) changed state. It is the
// line's whole status after the change.
type LineEvent struct {
	Line     string    `json:"line"`               // the line's name ("ttyUSB0", "sip0/1")
	State    string    `json:"state"`              // as daemon.ModemState names it ("idle", "out of service")
	Job      int64     `json:"job,omitempty"`      // the job in a call, when calling
	Received int64     `json:"received,omitempty"` // the fax being received, once its first page is in
	Since    time.Time `json:"since"`              // when State was entered
	Reason   string    `json:"reason,omitempty"`   // why it is out of service
	Calls    int       `json:"calls"`              // calls dialled since start
	Answered int       `json:"answered"`           // incoming calls answered since start
}

// AccountEvent is the payload of KindAccount: the prepaid account's
// totals after a change. Amounts are billing.Amount values.
type AccountEvent struct {
	Currency       string `json:"currency"`
	Balance        int64  `json:"balance"`
	Held           int64  `json:"held"`
	Available      int64  `json:"available"`
	OpenHolds      int    `json:"open_holds"`
	SpentThisMonth int64  `json:"spent_this_month"`
}

// SIPRegistration is the payload of KindSIPRegistration: the outcome of
// a SIP account's registration attempt (RFC 3261 section 10).
type SIPRegistration struct {
	Account    string        `json:"account"` // the account's name ("sip0")
	Registered bool          `json:"registered"`
	Expires    time.Duration `json:"expires,omitempty"` // the granted lifetime
	Status     int           `json:"status,omitempty"`  // the final SIP status, 0 if none came
	Reason     string        `json:"reason,omitempty"`  // why it failed
}

// Kind returns KindMessage.
func (MessageEvent) Kind() Kind { return KindMessage }

// Kind returns KindJob.
func (JobEvent) Kind() Kind { return KindJob }

// Kind returns KindReceived.
func (ReceivedEvent) Kind() Kind { return KindReceived }

// Kind returns KindReceivedPage.
func (ReceivedPageEvent) Kind() Kind { return KindReceivedPage }

// Kind returns KindPurged.
func (PurgedEvent) Kind() Kind { return KindPurged }

// Kind returns KindAssigned.
func (AssignedEvent) Kind() Kind { return KindAssigned }

// Kind returns KindLine.
func (LineEvent) Kind() Kind { return KindLine }

// Kind returns KindAccount.
func (AccountEvent) Kind() Kind { return KindAccount }

// Kind returns KindSIPRegistration.
func (SIPRegistration) Kind() Kind { return KindSIPRegistration }
