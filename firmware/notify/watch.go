package notify

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"faxbox/firmware/events"
	"faxbox/firmware/numbers"
	"faxbox/firmware/report"
	"faxbox/firmware/store"
	"faxbox/internal/sqlitedb"
	faxpages "faxbox/pages"
	"faxbox/t30"
)

// Mailer hands a composed message to a mail relay; *Sender is one.
type Mailer interface {
	Send(ctx context.Context, m *Message) error
}

// Defaults of WatcherConfig.
const (
	DefaultMinBackoff  = time.Minute
	DefaultMaxBackoff  = time.Hour
	DefaultGiveUpAfter = 72 * time.Hour
)

// WatcherConfig configures a Watcher. Store, Database, Mailer, From and
// Address are required; the zero value of the others selects the
// documented default.
type WatcherConfig struct {
	// Store is where the jobs and their event log are.
	Store *store.Store
	// Database is the store's SQLite file. The watcher keeps its own two
	// tables in it, notify_cursor (the last event handled) and
	// notify_pending (notices waiting for another try), so that a
	// restart neither loses nor repeats a notice.
	Database string
	// DB, when set, is the database handle to use, opened by the caller
	// on Database with sqlitedb.Open; Close leaves it open.
	DB *sql.DB
	// Mailer sends the notices, normally NewSender(cfg.SMTP).
	Mailer Mailer
	// From is the notices' sender address (config smtp.from).
	From string
	// Address returns the e-mail address of a message's sender (a
	// store.User id), as users.Store.Address does; "" means the sender has
	// none, and no notice is sent. An error is retried like a relay that
	// is down (until GiveUpAfter): map "no such account" to "".
	Address func(ctx context.Context, sender int64) (string, error)
	// SkipDelivered and SkipCancelled turn off the notices of delivered
	// and of cancelled jobs. Failures are always notified.
	SkipDelivered bool
	SkipCancelled bool
	// Forward, when set, forwards every received fax by e-mail
	// (forward.go).
	Forward Forwarding
	// Names says how a recipient's number reads to people: the contact
	// and company of the address book that have it ("" if none) and the
	// number grouped for reading. nil: the number grouped, and the name
	// the message was sent to.
	Names func(ctx context.Context, number string) (label, display string)
	// Location is the time zone of the times in the notices; nil is
	// time.Local.
	Location *time.Location
	// Reports, when set, are where the transmission report attached to
	// every notice is gathered from (package report).
	Reports *report.Sources
	// MinBackoff and MaxBackoff bound the wait before a notice that could
	// not be sent (relay unreachable, 4xx reply, set-up problem, address
	// lookup failed) is tried again; the wait doubles with each try.
	// Defaults DefaultMinBackoff and DefaultMaxBackoff.
	MinBackoff, MaxBackoff time.Duration
	// GiveUpAfter is how long a notice is tried before it is dropped
	// (logged as an error). Default DefaultGiveUpAfter.
	GiveUpAfter time.Duration
	// Now is the clock of the notices' Date and of the retries. Default
	// time.Now.
	Now func() time.Time
	// Logger receives a line per notice sent, skipped or deferred.
	// Default: discard.
	Logger *slog.Logger
}

// Watcher mails the sender of every job that reaches a final state
// (delivered, failed or cancelled) a Notice, and with Forward set
// forwards every received fax (forward.go): it follows the store's event
// log from a durable cursor, and wakes up when the store changes.
//
// A notice's event is marked handled, in the same SQLite file as the
// store, only once the relay accepted the mail, refused it for good, or
// the notice was queued durably for another try; so a crash or power cut
// loses no notice, and repeats one only if it strikes between the relay's
// acceptance and the next commit (the repeat has the same Message-ID).
// Notices that cannot be sent yet are tried again with a growing back-off
// and do not hold up the later ones.
type Watcher struct {
	cfg     WatcherConfig
	db      *sql.DB
	release func() error // closes db if the watcher opened it
	log     *slog.Logger

	mu sync.Mutex // serialises Poll
	// cursor is the last event read; saved the last one recorded in
	// notify_cursor. Events that are no notices are recorded lazily:
	// reading them again after a restart is harmless.
	cursor, saved int64
}

// lazyEvents is how many events that are no notices may be read before
// the cursor is recorded anyway.
const lazyEvents = 500

// NewWatcher opens the watcher's tables in cfg.Database, creating them if
// needed. On first use the cursor starts at the end of the event log:
// jobs that ended before notices were turned on are not notified.
func NewWatcher(ctx context.Context, cfg WatcherConfig) (*Watcher, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("notify: watcher: no store")
	case cfg.Mailer == nil:
		return nil, errors.New("notify: watcher: no mailer")
	case cfg.Address == nil:
		return nil, errors.New("notify: watcher: no address resolver")
	case cfg.From == "":
		return nil, errors.New("notify: watcher: no From address (smtp.from)")
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = DefaultMinBackoff
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(DefaultMaxBackoff, cfg.MinBackoff)
	}
	if cfg.GiveUpAfter <= 0 {
		cfg.GiveUpAfter = DefaultGiveUpAfter
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	db, release, err := sqlitedb.Use(cfg.DB, cfg.Database)
	if err != nil {
		return nil, fmt.Errorf("notify: watcher: %w", err)
	}
	w := &Watcher{cfg: cfg, db: db, release: release, log: lg}
	if err := w.init(ctx); err != nil {
		release()
		return nil, fmt.Errorf("notify: watcher: %s: %w", cfg.Database, err)
	}
	return w, nil
}

// Close records the cursor and closes the watcher's database handle
// unless it was given in WatcherConfig.DB (and never the store).
func (w *Watcher) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	var err error
	if w.cursor != w.saved {
		err = w.advance(context.Background(), w.cursor, nil, nil)
	}
	return errors.Join(err, w.release())
}

// ErrSchemaTooNew: the watcher's tables were migrated by a newer Faxbox.
var ErrSchemaTooNew = errors.New("notify: database schema is newer than this Faxbox")

// migrations are the watcher's schema steps, applied in order, each in
// its own transaction with notify_schema.version (sqlitedb.Migrate).
// Never edit a released step: append one.
func migrations() []string {
	return []string{
		// 1: the cursor and the pending notices. IF NOT EXISTS: the
		// tables were made without a version before notify_schema.
		`CREATE TABLE IF NOT EXISTS notify_cursor (
		id  INTEGER PRIMARY KEY CHECK (id = 1),
		seq INTEGER NOT NULL -- the last store_events.seq handled
	);
	CREATE TABLE IF NOT EXISTS notify_pending (
		job        INTEGER NOT NULL,
		state      TEXT NOT NULL,
		attempts   INTEGER NOT NULL,
		tries      INTEGER NOT NULL,
		first_at   INTEGER NOT NULL, -- unix microseconds
		next_at    INTEGER NOT NULL,
		last_error TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (job, state, attempts)
	)`,
	}
}

func (w *Watcher) init(ctx context.Context) error {
	if err := sqlitedb.Migrate(ctx, w.db, "notify_schema", migrations(), ErrSchemaTooNew); err != nil {
		return err
	}
	var seq int64
	err := w.db.QueryRowContext(ctx, `SELECT seq FROM notify_cursor WHERE id = 1`).Scan(&seq)
	if !errors.Is(err, sql.ErrNoRows) {
		w.cursor, w.saved = seq, seq
		return err
	}
	// First start: begin at the end of the log.
	for {
		evs, err := w.cfg.Store.EventsSince(ctx, seq, 1000)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			break
		}
		seq = evs[len(evs)-1].Seq
	}
	_, err = w.db.ExecContext(ctx, `INSERT INTO notify_cursor (id, seq) VALUES (1, ?) ON CONFLICT (id) DO NOTHING`, seq)
	w.cursor, w.saved = seq, seq
	return err
}

// noticeKey identifies one notice: a job's final state after so many
// attempts. A job retried by hand after it failed ends again with more
// attempts: that is another notice.
type noticeKey struct {
	Job      int64
	State    store.State
	Attempts int
	StateStr string
}

// Run mails notices until ctx ends, then returns nil. Errors of the store
// (a database that cannot be read) are logged and retried with back-off;
// the watcher keeps running.
func (w *Watcher) Run(ctx context.Context) error {
	fails := 0
	for {
		changed := w.cfg.Store.Changed()
		next, err := w.Poll(ctx)
		if ctx.Err() != nil {
			return nil
		}
		var wait <-chan time.Time
		if err != nil {
			fails++
			d := w.backoff(fails)
			w.log.Error("notify: watcher: cannot read the jobs; trying again later", "err", err, "in", d)
			changed = nil // do not spin on every change while the store fails
			wait = time.After(d)
		} else {
			fails = 0
			if !next.IsZero() {
				wait = time.After(max(next.Sub(w.cfg.Now()), 0))
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		case <-wait:
		}
	}
}

// Poll handles every event logged since the cursor and every pending
// notice that is due, and returns when the next pending notice is due
// (zero if none). Run calls it whenever the store changes; tests and
// tools may call it directly. It stops at the first error of the store
// or of its own tables, leaving what it did not handle for the next
// call.
func (w *Watcher) Poll(ctx context.Context) (next time.Time, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for {
		evs, err := w.cfg.Store.EventsSince(ctx, w.cursor, 100)
		if err != nil {
			return next, err
		}
		if len(evs) == 0 {
			break
		}
		for _, e := range evs {
			if n, ok := w.noticeOf(e); ok { // a notice or a forward (forward.go)
				retry, err := w.handle(ctx, n)
				if err != nil {
					return next, err // e is read again next time
				}
				var p *pendingUpdate
				if retry != nil {
					p = &pendingUpdate{n: n, tries: 1, first: w.cfg.Now(), err: retry}
				}
				if err := w.advance(ctx, e.Seq, p, nil); err != nil {
					return next, err
				}
			}
			w.cursor = e.Seq
		}
	}
	if w.cursor-w.saved >= lazyEvents {
		if err := w.advance(ctx, w.cursor, nil, nil); err != nil {
			return next, err
		}
	}
	return w.retryPending(ctx)
}

// finalJob returns the notice an event announces, if it is a job's
// change to a final state.
func finalJob(e store.Event) (noticeKey, bool) {
	if e.Kind != events.KindJob {
		return noticeKey{}, false
	}
	pl, err := e.Decode()
	j, ok := pl.(events.JobEvent)
	if err != nil || !ok || j.Job == 0 {
		return noticeKey{}, false
	}
	st, err := store.ParseState(j.State)
	if err != nil || !st.Final() {
		return noticeKey{}, false
	}
	return noticeKey{Job: j.Job, State: st, Attempts: j.Attempts, StateStr: j.State}, true
}

// pendingUpdate is a notice to (re)queue for another try.
type pendingUpdate struct {
	n     noticeKey
	tries int
	first time.Time
	err   error
}

// advance moves the cursor to seq (when above 0), and queues p or deletes
// done from the pending notices, in one transaction.
func (w *Watcher) advance(ctx context.Context, seq int64, p *pendingUpdate, done *noticeKey) error {
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("notify: watcher: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if seq > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE notify_cursor SET seq = ? WHERE id = 1 AND seq < ?`, seq, seq); err != nil {
			return fmt.Errorf("notify: watcher: cursor: %w", err)
		}
	}
	if p != nil {
		next := w.cfg.Now().Add(w.backoff(p.tries))
		if _, err := tx.ExecContext(ctx, `INSERT INTO notify_pending (job, state, attempts, tries, first_at, next_at, last_error)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET tries = excluded.tries, next_at = excluded.next_at,
			last_error = excluded.last_error`,
			p.n.Job, p.n.StateStr, p.n.Attempts, p.tries, p.first.UnixMicro(), next.UnixMicro(), p.err.Error()); err != nil {
			return fmt.Errorf("notify: watcher: pending: %w", err)
		}
		w.log.Warn("notify: notice not sent yet; trying again later", "job", p.n.Job, "outcome", p.n.StateStr,
			"tries", p.tries, "next", next, "err", p.err)
	}
	if done != nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM notify_pending WHERE job = ? AND state = ? AND attempts = ?`,
			done.Job, done.StateStr, done.Attempts); err != nil {
			return fmt.Errorf("notify: watcher: pending: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("notify: watcher: commit: %w", err)
	}
	if seq > 0 {
		w.saved = max(w.saved, seq)
	}
	return nil
}

// retryPending tries the pending notices that are due, and returns when
// the next one is.
func (w *Watcher) retryPending(ctx context.Context) (time.Time, error) {
	rows, err := w.db.QueryContext(ctx, `SELECT job, state, attempts, tries, first_at FROM notify_pending
		WHERE next_at <= ? ORDER BY next_at`, w.cfg.Now().UnixMicro())
	if err != nil {
		return time.Time{}, fmt.Errorf("notify: watcher: pending: %w", err)
	}
	var due []pendingUpdate
	for rows.Next() {
		var p pendingUpdate
		var first int64
		if err := rows.Scan(&p.n.Job, &p.n.StateStr, &p.n.Attempts, &p.tries, &first); err != nil {
			rows.Close()
			return time.Time{}, fmt.Errorf("notify: watcher: pending: %w", err)
		}
		p.first = time.UnixMicro(first)
		due = append(due, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return time.Time{}, fmt.Errorf("notify: watcher: pending: %w", err)
	}
	for _, p := range due {
		if p.n.State, err = parseNoticeState(p.n.StateStr); err != nil {
			return time.Time{}, fmt.Errorf("notify: watcher: pending: %w", err)
		}
		retry, err := w.handle(ctx, p.n)
		if err != nil {
			return time.Time{}, err
		}
		switch {
		case retry == nil:
			err = w.advance(ctx, 0, nil, &p.n)
		case w.cfg.Now().Sub(p.first) >= w.cfg.GiveUpAfter:
			w.log.Error("notify: notice dropped: it could not be sent in time", "job", p.n.Job, "outcome", p.n.StateStr,
				"tries", p.tries+1, "since", p.first, "err", retry)
			err = w.advance(ctx, 0, nil, &p.n)
		default:
			p.tries++
			p.err = retry
			err = w.advance(ctx, 0, &p, nil)
		}
		if err != nil {
			return time.Time{}, err
		}
	}
	var us sql.NullInt64
	if err := w.db.QueryRowContext(ctx, `SELECT min(next_at) FROM notify_pending`).Scan(&us); err != nil {
		return time.Time{}, fmt.Errorf("notify: watcher: pending: %w", err)
	}
	if !us.Valid {
		return time.Time{}, nil
	}
	return time.UnixMicro(us.Int64), nil
}

// backoff returns the wait before try n+1.
func (w *Watcher) backoff(tries int) time.Duration {
	d := w.cfg.MinBackoff
	for i := 1; i < tries && d < w.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, w.cfg.MaxBackoff)
}

// handle composes and sends notice n. It returns retry, the cause, when
// the notice should be tried again later; nil retry means done: sent, or
// not to be sent (the job moved on or was purged, the outcome is not
// notified, the sender has no address, the relay refused it for good).
// err is a store error or the end of ctx: nothing was decided.
func (w *Watcher) handle(ctx context.Context, n noticeKey) (retry, err error) {
	if n.StateStr == forwardState {
		return w.forward(ctx, n)
	}
	log := w.log.With("job", n.Job, "outcome", n.State.String())
	j, err := w.cfg.Store.GetJob(ctx, n.Job)
	if errors.Is(err, store.ErrNotFound) {
		log.Info("notify: no notice: the job was deleted")
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if j.State != n.State || j.Attempts != n.Attempts {
		// Retried by hand since: its next final state is notified.
		return nil, nil
	}
	if n.State == store.Delivered && w.cfg.SkipDelivered || n.State == store.Cancelled && w.cfg.SkipCancelled {
		return nil, nil
	}
	m, err := w.cfg.Store.GetMessage(ctx, j.Message)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	to, err := w.cfg.Address(ctx, m.Sender)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return fmt.Errorf("notify: address of %s: %w", m.SenderName, err), nil
	}
	if to == "" {
		log.Info("notify: no notice: the sender has no e-mail address", "sender", m.SenderName)
		return nil, nil
	}
	nt := w.notice(ctx, j, m, to)
	if n.State == store.Delivered {
		nt.Archive = w.archive(ctx, j, log)
	}
	nt.Report = w.report(ctx, j, log)
	msg, err := Compose(nt)
	if err != nil {
		log.Error("notify: notice dropped: it cannot be composed", "to", to, "err", err)
		return nil, nil
	}
	if msg.ArchiveErr != nil {
		log.Warn("notify: notice sent without the archive", "err", msg.ArchiveErr)
	}
	return w.deliver(ctx, log, msg, "notice") // forward.go
}

// notice describes job j of message m for the sender at address to.
func (w *Watcher) notice(ctx context.Context, j store.Job, m store.Message, to string) Notice {
	number, name := j.Recipient.Number, j.Recipient.Name
	if pn, err := numbers.Parse(number); err == nil {
		number = pn.International()
	}
	if w.cfg.Names != nil {
		label, display := w.cfg.Names(ctx, j.Recipient.Number)
		number = display
		if name == "" || strings.Contains(strings.ToLower(label), strings.ToLower(name)) {
			name = cmp.Or(label, name)
		}
	}
	n := Notice{
		From: w.cfg.From, To: to,
		Number: number, Name: name, Subject: m.Subject,
		Pages: j.PagesTotal, Delivered: j.PagesConfirmed,
		Location: w.cfg.Location, Date: w.cfg.Now(),
		Ref: fmt.Sprintf("job-%d-%d", j.ID, j.Attempts),
	}
	switch j.State {
	case store.Delivered:
		n.Outcome = Delivered
	case store.Cancelled:
		n.Outcome = Cancelled
		n.Cause = j.ReasonText
	default:
		n.Outcome = Failed
		n.Cause = j.ReasonText
	}
	for _, a := range j.History {
		d := a.Duration
		if !a.Ended.IsZero() {
			d = a.Ended.Sub(a.Started)
		}
		n.Attempts = append(n.Attempts, Attempt{Start: a.Started, Duration: d, Reason: t30.Reason(a.ReasonCode),
			Text: a.ReasonText, Pages: a.PagesConfirmed})
	}
	return n
}

// archive builds the PDF of the pages job j sent. When they cannot be
// read (deleted by retention, damaged), the archive is one that fails to
// load, so that the mail says the copy is no longer available.
func (w *Watcher) archive(ctx context.Context, j store.Job, log *slog.Logger) *Archive {
	name := "fax-" + strings.TrimPrefix(j.Recipient.Number, "+") + ".pdf"
	data, err := w.pdf(ctx, j)
	if err != nil {
		log.Warn("notify: the sent fax cannot be attached", "err", err)
		return &Archive{Name: name}
	}
	return &Archive{Name: name, Data: data}
}

// report makes job j's transmission report; nil when reports are off or
// it cannot be made (the notice goes without it).
func (w *Watcher) report(ctx context.Context, j store.Job, log *slog.Logger) *Archive {
	if w.cfg.Reports == nil {
		return nil
	}
	rep, err := w.cfg.Reports.Gather(ctx, j.ID)
	if err == nil {
		var buf bytes.Buffer
		if err = report.Write(&buf, rep); err == nil {
			return &Archive{Name: "report-" + strings.TrimPrefix(j.Recipient.Number, "+") + ".pdf", Data: buf.Bytes()}
		}
	}
	log.Warn("notify: notice sent without its transmission report", "err", err)
	return nil
}

func (w *Watcher) pdf(ctx context.Context, j store.Job) ([]byte, error) {
	ps, err := w.cfg.Store.Pages(ctx, j.ID)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, errors.New("notify: the job has no pages")
	}
	var buf bytes.Buffer
	pw := faxpages.NewPDFWriter(&buf, faxpages.PDFInfo{Title: "Fax to " + j.Recipient.Number, Created: w.cfg.Now()})
	for _, p := range ps {
		pg, err := w.cfg.Store.ReadPage(p.PageFile)
		if err != nil {
			return nil, err
		}
		if err := pw.AddPage(pg); err != nil {
			return nil, fmt.Errorf("notify: page %d: %w", p.Index, err)
		}
	}
	if err := pw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
