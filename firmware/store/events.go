package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Event kinds that the store appends itself, in the transaction of the
// change they report.
const (
	EventMessage  = "message"  // a message was created; payload messageEvent
	EventJob      = "job"      // a job changed state or progressed; payload jobEvent
	EventReceived = "received" // a fax was received; payload {"received": id, ...}
)

// Event is one entry of the event log. Seq increases by at least one with
// every event and is never reused, so a client that saw Seq n resumes with
// EventsSince(n).
type Event struct {
	Seq     int64
	At      time.Time
	Kind    string
	Job     int64 // 0 if the event is not about a job
	Payload json.RawMessage
}

// messageEvent is the payload of EventMessage.
type messageEvent struct {
	Message int64        `json:"message"`
	Sender  int64        `json:"sender"`
	Jobs    []int64      `json:"jobs"`
	State   MessageState `json:"message_state"`
}

// jobEvent is the payload of EventJob.
type jobEvent struct {
	Job             int64        `json:"job"`
	Message         int64        `json:"message"`
	MessageState    MessageState `json:"message_state"`
	State           State        `json:"state"`
	CancelRequested bool         `json:"cancel_requested,omitempty"`
	Attempts        int          `json:"attempts"`
	MaxAttempts     int          `json:"max_attempts"`
	PagesTotal      int          `json:"pages_total"`
	PagesConfirmed  int          `json:"pages_confirmed"`
	NextAttempt     *time.Time   `json:"next_attempt,omitempty"`
	ReasonCode      string       `json:"reason,omitempty"`
	ReasonText      string       `json:"reason_text,omitempty"`
}

// appendEvent appends an event in tx; payload is marshalled to JSON
// unless it is a json.RawMessage.
func (tx *wtx) appendEvent(kind string, job int64, payload any) (Event, error) {
	e := Event{At: tx.now, Kind: kind, Job: job}
	switch p := payload.(type) {
	case nil:
		e.Payload = json.RawMessage("{}")
	case json.RawMessage:
		e.Payload = p
	default:
		b, err := json.Marshal(p)
		if err != nil {
			return e, invalid("event payload: %v", err)
		}
		e.Payload = b
	}
	if !json.Valid(e.Payload) {
		return e, invalid("event payload is not JSON")
	}
	jobArg := sql.NullInt64{Int64: job, Valid: job != 0}
	if err := tx.QueryRowContext(tx.ctx, `INSERT INTO store_events (at, kind, job, payload) VALUES (?, ?, ?, ?)
		RETURNING seq`, micros(tx.now), kind, jobArg, string(e.Payload)).Scan(&e.Seq); err != nil {
		return e, err
	}
	tx.appended = true
	return e, nil
}

// AppendEvent appends an event of the caller's own kind (say
// "modem.state"), about job (0 for none), with payload marshalled to JSON
// (a json.RawMessage is stored as is).
func (s *Store) AppendEvent(ctx context.Context, kind string, job int64, payload any) (Event, error) {
	if kind == "" {
		return Event{}, invalid("event without a kind")
	}
	var e Event
	err := s.write(ctx, "append event", func(tx *wtx) error {
		var err error
		e, err = tx.appendEvent(kind, job, payload)
		return err
	})
	return e, err
}

// EventsSince returns up to limit events with Seq greater than seq, oldest
// first; limit 0 means 1000. Start with seq 0.
func (s *Store) EventsSince(ctx context.Context, seq int64, limit int) ([]Event, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.db.QueryContext(ctx, `SELECT seq, at, kind, job, payload FROM store_events
		WHERE seq > ? ORDER BY seq LIMIT ?`, seq, limit)
	if err != nil {
		return nil, fmt.Errorf("store: events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		var job sql.NullInt64
		var payload string
		if err := rows.Scan(&e.Seq, &at, &e.Kind, &job, &payload); err != nil {
			return nil, fmt.Errorf("store: events: %w", err)
		}
		e.At, e.Job, e.Payload = fromMicros(at), job.Int64, json.RawMessage(payload)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: events: %w", err)
	}
	return out, nil
}

// PruneEvents deletes the events older than before. Sequence numbers are
// not reused; a client whose next event was pruned sees a gap in Seq and
// reloads its view.
func (s *Store) PruneEvents(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, "prune events", func(tx *wtx) error {
		r, err := tx.ExecContext(ctx, `DELETE FROM store_events WHERE at < ?`, micros(before))
		if err != nil {
			return err
		}
		n, err = r.RowsAffected()
		return err
	})
	return n, err
}
