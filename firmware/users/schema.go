package users

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// migrations returns the schema steps, applied in order, each in its own
// transaction together with users_schema.version. Never edit a released
// step: append a new one. Times are unix microseconds (UTC), as in
// packages store and billing. Every table is prefixed "users_"; accounts
// reference the store's users, whose ids they share.
func migrations() []string {
	return []string{
		// 1: accounts, sessions, audit log.
		`CREATE TABLE users_accounts (
		id          INTEGER PRIMARY KEY REFERENCES store_users(id),
		name        TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (name <> ''),
		email       TEXT NOT NULL DEFAULT '',
		admin       INTEGER NOT NULL DEFAULT 0 CHECK (admin IN (0, 1)),
		disabled    INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
		password    TEXT NOT NULL, -- PHC string (argon2id) or bcrypt hash
		must_change INTEGER NOT NULL DEFAULT 0 CHECK (must_change IN (0, 1)),
		created_at  INTEGER NOT NULL,
		updated_at  INTEGER NOT NULL
	);

	CREATE TABLE users_sessions (
		token_hash BLOB PRIMARY KEY, -- SHA-256 of the cookie's token
		account    INTEGER NOT NULL REFERENCES users_accounts(id) ON DELETE CASCADE,
		created_at INTEGER NOT NULL,
		last_seen  INTEGER NOT NULL,
		expires_at INTEGER NOT NULL  -- absolute expiry
	);
	CREATE INDEX users_sessions_account ON users_sessions(account);

	CREATE TABLE users_audit (
		id     INTEGER PRIMARY KEY,
		at     INTEGER NOT NULL,
		actor  TEXT NOT NULL,
		action TEXT NOT NULL,
		detail TEXT NOT NULL
	);`,
	}
}

// migrate applies the pending migrations, each in one transaction with the
// new version in users_schema.
func (s *Store) migrate(ctx context.Context) error {
	steps := migrations()
	for {
		done, err := s.migrateOne(ctx, steps)
		if err != nil || done {
			return err
		}
	}
}

// migrateOne applies the next migration, if any, and reports whether the
// schema was already current.
func (s *Store) migrateOne(ctx context.Context, steps []string) (done bool, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("migrate: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS users_schema (
		id      INTEGER PRIMARY KEY CHECK (id = 1),
		version INTEGER NOT NULL)`); err != nil {
		return false, fmt.Errorf("migrate: %w", err)
	}
	var v int
	err = tx.QueryRowContext(ctx, "SELECT version FROM users_schema WHERE id = 1").Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("read schema version: %w", err)
	}
	switch {
	case v > len(steps):
		return false, fmt.Errorf("%w: version %d, this Faxbox knows %d", ErrSchemaTooNew, v, len(steps))
	case v == len(steps):
		return true, tx.Commit()
	}
	if _, err := tx.ExecContext(ctx, steps[v]); err != nil {
		return false, fmt.Errorf("migration %d: %w", v+1, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO users_schema (id, version) VALUES (1, ?)
		ON CONFLICT (id) DO UPDATE SET version = excluded.version`, v+1); err != nil {
		return false, fmt.Errorf("migration %d: %w", v+1, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migration %d: commit: %w", v+1, err)
	}
	return false, nil
}
