package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"faxbox/internal/sqlitedb"
)

// Config configures a Store. The zero value of every field but Path
// selects the documented default.
type Config struct {
	// Path is the SQLite database file. Required. It may be the billing
	// ledger's file: the tables do not overlap.
	Path string
	// DB, when set, is the database handle to use, opened by the caller
	// on Path with sqlitedb.Open; Close leaves it open.
	DB *sql.DB
	// MaxAttempts is the number of attempts per recipient when a message
	// does not say. Default 3.
	MaxAttempts int
	// Now returns the wall-clock time that records are stamped with.
	// Default time.Now. Writes are refused with ErrClockNotSet while it
	// is before 2024 (a board that has not synced its clock yet).
	Now func() time.Time
	// Logger receives one line per job transition. Default: discard.
	Logger *slog.Logger
}

// plausibleYear is the first year whose wall-clock time records are
// stamped with, as in package billing.
const plausibleYear = 2024

// Store is the durable state of messages, jobs and received faxes. All
// methods are safe for concurrent use, also by several processes on one
// file: every change is one BEGIN IMMEDIATE transaction.
type Store struct {
	db      *sql.DB
	release func() error // closes db if the store opened it
	cfg     Config
	log     *slog.Logger

	mu      sync.Mutex
	changed chan struct{} // closed when events are appended

	// beforeCommit, when set by tests, runs inside each write transaction
	// just before COMMIT; an error rolls back, like a power cut would.
	beforeCommit func(op string) error
}

// Open opens (creating if needed) the database at cfg.Path and applies
// pending schema migrations. It does not need a plausible clock.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Path == "" || strings.ContainsAny(cfg.Path, "?#") {
		return nil, fmt.Errorf("store: open: bad database path %q", cfg.Path)
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 3
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	db, release, err := sqlitedb.Use(cfg.DB, cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", cfg.Path, err)
	}
	s := &Store{db: db, release: release, cfg: cfg, log: lg, changed: make(chan struct{})}
	if err := sqlitedb.Migrate(ctx, db, "store_schema", migrations(), ErrSchemaTooNew); err != nil {
		release()
		if sqlitedb.Damaged(err) {
			return nil, fmt.Errorf("%w: %s: %v", ErrDamaged, cfg.Path, err)
		}
		return nil, fmt.Errorf("store: open %s: %w", cfg.Path, err)
	}
	return s, nil
}

// Close closes the database, unless it was given in Config.DB.
func (s *Store) Close() error { return s.release() }

// Dir returns the directory of the database file, where attachments,
// pages and archives are kept.
func (s *Store) Dir() string { return filepath.Dir(s.cfg.Path) }

// SchemaVersion returns the schema version this code migrates to.
func SchemaVersion() int { return len(migrations()) }

// wtx is a write transaction and the time its records are stamped with.
type wtx struct {
	*sql.Tx
	ctx      context.Context
	now      time.Time
	appended bool     // events were appended
	after    []func() // run after a successful commit (logging)
}

// write runs fn in one BEGIN IMMEDIATE transaction stamped with a
// plausible wall-clock time, and commits it.
func (s *Store) write(ctx context.Context, op string, fn func(tx *wtx) error) error {
	now, err := s.now()
	if err != nil {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	sqltx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %s: begin: %w", op, err)
	}
	defer sqltx.Rollback() //nolint:errcheck // after Commit it is a no-op
	tx := &wtx{Tx: sqltx, ctx: ctx, now: now}
	if err := fn(tx); err != nil {
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrInvalid) || errors.Is(err, ErrIllegalTransition) ||
			errors.Is(err, ErrNoAttemptsLeft) || errors.Is(err, ErrAttemptClosed) {
			return err
		}
		return fmt.Errorf("store: %s: %w", op, err)
	}
	if s.beforeCommit != nil {
		if err := s.beforeCommit(op); err != nil {
			return err
		}
	}
	if err := sqltx.Commit(); err != nil {
		return fmt.Errorf("store: %s: commit: %w", op, err)
	}
	if tx.appended {
		s.notify()
	}
	for _, f := range tx.after {
		f()
	}
	return nil
}

// now returns the wall-clock time, or ErrClockNotSet while it is not
// plausible.
func (s *Store) now() (time.Time, error) {
	t := s.cfg.Now()
	return t, plausible(t)
}

func plausible(t time.Time) error {
	if t.UTC().Year() < plausibleYear {
		return fmt.Errorf("%w: it says %s", ErrClockNotSet, t.UTC().Format(time.RFC3339))
	}
	return nil
}

// Changed returns a channel that is closed the next time events are
// committed. Call it again after it fires, then read EventsSince.
func (s *Store) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

func (s *Store) notify() {
	s.mu.Lock()
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

func fromNullMicros(us sql.NullInt64) time.Time {
	if !us.Valid {
		return time.Time{}
	}
	return fromMicros(us.Int64)
}

// querier is a *sql.DB or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}
