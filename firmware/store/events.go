package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"faxbox/firmware/events"
)

// Event kinds that the store appends itself, in the transaction of the
// change they report; their payloads are package events' structs:
// events.KindReceivedPage for each page of a fax being received, so that
// the inbox shows the pages as they arrive, then events.KindReceived when
// the call ends; events.KindPurged when Purge deletes messages or received
// faxes, so that a view drops them.
//
// Deprecated: use the events.Kind constants.
const (
	EventMessage      = events.KindMessage
	EventJob          = events.KindJob
	EventReceived     = events.KindReceived
	EventReceivedPage = events.KindReceivedPage
	EventPurged       = events.KindPurged
)

// Event is one entry of the event log (events.Event): Seq increases by at
// least one with every event and is never reused, so a client that saw Seq
// n resumes with EventsSince(n). Event.Decode returns its typed payload.
type Event = events.Event

// appendEvent appends an event in tx; payload is marshalled to JSON
// unless it is a json.RawMessage.
func (tx *wtx) appendEvent(kind events.Kind, job int64, payload any) (Event, error) {
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
func (s *Store) AppendEvent(ctx context.Context, kind events.Kind, job int64, payload any) (Event, error) {
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
