package store

import (
	"fmt"
	"time"
)

// State is a job's state, in words a user understands.
//
//	queued ──claim──▶ dialing ──connected──▶ sending
//	  ▲                  │                      │
//	  │                  └──────finish──────────┤
//	retry ◀─────────────────────────────────────┼──▶ delivered | failed
//	  │                                         │
//	  └──claim──▶ dialing               cancel ─┴──▶ cancelled
//
// Queued and Retry jobs wait for their next attempt time; Dialing and
// Sending jobs are in a call; Delivered, Failed and Cancelled are final.
type State uint8

// Job states.
const (
	Queued    State = iota + 1 // waiting for its first attempt
	Dialing                    // claimed by a worker; dialling
	Sending                    // connected; sending pages
	Retry                      // waiting for another attempt
	Delivered                  // every page confirmed by the remote
	Failed                     // given up
	Cancelled                  // cancelled by a user
)

var stateNames = [...]string{
	Queued: "queued", Dialing: "dialing", Sending: "sending", Retry: "retry",
	Delivered: "delivered", Failed: "failed", Cancelled: "cancelled",
}

// String returns the state's name as stored, e.g. "retry".
func (s State) String() string {
	if int(s) < len(stateNames) && stateNames[s] != "" {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// MarshalText encodes the state as its name.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ParseState returns the state named name.
func ParseState(name string) (State, error) {
	for i, n := range stateNames {
		if n != "" && n == name {
			return State(i), nil
		}
	}
	return 0, invalid("unknown job state %q", name)
}

// Final reports whether no further attempt will be made in this state.
func (s State) Final() bool { return s == Delivered || s == Failed || s == Cancelled }

// Active reports whether a call is in progress in this state.
func (s State) Active() bool { return s == Dialing || s == Sending }

// Field is the address field a recipient was given in.
type Field uint8

// Address fields. Bcc recipients are sent the fax but must appear on no
// one else's page; the store keeps them, the renderer hides them.
const (
	To Field = iota + 1
	Cc
	Bcc
)

var fieldNames = [...]string{To: "to", Cc: "cc", Bcc: "bcc"}

// String returns "to", "cc" or "bcc".
func (f Field) String() string {
	if int(f) < len(fieldNames) && fieldNames[f] != "" {
		return fieldNames[f]
	}
	return fmt.Sprintf("Field(%d)", uint8(f))
}

// MarshalText encodes the field as its name.
func (f Field) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

func parseField(s string) (Field, error) {
	for i, n := range fieldNames {
		if n != "" && n == s {
			return Field(i), nil
		}
	}
	return 0, fmt.Errorf("store: unknown field %q in database", s)
}

// MessageState summarises a message's jobs.
type MessageState string

// Message states, recomputed in the transaction of every job transition.
const (
	MessageActive    MessageState = "active"    // some job is not final
	MessageDelivered MessageState = "delivered" // every job delivered
	MessagePartial   MessageState = "partial"   // some delivered, some failed or cancelled
	MessageFailed    MessageState = "failed"    // none delivered, some failed
	MessageCancelled MessageState = "cancelled" // every job cancelled
)

// User is a sender. The web UI adds sessions and roles elsewhere.
type User struct {
	ID   int64
	Name string
}

// Recipient is one destination of a message.
type Recipient struct {
	ID     int64 // set by the store
	Field  Field
	Number string // E.164, e.g. "+3225551212"
	Name   string // display name, may be empty
	// Estimate is the cost expected when the message was submitted, in
	// the ledger's micro-units (billing.Amount), and EstimateTime the
	// connected time it was priced for; zero when none was made.
	Estimate     int64
	EstimateTime time.Duration
	// Pages, when not empty, are this recipient's own copy of the fax
	// (its own header, Bcc recipients hidden): CreateMessage gives them to
	// the recipient's job in the transaction that creates it, so no
	// worker ever sees the job without them. Empty means the message's
	// Pages. GetMessage does not fill them in: see Store.Pages.
	Pages []PageFile
}

// PageFile is a page image (or a whole document) kept as a file beside the
// database.
type PageFile struct {
	Index  int    // 1-based page number
	Path   string // file path, relative to the data directory or absolute
	SHA256 string // hex SHA-256 of the file's content
}

// Page is a page of a job and whether the remote has confirmed it.
type Page struct {
	PageFile
	Confirmed bool
}

// NewMessage is what CreateMessage stores.
type NewMessage struct {
	Sender     int64 // a User's id
	Subject    string
	Body       string
	Recipients []Recipient // at least one
	// Pages are the rendered pages of the message as a whole (the archive
	// and the sender's view); a job sends them unless its Recipient has
	// Pages of its own.
	Pages []PageFile
	// MaxAttempts per recipient; 0 means Config.MaxAttempts.
	MaxAttempts int
	// Resolution is what the pages were rendered at: "standard", "fine"
	// or "superfine"; "" means standard.
	Resolution string
}

// Message is a stored message. ListMessages fills the summary fields;
// GetMessage fills Body, Recipients and Jobs too.
type Message struct {
	ID         int64
	Sender     int64
	SenderName string
	Subject    string
	Body       string
	Created    time.Time
	State      MessageState
	Resolution string // "standard", "fine" or "superfine"
	Recipients []Recipient
	Jobs       []Job
	// Counts of the message's jobs by state.
	Counts map[State]int
}

// Job is the sending of one message to one recipient.
type Job struct {
	ID              int64
	Message         int64
	Recipient       Recipient
	State           State
	CancelRequested bool // cancelled while in a call: it ends cancelled unless delivered
	Attempts        int  // attempts started
	MaxAttempts     int
	NextAttempt     time.Time // when a queued or retry job is due
	ReasonCode      string    // of the last attempt ("busy", "interrupted", ...)
	ReasonText      string
	PagesTotal      int
	PagesConfirmed  int // distinct pages the remote confirmed, over all attempts
	Updated         time.Time
	// ManualRetry is set by RetryNow until the attempt it asked for
	// starts: that attempt does not count against MaxAttempts.
	ManualRetry bool
	History     []Attempt // filled by GetMessage and GetJob
}

// AttemptsLeft returns how many more attempts the job may make.
func (j Job) AttemptsLeft() int { return max(j.MaxAttempts-j.Attempts, 0) }

// Params are what was negotiated with the remote fax machine.
type Params struct {
	BitRate     int    // bit/s, e.g. 14400
	ECM         bool   // T.30 Annex A error correction
	Coding      string // "MH", "MR", "MMR"
	RemoteIdent string // the remote's CSI (T.30 §5.3.6.1.4)
	// Resolution is the lowest resolution negotiated (DCS, T.30 Table 2):
	// "standard", "fine", "superfine"; "" when unknown.
	Resolution string
	// MergedPages counts the pages sent at a lower resolution than they
	// were rendered at, their rows merged, because the receiver lacked it.
	MergedPages int
}

// Attempt is one call made for a job.
type Attempt struct {
	ID             int64
	Job            int64
	Number         int // 1-based within the job
	Modem          string
	FirstPage      int // first page this attempt was to send
	Started        time.Time
	Connected      time.Time // zero if the call was not answered by a fax
	Ended          time.Time // zero while in progress
	Duration       time.Duration
	ReasonCode     string
	ReasonText     string
	PagesConfirmed int
	Params
	// PageInProgress is the page (index in the job) being sent, of which
	// PageSent of PageBytes coded bytes went out (RecordPageProgress).
	PageInProgress, PageSent, PageBytes int
	// TracePath is the call's trace file (T.30 frames and events, the
	// modem's wire log), relative to the data directory or absolute;
	// empty if none was kept.
	TracePath string
}

// Outcome is how an attempt ended and what becomes of its job.
type Outcome struct {
	// Next is Delivered, Retry or Failed. A job whose cancellation was
	// requested during the call ends Cancelled unless Delivered.
	Next State
	// RetryAt is when a Retry job is due again.
	RetryAt    time.Time
	ReasonCode string // short machine-readable cause: "busy", "no-answer", ...
	ReasonText string // in plain words, for the sender
	// Duration is the connected time, measured on the monotonic clock.
	Duration time.Duration
	// Params, when not nil, replace what RecordConnected recorded.
	Params *Params
	// TracePath, when not empty, replaces what RecordTrace recorded.
	TracePath string
}

// Recovered is a job that Recover found in a call. The daemon settles the
// attempt's billing call separately (billing.Ledger.Recover).
type Recovered struct {
	Job     Job      // after recovery
	Attempt *Attempt // the attempt closed as interrupted; nil if none was started
}

// Received is a fax received for the inbox.
type Received struct {
	ID          int64
	At          time.Time // set by the store
	Modem       string
	CallerIdent string // the caller's TSI
	CallerID    string // the caller's number from the line's caller ID
	Pages       int
	Quality     string // e.g. "good", "some bad lines"
	Partial     bool   // the call ended before the last page
	Duration    time.Duration
	Path        string     // the whole document, if kept as one file
	Files       []PageFile // the page files
	// The fields below are those of faxes received page by page
	// (StartReceived, received.go).
	Receiving bool  // the call is still in progress
	User      int64 // the user it is routed to; 0 for all staff
	Call      ReceivedCall
	// PageQuality is each page's copy quality (GetReceived), in order.
	PageQuality []PageQuality
}

// ListOptions selects a page of a list, newest first.
type ListOptions struct {
	Sender int64 // only this sender's messages; 0 for all
	Before int64 // only ids below this; 0 for the newest
	Limit  int   // 0 means 50
}
