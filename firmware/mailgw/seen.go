package mailgw

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"faxbox/internal/sqlitedb"
)

// Seen remembers the mails a Submitter queued, by sender account and
// Message-ID, in its own table (mailgw_seen) of the appliance's SQLite
// file: a client that sends a mail again after a lost reply is answered
// with the first receipt instead of being billed twice. Once wraps a
// submission with that check.
//
// The check and the record are not one transaction with the store's: a
// crash between the message being queued and its Message-ID recorded
// lets a retried mail through once more.
type Seen struct {
	db      *sql.DB
	release func() error // closes db if OpenSeen opened it
	mu      sync.Mutex   // serialises Once: two copies of a mail at once queue one
}

// OpenSeen opens (creating if needed) the table in the database at path.
func OpenSeen(ctx context.Context, path string) (*Seen, error) {
	return openSeen(ctx, nil, path)
}

// NewSeen is OpenSeen on a database handle that the caller opened with
// sqlitedb.Open and closes after Close.
func NewSeen(ctx context.Context, db *sql.DB) (*Seen, error) {
	return openSeen(ctx, db, "the database")
}

func openSeen(ctx context.Context, given *sql.DB, path string) (*Seen, error) {
	db, release, err := sqlitedb.Use(given, path)
	if err != nil {
		return nil, fmt.Errorf("mailgw: %w", err)
	}
	if err := sqlitedb.Migrate(ctx, db, "mailgw_schema", migrations(), ErrSchemaTooNew); err != nil {
		release()
		return nil, fmt.Errorf("mailgw: open %s: %w", path, err)
	}
	return &Seen{db: db, release: release}, nil
}

// migrations are the gateway's schema steps, applied in order, each in
// its own transaction with mailgw_schema.version (sqlitedb.Migrate).
// Never edit a released step: append one.
func migrations() []string {
	return []string{
		// 1: the Message-IDs seen. IF NOT EXISTS: the table was made
		// without a version before mailgw_schema.
		`CREATE TABLE IF NOT EXISTS mailgw_seen (
		sender     INTEGER NOT NULL,
		message_id TEXT NOT NULL CHECK (message_id <> ''),
		message    INTEGER NOT NULL,
		pages      INTEGER NOT NULL,
		estimate   TEXT NOT NULL,
		PRIMARY KEY (sender, message_id))`,
	}
}

// Close closes the database handle, unless it was given to NewSeen.
func (s *Seen) Close() error { return s.release() }

// Once runs submit for sub unless a mail with the same sender and
// Message-ID was queued before; then it returns that receipt with
// ErrDuplicate. A mail without a Message-ID is always submitted.
func (s *Seen) Once(ctx context.Context, sub Submission, submit func() (Receipt, error)) (Receipt, error) {
	if sub.MessageID == "" {
		return submit()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var r Receipt
	err := s.db.QueryRowContext(ctx, `SELECT message, pages, estimate FROM mailgw_seen WHERE sender = ? AND message_id = ?`,
		sub.Sender.ID, sub.MessageID).Scan(&r.Message, &r.Pages, &r.Estimate)
	switch {
	case err == nil:
		return r, ErrDuplicate
	case !errors.Is(err, sql.ErrNoRows):
		return Receipt{}, fmt.Errorf("mailgw: seen: %w", err)
	}
	r, err = submit()
	if err != nil {
		return r, err
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO mailgw_seen (sender, message_id, message, pages, estimate)
		VALUES (?, ?, ?, ?, ?)`, sub.Sender.ID, sub.MessageID, r.Message, r.Pages, r.Estimate); err != nil {
		// Queued all the same: the mail is not lost, only its repeat
		// would not be recognised.
		return r, nil
	}
	return r, nil
}
