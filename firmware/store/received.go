package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"faxbox/firmware/events"
)

// ReceivedCall is how the call of a received fax went.
type ReceivedCall struct {
	ReasonCode string // the engine's outcome: "ok", "partial", "interrupted", ...
	ReasonText string // in plain words
	BitRate    int    // bit/s of the last page
	ECM        bool   // T.30 Annex A error correction
	Coding     string // "MH", "MR", "MMR"
}

// PageQuality is the copy quality of one received page as the decoder
// counted it (pages.Stats).
type PageQuality struct {
	Index             int // 1-based page number
	Rows              int // rows decoded
	BadRows           int // rows that could not be decoded and were replaced
	MaxConsecutiveBad int // the longest run of bad rows
}

// ReceivedPage is one page of a fax being received: its file, already
// written and fsynced, and its quality.
type ReceivedPage struct {
	File    PageFile
	Quality PageQuality
}

// Incoming is a fax whose first page has just arrived.
type Incoming struct {
	Modem       string
	CallerIdent string // the caller's TSI
	CallerID    string // the line's caller ID
	User        int64  // the user it is routed to; 0 for all staff
}

// ReceivedEnd is how the call of a fax being received ended.
type ReceivedEnd struct {
	CallerIdent string // the caller's TSI, as finally known
	Partial     bool   // the call ended before the end of the document
	Quality     string // a summary: "good", "3 bad lines on page 2", ...
	Duration    time.Duration
	Call        ReceivedCall
}

// StartReceived stores a fax being received with its first page (the
// page's file must be written and fsynced before), stamped now, marked
// receiving, and appends an events.KindReceivedPage event: the fax is in the
// inbox from its first page on.
func (s *Store) StartReceived(ctx context.Context, in Incoming, first ReceivedPage) (Received, error) {
	r := Received{Modem: in.Modem, CallerIdent: in.CallerIdent, CallerID: in.CallerID, User: in.User, Receiving: true}
	if err := validPages([]PageFile{first.File}); err != nil {
		return r, err
	}
	err := s.write(ctx, "start received", func(tx *wtx) error {
		r.At = tx.now
		if err := tx.QueryRowContext(ctx, `INSERT INTO store_received (received_at, modem, caller_ident, caller_id,
			pages, receiving, route_user) VALUES (?, ?, ?, ?, 0, 1, ?) RETURNING id`,
			micros(r.At), r.Modem, r.CallerIdent, r.CallerID, sql.NullInt64{Int64: r.User, Valid: r.User != 0}).Scan(&r.ID); err != nil {
			return err
		}
		return tx.addReceivedPage(&r, first)
	})
	return r, err
}

// AddReceivedPage records the next page of fax id, which must be still
// receiving, and appends an events.KindReceivedPage event. Pages come in order:
// the page's index must follow the last one recorded.
func (s *Store) AddReceivedPage(ctx context.Context, id int64, p ReceivedPage) error {
	return s.write(ctx, "add received page", func(tx *wtx) error {
		r, err := scanReceived(tx.QueryRowContext(ctx, `SELECT `+receivedCols+`WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("received fax", id)
		}
		if err != nil {
			return err
		}
		if !r.Receiving {
			return invalid("received fax %d is finished: no page can be added", id)
		}
		return tx.addReceivedPage(&r, p)
	})
}

// addReceivedPage inserts page p of r, counts it in r and appends its
// event.
func (tx *wtx) addReceivedPage(r *Received, p ReceivedPage) error {
	if p.File.Index != r.Pages+1 || p.Quality.Index != p.File.Index {
		return invalid("received fax %d: page %d after page %d", r.ID, p.File.Index, r.Pages)
	}
	if err := validPages([]PageFile{{Index: 1, Path: p.File.Path, SHA256: p.File.SHA256}}); err != nil {
		return err
	}
	if err := insertPages(tx, "received", r.ID, []PageFile{p.File}); err != nil {
		return err
	}
	q := p.Quality
	if _, err := tx.ExecContext(tx.ctx, `INSERT INTO store_received_quality (received, idx, rows, bad_rows, max_bad)
		VALUES (?, ?, ?, ?, ?)`, r.ID, q.Index, q.Rows, q.BadRows, q.MaxConsecutiveBad); err != nil {
		return err
	}
	r.Pages++
	if _, err := tx.ExecContext(tx.ctx, `UPDATE store_received SET pages = ? WHERE id = ?`, r.Pages, r.ID); err != nil {
		return err
	}
	_, err := tx.appendEvent(events.KindReceivedPage, 0, events.ReceivedPageEvent{
		Received: r.ID, Page: q.Index, Pages: r.Pages, User: r.User, Receiving: true,
		CallerIdent: r.CallerIdent, CallerID: r.CallerID, BadRows: q.BadRows,
	})
	return err
}

// FinishReceived ends the reception of fax id as e says and appends an
// events.KindReceived event. A fax already finished is ErrInvalid.
func (s *Store) FinishReceived(ctx context.Context, id int64, e ReceivedEnd) (Received, error) {
	var r Received
	err := s.write(ctx, "finish received", func(tx *wtx) error {
		var err error
		r, err = scanReceived(tx.QueryRowContext(ctx, `SELECT `+receivedCols+`WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("received fax", id)
		}
		if err != nil {
			return err
		}
		if !r.Receiving {
			return invalid("received fax %d is already finished", id)
		}
		if e.CallerIdent != "" {
			r.CallerIdent = e.CallerIdent
		}
		r.Receiving, r.Partial, r.Quality, r.Duration, r.Call = false, e.Partial, e.Quality, e.Duration, e.Call
		return tx.finishReceived(r)
	})
	return r, err
}

// finishReceived writes r's end and its events.KindReceived event.
func (tx *wtx) finishReceived(r Received) error {
	c := r.Call
	if _, err := tx.ExecContext(tx.ctx, `UPDATE store_received SET receiving = 0, caller_ident = ?, partial = ?,
		quality = ?, duration_ms = ?, reason_code = ?, reason_text = ?, bit_rate = ?, ecm = ?, coding = ?
		WHERE id = ?`, r.CallerIdent, r.Partial, r.Quality, r.Duration.Milliseconds(), c.ReasonCode, c.ReasonText,
		c.BitRate, c.ECM, c.Coding, r.ID); err != nil {
		return err
	}
	_, err := tx.appendEvent(events.KindReceived, 0, receivedEvent(r))
	return err
}

func receivedEvent(r Received) events.ReceivedEvent {
	return events.ReceivedEvent{Received: r.ID, CallerIdent: r.CallerIdent, CallerID: r.CallerID,
		Pages: r.Pages, Partial: r.Partial, User: r.User}
}

// RecoverReceived finishes, as partial, the faxes that a crash or power
// cut left receiving: the pages recorded before it are kept. It returns
// their ids. Run it before the modems answer again.
func (s *Store) RecoverReceived(ctx context.Context) ([]int64, error) {
	var ids []int64
	err := s.write(ctx, "recover received", func(tx *wtx) error {
		ids = nil
		rs, err := queryAll(ctx, tx, `SELECT `+receivedCols+`WHERE receiving = 1 ORDER BY id`, scanReceived)
		if err != nil {
			return err
		}
		for _, r := range rs {
			r.Receiving, r.Partial = false, true
			r.Call.ReasonCode = "interrupted"
			r.Call.ReasonText = "the fax appliance stopped during the call; the pages received before were kept"
			if err := tx.finishReceived(r); err != nil {
				return err
			}
			ids = append(ids, r.ID)
		}
		return nil
	})
	return ids, err
}

// AddReceived stores a received fax, stamped now, with its page files,
// and appends an events.KindReceived event.
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
		_, err := tx.appendEvent(events.KindReceived, 0, receivedEvent(r))
		return err
	})
	return r, err
}

const receivedCols = `id, received_at, modem, caller_ident, caller_id, pages, quality, partial, duration_ms, path,
	receiving, coalesce(route_user, 0), reason_code, reason_text, bit_rate, ecm, coding
	FROM store_received `

func scanReceived(sc interface{ Scan(...any) error }) (Received, error) {
	var r Received
	var at, ms int64
	err := sc.Scan(&r.ID, &at, &r.Modem, &r.CallerIdent, &r.CallerID, &r.Pages, &r.Quality, &r.Partial, &ms, &r.Path,
		&r.Receiving, &r.User, &r.Call.ReasonCode, &r.Call.ReasonText, &r.Call.BitRate, &r.Call.ECM, &r.Call.Coding)
	r.At, r.Duration = fromMicros(at), time.Duration(ms)*time.Millisecond
	return r, err
}

// ListReceived returns received faxes newest first, without their page
// files. Only o.Before and o.Limit apply.
func (s *Store) ListReceived(ctx context.Context, o ListOptions) ([]Received, error) {
	return s.ListInbox(ctx, 0, o)
}

// ListInbox returns, newest first and without their page files, the
// received faxes that user may see: those routed to user and those routed
// to all staff; user 0 means every fax (an administrator's view). Only
// o.Before and o.Limit apply.
func (s *Store) ListInbox(ctx context.Context, user int64, o ListOptions) ([]Received, error) {
	if o.Limit <= 0 {
		o.Limit = 50
	}
	out, err := queryAll(ctx, s.db, `SELECT `+receivedCols+`WHERE (?1 = 0 OR id < ?1)
		AND (?2 = 0 OR route_user IS NULL OR route_user = ?2) ORDER BY id DESC LIMIT ?3`,
		scanReceived, o.Before, user, o.Limit)
	if err != nil {
		return nil, fmt.Errorf("store: list received: %w", err)
	}
	return out, nil
}

// GetReceived returns a received fax with its page files and their
// quality.
func (s *Store) GetReceived(ctx context.Context, id int64) (Received, error) {
	r, err := scanReceived(s.db.QueryRowContext(ctx, `SELECT `+receivedCols+`WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, notFound("received fax", id)
	}
	if err != nil {
		return r, fmt.Errorf("store: received fax %d: %w", id, err)
	}
	r.Files, err = queryAll(ctx, s.db, `SELECT idx, path, sha256 FROM store_pages WHERE received = ? ORDER BY idx`,
		func(sc interface{ Scan(...any) error }) (PageFile, error) {
			var p PageFile
			return p, sc.Scan(&p.Index, &p.Path, &p.SHA256)
		}, id)
	if err == nil {
		r.PageQuality, err = queryAll(ctx, s.db, `SELECT idx, rows, bad_rows, max_bad FROM store_received_quality
			WHERE received = ? ORDER BY idx`, func(sc interface{ Scan(...any) error }) (PageQuality, error) {
			var q PageQuality
			return q, sc.Scan(&q.Index, &q.Rows, &q.BadRows, &q.MaxConsecutiveBad)
		}, id)
	}
	if err != nil {
		return r, fmt.Errorf("store: received fax %d: %w", id, err)
	}
	return r, nil
}
