package users

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// AuditEntry is one administrative change.
type AuditEntry struct {
	ID     int64
	At     time.Time
	Actor  string // the administrator's name, "console" for the installer console
	Action string // "setup", "user.create", "user.update", "user.password", "me.password", "password.reset"
	Detail string // what changed, in words; never a password
}

// Audit limits.
const (
	DefaultAuditLimit = 50
	MaxAuditLimit     = 500
)

// audit appends an entry in the transaction of the change it records.
func audit(ctx context.Context, tx *sql.Tx, now time.Time, actor, action, detail string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO users_audit (at, actor, action, detail) VALUES (?, ?, ?, ?)`,
		micros(now), actor, action, detail)
	return err
}

// Audit returns up to limit entries older than entry before (0: the
// newest), newest first. limit 0 means DefaultAuditLimit; it is capped at
// MaxAuditLimit.
func (s *Store) Audit(ctx context.Context, before int64, limit int) ([]AuditEntry, error) {
	if before < 0 || limit < 0 {
		return nil, invalid("before and limit cannot be negative")
	}
	if limit == 0 {
		limit = DefaultAuditLimit
	}
	limit = min(limit, MaxAuditLimit)
	q := `SELECT id, at, actor, action, detail FROM users_audit ORDER BY id DESC LIMIT ?`
	args := []any{limit}
	if before > 0 {
		q = `SELECT id, at, actor, action, detail FROM users_audit WHERE id < ? ORDER BY id DESC LIMIT ?`
		args = []any{before, limit}
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("users: audit: %w", err)
	}
	defer rows.Close()
	out := []AuditEntry{}
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Detail); err != nil {
			return nil, fmt.Errorf("users: audit: %w", err)
		}
		e.At = fromMicros(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("users: audit: %w", err)
	}
	return out, nil
}
