package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"faxbox/firmware/events"
	"faxbox/internal/sqlitedb"
)

// Config configures a Ledger. The zero value of every field but Path
// selects the documented default.
type Config struct {
	// Path is the SQLite database file. Required.
	Path string
	// DB, when set, is the database handle to use, opened by the caller
	// with sqlitedb.Open; Path is then only named in errors, and Close
	// leaves the handle open.
	DB *sql.DB
	// Currency is the appliance currency. Default EUR.
	Currency Currency
	// MinAvailable is the credit that must be available to submit a
	// message and to dial each call (the "10 EUR rule"). 0 means the
	// default of 10 main units; a negative value turns the rule off.
	MinAvailable Amount
	// HoldPercent sizes the hold placed before dialling as a percentage of
	// the call's estimate (capped at what is available). Default 200.
	HoldPercent int
	// HangupGuard is taken off the call deadline to leave time for a
	// clean hang-up. Default 5 s.
	HangupGuard time.Duration
	// PerPage is the expected connected time per page for estimates.
	// Default 40 s (a page at 9600 bit/s with the T.30 exchanges).
	PerPage time.Duration
	// Location is the time zone in which months start for monthly spend
	// and limits. Default time.Local.
	Location *time.Location
	// Keys are the resellers' voucher public keys that are trusted.
	Keys []TrustedKey
	// Now returns the wall-clock time that records are stamped with.
	// Default time.Now. Writes are refused with ErrClockNotSet while it
	// is before 2024 (a board that has not synced its clock yet).
	Now func() time.Time
	// Bus receives an events.AccountEvent after each committed change
	// of the account's totals (Account with no user); nil publishes
	// nothing. Changes made by another process on the same database are
	// not seen.
	Bus *events.Bus
	// Logger receives one line per ledger change. Default: discard.
	Logger *slog.Logger
	// InstallDefaultTariff installs the embedded example tariff as the
	// first version when the database has none and Currency is EUR.
	InstallDefaultTariff bool
}

// plausibleYear is the first year whose wall-clock time billing records
// are stamped with.
const plausibleYear = 2024

// Ledger is the appliance's prepaid account in SQLite. All methods are safe
// for concurrent use, also by several processes on one file: every change
// is one BEGIN IMMEDIATE transaction that checks credit and writes.
type Ledger struct {
	db      *sql.DB
	release func() error // closes db if the ledger opened it
	cfg     Config
	log     *slog.Logger

	tariffMu sync.Mutex
	tariffs  map[int64]*Table // parsed tariff versions, immutable

	// pubMu orders the reading and publishing of the totals after a
	// commit; published is the last AccountEvent published.
	pubMu     sync.Mutex
	published events.AccountEvent

	// beforeCommit, when set by tests, runs inside each write transaction
	// just before COMMIT; an error rolls back, like a power cut would.
	beforeCommit func(op string) error
}

// Open opens (creating if needed) the ledger database at cfg.Path, applies
// pending schema migrations, and with cfg.InstallDefaultTariff installs
// the default tariff on a new database.
func Open(ctx context.Context, cfg Config) (*Ledger, error) {
	if cfg.DB == nil && (cfg.Path == "" || strings.ContainsAny(cfg.Path, "?#")) {
		return nil, fmt.Errorf("billing: open: bad database path %q", cfg.Path)
	}
	if cfg.Currency == "" {
		cfg.Currency = EUR
	}
	if !cfg.Currency.Valid() {
		return nil, fmt.Errorf("billing: open: unknown currency %q", cfg.Currency)
	}
	if cfg.MinAvailable == 0 {
		cfg.MinAvailable = 10 * Unit
	}
	if cfg.MinAvailable < 0 {
		cfg.MinAvailable = 0
	}
	if cfg.HoldPercent <= 0 {
		cfg.HoldPercent = 200
	}
	if cfg.HangupGuard <= 0 {
		cfg.HangupGuard = 5 * time.Second
	}
	if cfg.PerPage <= 0 {
		cfg.PerPage = 40 * time.Second
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
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
		return nil, fmt.Errorf("billing: open %s: %w", cfg.Path, err)
	}
	l := &Ledger{db: db, release: release, cfg: cfg, log: lg, tariffs: map[int64]*Table{}}
	if err := l.migrate(ctx); err != nil {
		release()
		return nil, fmt.Errorf("billing: open %s: %w", cfg.Path, err)
	}
	if cfg.InstallDefaultTariff && cfg.Currency == EUR {
		if err := l.installDefaultTariff(ctx); err != nil {
			release()
			return nil, err
		}
	}
	return l, nil
}

// Close closes the database, unless it was given in Config.DB.
func (l *Ledger) Close() error { return l.release() }

// Currency returns the appliance currency.
func (l *Ledger) Currency() Currency { return l.cfg.Currency }

// MinAvailable returns the credit that must be available to submit and to
// dial.
func (l *Ledger) MinAvailable() Amount { return l.cfg.MinAvailable }

// migrations returns the schema steps, applied in order, each in its own
// transaction together with ledger_schema.version (sqlitedb.Migrate).
// Never edit a released step: append a new one.
func migrations() []string {
	return []string{
		// 1: tariffs, calls, the ledger, limits, vouchers.
		`CREATE TABLE tariff_versions (
		id           INTEGER PRIMARY KEY,
		effective_at INTEGER NOT NULL, -- unix microseconds
		created_at   INTEGER NOT NULL,
		who          TEXT NOT NULL,
		note         TEXT NOT NULL,
		currency     TEXT NOT NULL,
		csv          TEXT NOT NULL
	);
	CREATE INDEX tariff_versions_effective ON tariff_versions(effective_at, id);
	CREATE TRIGGER tariff_versions_immutable BEFORE UPDATE ON tariff_versions
	BEGIN SELECT RAISE(ABORT, 'tariff versions are immutable'); END;

	CREATE TABLE calls (
		id             TEXT PRIMARY KEY,
		job            TEXT NOT NULL,
		user           TEXT NOT NULL,
		number         TEXT NOT NULL,
		country        TEXT NOT NULL,
		pages          INTEGER NOT NULL,
		tariff_version INTEGER NOT NULL REFERENCES tariff_versions(id),
		rate_prefix    TEXT NOT NULL,
		rate_name      TEXT NOT NULL,
		per_minute     INTEGER NOT NULL,
		first_s        INTEGER NOT NULL,
		step_s         INTEGER NOT NULL,
		minimum        INTEGER NOT NULL,
		fee            INTEGER NOT NULL,
		estimate       INTEGER NOT NULL,
		dialled_at     INTEGER NOT NULL,
		deadline_ms    INTEGER NOT NULL,
		answered       INTEGER NOT NULL DEFAULT 0,
		duration_ms    INTEGER NOT NULL DEFAULT 0,
		state          TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'settled')),
		charge         INTEGER NOT NULL DEFAULT 0,
		capped         INTEGER NOT NULL DEFAULT 0,
		settled_at     INTEGER
	);
	CREATE INDEX calls_open ON calls(state) WHERE state = 'open';

	CREATE TABLE entries (
		id      INTEGER PRIMARY KEY,
		at      INTEGER NOT NULL, -- unix microseconds
		kind    TEXT NOT NULL CHECK (kind IN ('topup', 'hold', 'release', 'charge', 'refund', 'adjustment')),
		amount  INTEGER NOT NULL, -- micro-units, signed (see package doc)
		user    TEXT NOT NULL DEFAULT '', -- whose spending it is
		who     TEXT NOT NULL,            -- who made the change
		why     TEXT NOT NULL,
		job     TEXT NOT NULL DEFAULT '',
		call_id TEXT REFERENCES calls(id),
		voucher TEXT UNIQUE,
		balance INTEGER NOT NULL, -- running totals after this entry
		held    INTEGER NOT NULL,
		CHECK (kind NOT IN ('topup', 'refund', 'hold') OR amount > 0),
		CHECK (kind NOT IN ('release') OR amount < 0),
		CHECK (kind NOT IN ('charge') OR amount <= 0),
		CHECK (kind NOT IN ('hold', 'release', 'charge') OR call_id IS NOT NULL),
		CHECK (held >= 0 AND balance - held >= 0)
	);
	CREATE UNIQUE INDEX entries_one_charge ON entries(call_id) WHERE kind = 'charge';
	CREATE INDEX entries_call ON entries(call_id);
	CREATE INDEX entries_at ON entries(at);
	CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
	BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
	CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
	BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;

	CREATE TABLE user_limits (
		user    TEXT PRIMARY KEY,
		monthly INTEGER NOT NULL CHECK (monthly > 0),
		who     TEXT NOT NULL,
		at      INTEGER NOT NULL
	);`,
		// 2: the tables, their indexes and triggers prefixed "ledger_",
		// as every other owner's in the one database file. RENAME keeps
		// the rows and rewrites the REFERENCES clauses and the trigger
		// bodies; indexes and triggers are made again under new names.
		`ALTER TABLE tariff_versions RENAME TO ledger_tariff_versions;
	ALTER TABLE calls RENAME TO ledger_calls;
	ALTER TABLE entries RENAME TO ledger_entries;
	ALTER TABLE user_limits RENAME TO ledger_user_limits;

	DROP INDEX tariff_versions_effective;
	CREATE INDEX ledger_tariff_versions_effective ON ledger_tariff_versions(effective_at, id);
	DROP TRIGGER tariff_versions_immutable;
	CREATE TRIGGER ledger_tariff_versions_immutable BEFORE UPDATE ON ledger_tariff_versions
	BEGIN SELECT RAISE(ABORT, 'tariff versions are immutable'); END;

	DROP INDEX calls_open;
	CREATE INDEX ledger_calls_open ON ledger_calls(state) WHERE state = 'open';

	DROP INDEX entries_one_charge;
	CREATE UNIQUE INDEX ledger_entries_one_charge ON ledger_entries(call_id) WHERE kind = 'charge';
	DROP INDEX entries_call;
	CREATE INDEX ledger_entries_call ON ledger_entries(call_id);
	DROP INDEX entries_at;
	CREATE INDEX ledger_entries_at ON ledger_entries(at);
	DROP TRIGGER entries_no_update;
	CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
	BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
	DROP TRIGGER entries_no_delete;
	CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
	BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;`,
	}
}

// SchemaVersion returns the schema version this code migrates to.
func SchemaVersion() int { return len(migrations()) }

// migrate brings the ledger's tables to the last of migrations(). Until
// migration 2 the ledger kept its version in PRAGMA user_version: a
// database from then is adopted at that version.
func (l *Ledger) migrate(ctx context.Context) error {
	if err := sqlitedb.Adopt(ctx, l.db, "ledger_schema", "PRAGMA user_version"); err != nil {
		return err
	}
	return sqlitedb.Migrate(ctx, l.db, "ledger_schema", migrations(), ErrSchemaTooNew)
}

// tx runs fn in one BEGIN IMMEDIATE transaction and commits it.
func (l *Ledger) tx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("billing: %s: begin: %w", op, err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if err := fn(tx); err != nil {
		return err
	}
	if l.beforeCommit != nil {
		if err := l.beforeCommit(op); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("billing: %s: commit: %w", op, err)
	}
	l.publish(context.WithoutCancel(ctx), op)
	return nil
}

// publish puts the account's totals on the bus if they changed since the
// last published. The totals are read after the commit, one reader at a
// time, so that the last published are never older than a commit.
func (l *Ledger) publish(ctx context.Context, op string) {
	if l.cfg.Bus == nil {
		return
	}
	l.pubMu.Lock()
	defer l.pubMu.Unlock()
	a, err := l.Account(ctx, "")
	if err != nil {
		l.log.Warn("billing: reading the totals to publish", "op", op, "err", err)
		return
	}
	ev := events.AccountEvent{Currency: string(a.Currency), Balance: int64(a.Balance), Held: int64(a.Held),
		Available: int64(a.Available), OpenHolds: a.OpenHolds, SpentThisMonth: int64(a.SpentThisMonth)}
	if ev != l.published {
		l.published = ev
		l.cfg.Bus.Publish(ev)
	}
}

// now returns the wall-clock time, or ErrClockNotSet while it is not
// plausible.
func (l *Ledger) now() (time.Time, error) {
	t := l.cfg.Now()
	if t.UTC().Year() < plausibleYear {
		return t, fmt.Errorf("%w: it says %s", ErrClockNotSet, t.UTC().Format(time.RFC3339))
	}
	return t, nil
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// isConstraint reports whether err is SQLite refusing a write because of a
// constraint (UNIQUE, CHECK, trigger).
func isConstraint(err error) bool {
	var e interface{ Code() int }
	if errors.As(err, &e) {
		return e.Code()&0xff == 19 // SQLITE_CONSTRAINT
	}
	return false
}
