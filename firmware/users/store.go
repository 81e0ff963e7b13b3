package users

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"faxbox/firmware/store"
	"faxbox/internal/sqlitedb"
)

// Config configures a Store. The zero value of every field but Path and
// Accounts selects the documented default.
type Config struct {
	// Path is the SQLite database file, the store's. Required.
	Path string
	// DB, when set, is the database handle to use, opened by the caller
	// with sqlitedb.Open; Path is then only named in errors, and Close
	// leaves the handle open.
	DB *sql.DB
	// Accounts is the message store, opened on Path: every account is
	// also one of its users. Required.
	Accounts *store.Store
	// Hash are the argon2id parameters of new password hashes. Default
	// DefaultHashMemory, DefaultHashTime, DefaultHashThreads.
	Hash HashParams
	// IdleTimeout ends a session that has not been used for this long.
	// Default 12 h.
	IdleTimeout time.Duration
	// MaxSessionAge ends a session this long after login, used or not.
	// Default 7 days.
	MaxSessionAge time.Duration
	// NameThrottle and AddrThrottle slow down failed logins per account
	// name and per client address. Defaults: 3 free failures per name, 10
	// per address, then 1 s doubling up to a 15-minute lockout, forgotten
	// after an hour without failures.
	NameThrottle, AddrThrottle ThrottlePolicy
	// Now returns the time that sessions, throttling and the audit log
	// use. Default time.Now.
	Now func() time.Time
	// Logger receives one line per login, logout and administrative
	// change (never a password). Default: discard.
	Logger *slog.Logger
}

// maxHashing is how many password hashes run at once; more logins wait.
const maxHashing = 2

// Store keeps the accounts, sessions and audit log. Its methods are safe
// for concurrent use; every change is one BEGIN IMMEDIATE transaction.
type Store struct {
	db       *sql.DB
	release  func() error // closes db if the store opened it
	cfg      Config
	log      *slog.Logger
	accounts *store.Store
	throttle *throttle
	hashing  chan struct{} // a semaphore of maxHashing
	// dummy is a hash that unknown names are verified against, so that a
	// login for an unknown name takes as long as one with a wrong
	// password. It is made at the first such login, not at start: a hash
	// takes the memory of Config.Hash, which the daemon would keep.
	dummy func() string
}

// Open opens the users' tables in the SQLite file at cfg.Path, creating
// or migrating them as needed.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Accounts == nil {
		return nil, errors.New("users: open: no message store: accounts are its users")
	}
	if cfg.Hash == (HashParams{}) {
		cfg.Hash = HashParams{Memory: DefaultHashMemory, Time: DefaultHashTime, Threads: DefaultHashThreads}
	}
	if cfg.Hash.Time < 1 || cfg.Hash.Threads < 1 || cfg.Hash.Memory < 8*uint32(cfg.Hash.Threads) || cfg.Hash.Memory > maxHashMemory {
		return nil, fmt.Errorf("users: open: bad argon2id parameters %+v", cfg.Hash)
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 12 * time.Hour
	}
	if cfg.MaxSessionAge <= 0 {
		cfg.MaxSessionAge = 7 * 24 * time.Hour
	}
	defName, defAddr := defaultThrottles()
	if cfg.NameThrottle == (ThrottlePolicy{}) {
		cfg.NameThrottle = defName
	}
	if cfg.AddrThrottle == (ThrottlePolicy{}) {
		cfg.AddrThrottle = defAddr
	}
	if cfg.NameThrottle.Base <= 0 || cfg.AddrThrottle.Base <= 0 || cfg.NameThrottle.Max < cfg.NameThrottle.Base ||
		cfg.AddrThrottle.Max < cfg.AddrThrottle.Base {
		return nil, errors.New("users: open: a throttle policy needs a positive Base and a Max of at least Base")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	if cfg.DB == nil && (cfg.Path == "" || strings.ContainsAny(cfg.Path, "?#")) {
		return nil, fmt.Errorf("users: open: bad database path %q", cfg.Path)
	}
	db, release, err := sqlitedb.Use(cfg.DB, cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("users: open %s: %w", cfg.Path, err)
	}
	s := &Store{db: db, release: release, cfg: cfg, log: lg, accounts: cfg.Accounts,
		throttle: newThrottle(cfg.NameThrottle, cfg.AddrThrottle),
		hashing:  make(chan struct{}, maxHashing)}
	if err := sqlitedb.Migrate(ctx, db, "users_schema", migrations(), ErrSchemaTooNew); err != nil {
		release()
		return nil, fmt.Errorf("users: open %s: %w", cfg.Path, err)
	}
	s.dummy = sync.OnceValue(func() string { return hashPassword("no such user", cfg.Hash) })
	return s, nil
}

// Close closes the database, unless it was given in Config.DB; the
// message store stays open.
func (s *Store) Close() error { return s.release() }

// tx runs fn in one BEGIN IMMEDIATE transaction and commits it. Errors
// that callers branch on come back as fn returned them.
func (s *Store) tx(ctx context.Context, op string, fn func(tx *sql.Tx, now time.Time) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("users: %s: begin: %w", op, err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if err := fn(tx, s.cfg.Now()); err != nil {
		for _, known := range []error{ErrNotFound, ErrExists, ErrInvalid, ErrSetupDone, ErrSetupNeeded, ErrLastAdmin, ErrBadCredentials, ErrNoSession, ErrDisabled} {
			if errors.Is(err, known) {
				return err
			}
		}
		return fmt.Errorf("users: %s: %w", op, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("users: %s: commit: %w", op, err)
	}
	return nil
}

// hash runs fn holding one of the maxHashing slots, or gives up with ctx.
func (s *Store) hash(ctx context.Context, fn func()) error {
	select {
	case s.hashing <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.hashing }()
	fn()
	return nil
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }
