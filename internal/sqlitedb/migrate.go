package sqlitedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Migrate brings the tables of one owner (the store, the accounts, the
// address book) to the last of steps: each pending step runs in its own
// transaction together with the new version, kept in the one-row table
// versionTable. Steps are never edited once released, only appended. A
// database at a version beyond steps (written by a newer Faxbox) is
// refused with an error wrapping tooNew: a downgrade would lose data.
func Migrate(ctx context.Context, db *sql.DB, versionTable string, steps []string, tooNew error) error {
	for {
		done, err := migrateOne(ctx, db, versionTable, steps, tooNew)
		if err != nil || done {
			return err
		}
	}
}

// migrateOne applies the next step, if any, and reports whether the schema
// was already current.
func migrateOne(ctx context.Context, db *sql.DB, table string, steps []string, tooNew error) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("migrate: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if err := createVersionTable(ctx, tx, table); err != nil {
		return false, fmt.Errorf("migrate: %w", err)
	}
	var v int
	err = tx.QueryRowContext(ctx, "SELECT version FROM "+table+" WHERE id = 1").Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("read schema version: %w", err)
	}
	switch {
	case v > len(steps):
		return false, fmt.Errorf("%w: version %d, this Faxbox knows %d: downgrade refused", tooNew, v, len(steps))
	case v == len(steps):
		return true, tx.Commit()
	}
	if _, err := tx.ExecContext(ctx, steps[v]); err != nil {
		return false, fmt.Errorf("migration %d: %w", v+1, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+table+` (id, version) VALUES (1, ?)
		ON CONFLICT (id) DO UPDATE SET version = excluded.version`, v+1); err != nil {
		return false, fmt.Errorf("migration %d: %w", v+1, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migration %d: commit: %w", v+1, err)
	}
	return false, nil
}

// Adopt hands a database whose tables an owner made before it kept its
// version in versionTable over to Migrate: when versionTable has no
// version yet, the query legacy (one integer; 0 for none) says which
// of the owner's steps the database has, and that is recorded. A
// database with a recorded version is left as it is, so Adopt may run
// before every Migrate.
func Adopt(ctx context.Context, db *sql.DB, versionTable, legacy string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("adopt: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if err := createVersionTable(ctx, tx, versionTable); err != nil {
		return fmt.Errorf("adopt: %w", err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+versionTable).Scan(&n); err != nil {
		return fmt.Errorf("adopt: %w", err)
	}
	if n > 0 {
		return tx.Commit()
	}
	var v int
	if err := tx.QueryRowContext(ctx, legacy).Scan(&v); err != nil {
		return fmt.Errorf("adopt: legacy version: %w", err)
	}
	if v > 0 {
		if _, err := tx.ExecContext(ctx, "INSERT INTO "+versionTable+" (id, version) VALUES (1, ?)", v); err != nil {
			return fmt.Errorf("adopt: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("adopt: commit: %w", err)
	}
	return nil
}

// createVersionTable makes the one-row table of an owner's schema
// version.
func createVersionTable(ctx context.Context, tx *sql.Tx, table string) error {
	_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+table+` (
		id      INTEGER PRIMARY KEY CHECK (id = 1),
		version INTEGER NOT NULL)`)
	return err
}
