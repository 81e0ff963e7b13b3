package contacts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"faxbox/firmware/numbers"
	"faxbox/internal/sqlitedb"
)

// Label says what kind of line a number is.
type Label string

// Labels of numbers.
const (
	Fax    Label = "fax"
	Phone  Label = "phone"
	Mobile Label = "mobile"
)

// Valid reports whether l is one of the labels.
func (l Label) Valid() bool { return l == Fax || l == Phone || l == Mobile }

// Number is one of a contact's numbers.
type Number struct {
	Label Label
	// Number is the number grouped for people, international format
	// ("+32 2 555 12 12"); on input, the number as typed.
	Number  string
	E164    string // "+3225551212"; filled in by validation
	Country string // ISO 3166-1 alpha-2 ("BE"); filled in by validation
}

// Contact is an entry of the address book.
type Contact struct {
	ID      int64
	Name    string // required
	Company string
	Numbers []Number
	Created time.Time
	Updated time.Time
}

// Limits of what the book stores.
const (
	MaxName    = 200 // characters of a name or company
	MaxNumbers = 20  // numbers per contact
)

// Config configures a Book.
type Config struct {
	// Path is the SQLite database file (shared with the store and the
	// ledger). Required.
	Path string
	// DB, when set, is the database handle to use, opened by the caller
	// with sqlitedb.Open; Path is then only named in errors, and Close
	// leaves the handle open.
	DB *sql.DB
	// Numbers parses the numbers as typed; nil means international forms
	// only. Use the parser that message recipients are parsed with.
	Numbers *numbers.Parser
	// Now stamps created and updated times; default time.Now.
	Now func() time.Time
}

// Book is the address book. Its methods are safe for concurrent use.
type Book struct {
	db      *sql.DB
	release func() error // closes db if the book opened it
	cfg     Config
}

// Open opens the book in cfg.Path, creating or migrating its tables.
func Open(ctx context.Context, cfg Config) (*Book, error) {
	if cfg.Numbers == nil {
		cfg.Numbers = &numbers.Parser{}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	db, release, err := sqlitedb.Use(cfg.DB, cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("contacts: open: %w", err)
	}
	b := &Book{db: db, release: release, cfg: cfg}
	if err := sqlitedb.Migrate(ctx, db, "contacts_schema", migrations(), ErrSchemaTooNew); err != nil {
		release()
		return nil, fmt.Errorf("contacts: open %s: %w", cfg.Path, err)
	}
	return b, nil
}

// Close closes the book's database handle, unless it was given in
// Config.DB.
func (b *Book) Close() error { return b.release() }

// migrations are the schema steps, applied in order, each in its own
// transaction with contacts_schema.version. Never edit a released step:
// append one. Times are unix microseconds.
func migrations() []string {
	return []string{
		// 1: contacts and their numbers.
		`CREATE TABLE contacts_entries (
			id         INTEGER PRIMARY KEY,
			name       TEXT NOT NULL CHECK (name <> ''),
			company    TEXT NOT NULL DEFAULT '',
			search     TEXT NOT NULL, -- name and company folded to lower case
			created_at INTEGER NOT NULL,
			updated_at INTEGER NOT NULL
		);
		CREATE INDEX contacts_entries_name ON contacts_entries(name COLLATE NOCASE, id);
		CREATE TABLE contacts_numbers (
			contact  INTEGER NOT NULL REFERENCES contacts_entries(id) ON DELETE CASCADE,
			idx      INTEGER NOT NULL,
			label    TEXT NOT NULL CHECK (label IN ('fax', 'phone', 'mobile')),
			number   TEXT NOT NULL,
			e164     TEXT NOT NULL CHECK (e164 GLOB '+[1-9]*'),
			country  TEXT NOT NULL,
			national TEXT NOT NULL, -- the national form's digits, for searching
			PRIMARY KEY (contact, idx)
		) WITHOUT ROWID;
		CREATE INDEX contacts_numbers_e164 ON contacts_numbers(e164);`,
	}
}

// SchemaVersion returns the schema version this code migrates to.
func SchemaVersion() int { return len(migrations()) }

// Normalize checks c and returns it as the book stores it: name and
// company trimmed, every number parsed (as message recipients are) and
// written in the international format, with its E.164 form and country.
// The error is an *InvalidError naming the first bad field.
func (b *Book) Normalize(c Contact) (Contact, error) {
	c.Name, c.Company = clean(c.Name), clean(c.Company)
	switch {
	case c.Name == "":
		return c, &InvalidError{Field: "name", Reason: "a contact needs a name"}
	case len([]rune(c.Name)) > MaxName:
		return c, &InvalidError{Field: "name", Reason: fmt.Sprintf("longer than %d characters", MaxName)}
	case len([]rune(c.Company)) > MaxName:
		return c, &InvalidError{Field: "company", Reason: fmt.Sprintf("longer than %d characters", MaxName)}
	case len(c.Numbers) > MaxNumbers:
		return c, &InvalidError{Field: "numbers", Reason: fmt.Sprintf("more than %d numbers", MaxNumbers)}
	}
	out := make([]Number, 0, len(c.Numbers))
	for i, n := range c.Numbers {
		field := fmt.Sprintf("numbers[%d]", i)
		if n.Label == "" {
			n.Label = Fax
		}
		if !n.Label.Valid() {
			return c, &InvalidError{Field: field + ".label", Input: string(n.Label), Reason: "want fax, phone or mobile"}
		}
		p, err := b.cfg.Numbers.Parse(n.Number)
		if err != nil {
			return c, &InvalidError{Field: field + ".number", Input: strings.TrimSpace(n.Number), Reason: Reason(err), Err: err}
		}
		out = append(out, Number{Label: n.Label, Number: p.International(), E164: p.E164, Country: p.Region})
	}
	c.Numbers = out
	return c, nil
}

// Reason is a number error's message for people: what is wrong and how
// to write it, without the package prefix.
func Reason(err error) string {
	var ne *numbers.NumberError
	if errors.As(err, &ne) {
		if ne.Hint != "" {
			return ne.Msg + ": " + ne.Hint
		}
		return ne.Msg
	}
	return strings.TrimPrefix(err.Error(), "numbers: ")
}

// clean trims s and turns control characters (line breaks) into spaces.
func clean(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s))
}

// Create validates and stores a new contact and returns it with its ID.
func (b *Book) Create(ctx context.Context, c Contact) (Contact, error) {
	c, err := b.Normalize(c)
	if err != nil {
		return c, err
	}
	now := b.cfg.Now().UTC()
	c.Created, c.Updated = now, now
	err = b.tx(ctx, "create", func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO contacts_entries (name, company, search, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, c.Name, c.Company, searchKey(c), now.UnixMicro(), now.UnixMicro()).Scan(&c.ID); err != nil {
			return err
		}
		return b.insertNumbers(ctx, tx, c)
	})
	return c, err
}

// Update validates c and replaces the stored contact c.ID with it.
func (b *Book) Update(ctx context.Context, c Contact) (Contact, error) {
	c, err := b.Normalize(c)
	if err != nil {
		return c, err
	}
	c.Updated = b.cfg.Now().UTC()
	err = b.tx(ctx, "update", func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `UPDATE contacts_entries SET name = ?, company = ?, search = ?, updated_at = ?
			WHERE id = ? RETURNING created_at`, c.Name, c.Company, searchKey(c), c.Updated.UnixMicro(), c.ID).Scan(micros(&c.Created))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: %d", ErrNotFound, c.ID)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM contacts_numbers WHERE contact = ?`, c.ID); err != nil {
			return err
		}
		return b.insertNumbers(ctx, tx, c)
	})
	return c, err
}

// Delete removes contact id.
func (b *Book) Delete(ctx context.Context, id int64) error {
	return b.tx(ctx, "delete", func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `DELETE FROM contacts_entries WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err == nil && n == 0 {
			return fmt.Errorf("%w: %d", ErrNotFound, id)
		}
		return err
	})
}

// Get returns contact id.
func (b *Book) Get(ctx context.Context, id int64) (Contact, error) {
	cs, err := b.query(ctx, `WHERE e.id = ?`, id)
	if err != nil {
		return Contact{}, err
	}
	if len(cs) == 0 {
		return Contact{}, fmt.Errorf("%w: %d", ErrNotFound, id)
	}
	return cs[0], nil
}

// Search returns up to limit contacts (0: all) whose name or company
// contains q (ignoring case), or one of whose numbers contains q's digits
// in its E.164 or national form, ordered by name (SQLite NOCASE: ASCII
// case folding, so an accented initial sorts after z). An empty q matches
// every contact.
func (b *Book) Search(ctx context.Context, q string, limit int) ([]Contact, error) {
	where, args := "", []any{}
	if q = strings.ToLower(strings.TrimSpace(q)); q != "" {
		where = `WHERE e.search LIKE ? ESCAPE '\'`
		args = append(args, "%"+likeEscape(q)+"%")
		if d := numbers.Digits(q); len(d) >= 2 {
			where += ` OR e.id IN (SELECT contact FROM contacts_numbers WHERE e164 LIKE ? OR national LIKE ?)`
			args = append(args, "%"+d+"%", "%"+d+"%")
		}
	}
	if limit > 0 {
		where += fmt.Sprintf(` ORDER BY e.name COLLATE NOCASE, e.id LIMIT %d`, limit)
	}
	return b.query(ctx, where, args...)
}

// All returns every contact, ordered by name.
func (b *Book) All(ctx context.Context) ([]Contact, error) { return b.query(ctx, "") }

// FaxNumber returns contact id's first fax number: what a message
// recipient "contact:ID" stands for.
func (b *Book) FaxNumber(ctx context.Context, id int64) (Contact, Number, error) {
	c, err := b.Get(ctx, id)
	if err != nil {
		return c, Number{}, err
	}
	for _, n := range c.Numbers {
		if n.Label == Fax {
			return c, n, nil
		}
	}
	return c, Number{}, fmt.Errorf("%w: %s (%d)", ErrNoFax, c.Name, id)
}

// Import stores the rows read by ReadCSV or ReadVCard that are good and
// reports the others; a row that fails validation does not stop the rest.
// Rows of contacts already in the book update them rather than adding
// them again (see PlanImport); imported counts the rows added or updated.
func (b *Book) Import(ctx context.Context, rows []Row) (imported int, bad []RowError, err error) {
	plan, err := b.PlanImport(ctx, rows)
	if err != nil {
		return 0, plan.Errors, err
	}
	if err := b.ApplyImport(ctx, plan); err != nil {
		return 0, plan.Errors, err
	}
	return plan.Count(ImportAdd) + plan.Count(ImportUpdate), plan.Errors, nil
}

// query returns the contacts selected by the SQL after "FROM
// contacts_entries e", with their numbers.
func (b *Book) query(ctx context.Context, where string, args ...any) ([]Contact, error) {
	if !strings.Contains(where, "ORDER BY") {
		where += ` ORDER BY e.name COLLATE NOCASE, e.id`
	}
	rows, err := b.db.QueryContext(ctx, `WITH sel AS (SELECT e.id, e.name, e.company, e.created_at, e.updated_at
			FROM contacts_entries e `+where+`)
		SELECT sel.id, sel.name, sel.company, sel.created_at, sel.updated_at,
			COALESCE(n.label, ''), COALESCE(n.number, ''), COALESCE(n.e164, ''), COALESCE(n.country, '')
		FROM sel LEFT JOIN contacts_numbers n ON n.contact = sel.id
		ORDER BY sel.name COLLATE NOCASE, sel.id, n.idx`, args...)
	if err != nil {
		return nil, fmt.Errorf("contacts: query: %w", err)
	}
	defer rows.Close()
	out := []Contact{}
	for rows.Next() {
		var c Contact
		var n Number
		if err := rows.Scan(&c.ID, &c.Name, &c.Company, micros(&c.Created), micros(&c.Updated),
			&n.Label, &n.Number, &n.E164, &n.Country); err != nil {
			return nil, fmt.Errorf("contacts: query: %w", err)
		}
		if len(out) == 0 || out[len(out)-1].ID != c.ID {
			out = append(out, c)
		}
		if n.Label != "" {
			last := &out[len(out)-1]
			last.Numbers = append(last.Numbers, n)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("contacts: query: %w", err)
	}
	return out, nil
}

func (b *Book) insertNumbers(ctx context.Context, tx *sql.Tx, c Contact) error {
	for i, n := range c.Numbers {
		national := ""
		if p, err := b.cfg.Numbers.Parse(n.E164); err == nil {
			national = numbers.Digits(p.NationalFormat())
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO contacts_numbers (contact, idx, label, number, e164, country, national)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, c.ID, i+1, string(n.Label), n.Number, n.E164, n.Country, national); err != nil {
			return err
		}
	}
	return nil
}

// tx runs fn in one (immediate) transaction.
func (b *Book) tx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("contacts: %s: %w", op, err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if err := fn(tx); err != nil {
		if errors.Is(err, ErrNotFound) {
			return err
		}
		return fmt.Errorf("contacts: %s: %w", op, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("contacts: %s: %w", op, err)
	}
	return nil
}

func searchKey(c Contact) string { return strings.ToLower(c.Name + "\n" + c.Company) }

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// microTime scans unix microseconds into a time.Time.
type microTime struct{ t *time.Time }

func micros(t *time.Time) microTime { return microTime{t} }

// Scan implements sql.Scanner.
func (m microTime) Scan(v any) error {
	n, ok := v.(int64)
	if !ok {
		return fmt.Errorf("time: want unix microseconds, got %T", v)
	}
	*m.t = time.UnixMicro(n).UTC()
	return nil
}
