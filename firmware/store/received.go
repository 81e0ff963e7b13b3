package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// AddReceived stores a received fax, stamped now, with its page files,
// and appends an EventReceived event.
func (s *Store) AddReceived(ctx context.Context, r Received) (Received, error) {
	if r.Pages < 0 {
		return r, invalid("received fax with %d pages", r.Pages)
	}
	if err := validPages(r.Files); err != nil {
		return r, err
	}
	err := s.write(ctx, "add received", func(tx *wtx) error {
		r.At = tx.now
		if err := tx.QueryRowContext(ctx, `INSERT INTO store_received (received_at, modem, caller_ident,
			caller_id, pages, quality, partial, duration_ms, path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			micros(r.At), r.Modem, r.CallerIdent, r.CallerID, r.Pages, r.Quality, r.Partial,
			r.Duration.Milliseconds(), r.Path).Scan(&r.ID); err != nil {
			return err
		}
		if err := insertPages(tx, "received", r.ID, r.Files); err != nil {
			return err
		}
		_, err := tx.appendEvent(EventReceived, 0, map[string]any{
			"received": r.ID, "caller_ident": r.CallerIdent, "caller_id": r.CallerID,
			"pages": r.Pages, "partial": r.Partial,
		})
		return err
	})
	return r, err
}

const receivedCols = `id, received_at, modem, caller_ident, caller_id, pages, quality, partial, duration_ms, path
	FROM store_received `

func scanReceived(sc interface{ Scan(...any) error }) (Received, error) {
	var r Received
	var at, ms int64
	err := sc.Scan(&r.ID, &at, &r.Modem, &r.CallerIdent, &r.CallerID, &r.Pages, &r.Quality, &r.Partial, &ms, &r.Path)
	r.At, r.Duration = fromMicros(at), time.Duration(ms)*time.Millisecond
	return r, err
}

// ListReceived returns received faxes newest first, without their page
// files. Only o.Before and o.Limit apply.
func (s *Store) ListReceived(ctx context.Context, o ListOptions) ([]Received, error) {
	if o.Limit <= 0 {
		o.Limit = 50
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+receivedCols+`WHERE (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?`,
		o.Before, o.Before, o.Limit)
	if err != nil {
		return nil, fmt.Errorf("store: list received: %w", err)
	}
	defer rows.Close()
	var out []Received
	for rows.Next() {
		r, err := scanReceived(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list received: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// GetReceived returns a received fax with its page files.
func (s *Store) GetReceived(ctx context.Context, id int64) (Received, error) {
	r, err := scanReceived(s.db.QueryRowContext(ctx, `SELECT `+receivedCols+`WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, notFound("received fax", id)
	}
	if err != nil {
		return r, fmt.Errorf("store: received fax %d: %w", id, err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT idx, path, sha256 FROM store_pages WHERE received = ? ORDER BY idx`, id)
	if err != nil {
		return r, fmt.Errorf("store: received fax %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var p PageFile
		if err := rows.Scan(&p.Index, &p.Path, &p.SHA256); err != nil {
			return r, fmt.Errorf("store: received fax %d: %w", id, err)
		}
		r.Files = append(r.Files, p)
	}
	return r, rows.Err()
}
