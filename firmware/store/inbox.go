package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"faxbox/firmware/events"
)

// The inbox as each user sees it: which faxes they have read, to whom a
// fax is assigned (its route_user), and deleting one.

// SetRead marks received fax id read (or unread again) for user.
func (s *Store) SetRead(ctx context.Context, id, user int64, read bool) error {
	return s.write(ctx, "mark received read", func(tx *wtx) error {
		if err := receivedExists(tx, id); err != nil {
			return err
		}
		q, args := `DELETE FROM store_received_reads WHERE received = ? AND user = ?`, []any{id, user}
		if read {
			q, args = `INSERT INTO store_received_reads (received, user, read_at) VALUES (?, ?, ?)
				ON CONFLICT DO NOTHING`, []any{id, user, micros(tx.now)}
		}
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	})
}

// ReadBy returns which of the received faxes ids user has read.
func (s *Store) ReadBy(ctx context.Context, user int64, ids []int64) (map[int64]bool, error) {
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM store_received_reads WHERE received = ? AND user = ?`,
			id, user).Scan(&n); err != nil {
			return nil, fmt.Errorf("store: read by user %d: %w", user, err)
		}
		out[id] = n > 0
	}
	return out, nil
}

// Unread counts the finished received faxes that user has not read among
// those visible: routed to routedTo or to all staff, or every fax when
// routedTo is 0 (an administrator's inbox, as ListInbox).
func (s *Store) Unread(ctx context.Context, user, routedTo int64) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM store_received r WHERE r.receiving = 0
		AND (?2 = 0 OR r.route_user IS NULL OR r.route_user = ?2)
		AND NOT EXISTS (SELECT 1 FROM store_received_reads x WHERE x.received = r.id AND x.user = ?1)`,
		user, routedTo).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: unread faxes of user %d: %w", user, err)
	}
	return n, nil
}

// AssignReceived routes received fax id to user (0: to all staff), as if
// it had come in for them; it is unread for them until they read it. The
// change is logged as an events.KindAssigned event naming by, the user who
// assigned it (0 if none did), so that the inboxes it leaves and enters
// follow it.
func (s *Store) AssignReceived(ctx context.Context, id, user, by int64) error {
	return s.write(ctx, "assign received", func(tx *wtx) error {
		var previous int64
		err := tx.QueryRowContext(ctx, `SELECT coalesce(route_user, 0) FROM store_received WHERE id = ?`, id).Scan(&previous)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("received fax", id)
		}
		if err != nil {
			return fmt.Errorf("store: received fax %d: %w", id, err)
		}
		if user != 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM store_users WHERE id = ?`, user).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return notFound("user", user)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE store_received SET route_user = ? WHERE id = ?`,
			sql.NullInt64{Int64: user, Valid: user != 0}, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM store_received_reads WHERE received = ? AND user = ?`, id, user); err != nil {
			return err
		}
		_, err = tx.appendEvent(events.KindAssigned, 0,
			events.AssignedEvent{Received: id, User: user, Previous: previous, By: by})
		return err
	})
}

// DeleteReceived deletes received fax id and its files as retention does
// (Purge): the rows and an EventPurged event in one transaction, then the
// files no other row refers to. A fax still being received is refused
// with ErrInvalid.
func (s *Store) DeleteReceived(ctx context.Context, id int64) (PurgeResult, error) {
	r, err := s.GetReceived(ctx, id)
	if err != nil {
		return PurgeResult{}, err
	}
	if r.Receiving {
		return PurgeResult{}, invalid("received fax %d is still being received: delete it once the call ended", id)
	}
	res, files, err := s.purgeBatch(ctx, `SELECT 'received', id FROM store_received WHERE id = ? AND receiving = 0`, id)
	if err != nil {
		return res, fmt.Errorf("store: delete received fax %d: %w", id, err)
	}
	if res.Received == 0 {
		return res, notFound("received fax", id)
	}
	res.Files, res.Bytes, err = s.removeFiles(files)
	if err != nil {
		return res, fmt.Errorf("store: delete received fax %d: removing files (left for Sweep): %w", id, err)
	}
	return res, nil
}

func receivedExists(tx *wtx, id int64) error {
	var n int
	err := tx.QueryRowContext(tx.ctx, `SELECT count(*) FROM store_received WHERE id = ?`, id).Scan(&n)
	if err == nil && n == 0 {
		err = notFound("received fax", id)
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		err = fmt.Errorf("store: received fax %d: %w", id, err)
	}
	return err
}
