package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Kind names the kind of an event; it is the "kind" of the store's log
// and of the web UI's event stream frames.
type Kind string

// Kinds of the store's event log.
const (
	KindMessage      Kind = "message"       // a message was created: MessageEvent
	KindJob          Kind = "job"           // a job changed state or progressed: JobEvent
	KindReceived     Kind = "received"      // a fax was received, or its reception ended: ReceivedEvent
	KindReceivedPage Kind = "received.page" // a page of a fax being received is stored: ReceivedPageEvent
	KindPurged       Kind = "purged"        // retention deleted messages and received faxes: PurgedEvent
)

// KindAssigned is the kind of the store's event log that says a received
// fax was routed to another user: AssignedEvent.
const KindAssigned Kind = "received.assigned"

// Kinds of the bus.
const (
	KindLine            Kind = "line"             // a modem or SIP line changed state: LineEvent
	KindAccount         Kind = "account"          // the prepaid account's totals changed: AccountEvent
	KindSIPRegistration Kind = "sip.registration" // a SIP account's registration attempt: SIPRegistration
)

// Payload is the typed payload of an event: one of the structs of this
// package, or Unknown.
type Payload interface {
	Kind() Kind
}

// Event is one entry of the store's event log. Seq increases by at least
// one with every event and is never reused, so a client that saw Seq n
// resumes with the events after n.
type Event struct {
	Seq     int64
	At      time.Time
	Kind    Kind
	Job     int64 // 0 if the event is not about a job
	Payload json.RawMessage
}

// Decode returns e's typed payload (see the package Decode).
func (e Event) Decode() (Payload, error) {
	p, err := Decode(e.Kind, e.Payload)
	if err != nil {
		return p, fmt.Errorf("event %d: %w", e.Seq, err)
	}
	return p, nil
}

// ErrPayload is matched by the error of a payload that is not the JSON
// of its kind.
var ErrPayload = errors.New("events: malformed payload")

// Decode returns the payload of an event of kind k whose JSON is data: a
// value (not a pointer) of the kind's struct. A kind this package does not
// define decodes to Unknown, without error; a payload that is not the JSON
// of its kind is an error matching ErrPayload.
func Decode(k Kind, data []byte) (Payload, error) {
	switch k {
	case KindMessage:
		return decode[MessageEvent](k, data)
	case KindJob:
		return decode[JobEvent](k, data)
	case KindReceived:
		return decode[ReceivedEvent](k, data)
	case KindReceivedPage:
		return decode[ReceivedPageEvent](k, data)
	case KindPurged:
		return decode[PurgedEvent](k, data)
	case KindAssigned:
		return decode[AssignedEvent](k, data)
	case KindLine:
		return decode[LineEvent](k, data)
	case KindAccount:
		return decode[AccountEvent](k, data)
	case KindSIPRegistration:
		return decode[SIPRegistration](k, data)
	}
	return Unknown{Of: k, Data: json.RawMessage(data)}, nil
}

func decode[T Payload](k Kind, data []byte) (Payload, error) {
	var p T
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrPayload, k, err)
	}
	return p, nil
}

// Unknown is the payload of a kind this package does not define (a test's
// or a tool's own kind, or one of a newer version): its JSON as logged.
type Unknown struct {
	Of   Kind
	Data json.RawMessage
}

// Kind returns the event's kind.
func (u Unknown) Kind() Kind { return u.Of }
