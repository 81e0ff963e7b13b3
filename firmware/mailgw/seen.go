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
	db *sql.DB
	mu sync.Mutex // serialises Once: two copies of a mail at once queue one
}

// OpenSeen opens (creating if needed) the table in the database at path.
func OpenSeen(ctx context.Context, path string) (*Seen, error) {
	db, err := sqlitedb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mailgw: %w", err)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS mailgw_seen (
		sender     INTEGER NOT NULL,
		message_id TEXT NOT NULL CHECK (message_id <> ''),
		message    INTEGER NOT NULL,
		pages      INTEGER NOT NULL,
		estimate   TEXT NOT NULL,
		PRIMARY KEY (sender, message_id))`); err != nil {
		db.Close()
		return nil, fmt.Errorf("mailgw: open %s: %w", path, err)
	}
	return &Seen{db: db}, nil
}

// Close closes the database handle.
func (s *Seen) Close() error { return s.db.Close() }

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
