package dbcompat

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/contacts"
	"faxbox/firmware/mailgw"
	"faxbox/firmware/notify"
	"faxbox/firmware/numbers"
	"faxbox/firmware/store"
	"faxbox/firmware/users"
	"faxbox/internal/sqlitedb"
)

// renamed are the tables that a migration renamed: the ledger's got the
// prefix "ledger_" (billing's migration 2).
var renamed = map[string]string{
	"tariff_versions": "ledger_tariff_versions",
	"calls":           "ledger_calls",
	"entries":         "ledger_entries",
	"user_limits":     "ledger_user_limits",
}

// opened is every package on one handle, as the appliance opens them.
type opened struct {
	db    *sql.DB
	st    *store.Store
	led   *billing.Ledger
	acc   *users.Store
	book  *contacts.Book
	seen  *mailgw.Seen
	watch *notify.Watcher
	relay *recordingRelay
}

// open opens the database at path once and every package on that handle.
func open(t *testing.T, path string) *opened {
	t.Helper()
	ctx := context.Background()
	now := func() time.Time { return fixtureTime.Add(24 * time.Hour) }
	o := &opened{relay: &recordingRelay{}}
	var err error
	o.db, err = sqlitedb.Open(path)
	must(t, err)
	o.st, err = store.Open(ctx, store.Config{Path: path, DB: o.db, MaxAttempts: 3, Now: now})
	must(t, err)
	o.led, err = billing.Open(ctx, billing.Config{DB: o.db, Path: path, Now: now, InstallDefaultTariff: true, Location: time.UTC})
	must(t, err)
	o.acc, err = users.Open(ctx, users.Config{DB: o.db, Path: path, Accounts: o.st, Now: now})
	must(t, err)
	parser, err := numbers.NewParser("BE")
	must(t, err)
	o.book, err = contacts.Open(ctx, contacts.Config{DB: o.db, Path: path, Numbers: parser, Now: now})
	must(t, err)
	o.seen, err = mailgw.NewSeen(ctx, o.db)
	must(t, err)
	o.watch, err = notify.NewWatcher(ctx, notify.WatcherConfig{Store: o.st, DB: o.db, Database: path, Mailer: o.relay,
		From: "faxbox@example.com", Now: now,
		Address: func(context.Context, int64) (string, error) { return "alice@example.com", nil }})
	must(t, err)
	return o
}

// close closes every package, then the handle, which they leave open.
func (o *opened) close(t *testing.T) {
	t.Helper()
	for _, c := range []interface{ Close() error }{o.watch, o.seen, o.book, o.acc, o.led, o.st} {
		must(t, c.Close())
	}
	must(t, o.db.Ping()) // still open: the packages did not close it
	must(t, o.db.Close())
}

type recordingRelay struct {
	mu   sync.Mutex
	sent []string
}

func (r *recordingRelay) Send(_ context.Context, m *notify.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, m.Subject)
	return nil
}

// TestFixtureMigrates opens a copy of a database written before every
// schema was under sqlitedb.Migrate with every package on one handle:
// every row of every table is still there (the ledger's under their new
// names), and the appliance works on them. Opening it again changes
// nothing.
func TestFixtureMigrates(t *testing.T) {
	ctx := context.Background()
	path := copyFixture(t)
	before := dumpAll(t, path)
	if _, ok := before["entries"]; !ok {
		t.Fatalf("the fixture has no ledger entries table: %v", slices.Sorted(mapKeys(before)))
	}

	o := open(t, path)
	after := dumpAll(t, path)
	for table, rows := range before {
		name := table
		if n, ok := renamed[table]; ok {
			name = n
			if _, still := after[table]; still {
				t.Errorf("table %s is still there beside %s", table, name)
			}
		}
		if !slices.Equal(after[name], rows) {
			t.Errorf("table %s (now %s): %d rows before, %d after; before %q after %q", table, name, len(rows), len(after[name]), rows, after[name])
		}
	}
	checkVersions(t, path)
	checkLedger(ctx, t, o.led, before)
	checkStore(ctx, t, o.st)
	checkUsers(ctx, t, o.acc)
	checkContacts(ctx, t, o.book)
	checkSeen(ctx, t, o)
	o.close(t)

	// Opening again migrates nothing: every table as the first opening
	// (and the logins above) left it.
	closed := dumpAll(t, path)
	o = open(t, path)
	if again := dumpAll(t, path); !equalDumps(closed, again) {
		t.Errorf("opening twice changed the database")
	}
	checkLedger(ctx, t, o.led, before)
	checkNotices(ctx, t, o)
	o.close(t)
}

func copyFixture(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", fixtureFile))
	must(t, err)
	path := filepath.Join(t.TempDir(), "faxbox.db")
	must(t, os.WriteFile(path, b, 0o600))
	return path
}

// addedColumns are the columns that migrations after the fixture added
// with a default: the rows are compared without them.
var addedColumns = map[string]bool{"users_accounts.display_name": true, "store_jobs.manual_retry": true,
	"store_messages.resolution": true, "store_attempts.resolution": true, "store_attempts.merged_pages": true,
	"store_recipients.estimate": true, "store_recipients.estimate_ms": true, "store_attempts.page_in_progress": true,
	"store_attempts.page_sent": true, "store_attempts.page_bytes": true, "store_destinations.receiver_resolution": true}

// dumpAll reads every row of every table but the schema versions' and
// SQLite's own, each row as text, sorted.

func dumpAll(t *testing.T, path string) map[string][]string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	must(t, err)
	defer db.Close()
	names, err := column[string](db, `SELECT name FROM sqlite_master WHERE type = 'table'
		AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_schema'`)
	must(t, err)
	out := map[string][]string{}
	for _, n := range names {
		rows, err := db.Query("SELECT * FROM " + n)
		must(t, err)
		cols, err := rows.Columns()
		must(t, err)
		out[n] = []string{}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			must(t, rows.Scan(ptrs...))
			for i := len(cols) - 1; i >= 0; i-- {
				if addedColumns[n+"."+cols[i]] {
					vals = slices.Delete(vals, i, i+1)
				}
			}
			out[n] = append(out[n], fmt.Sprintf("%#v", vals))
		}
		must(t, rows.Err())
		rows.Close()
		slices.Sort(out[n])
	}
	return out
}

func equalDumps(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func column[T any](db *sql.DB, q string, args ...any) ([]T, error) {
	rows, err := db.Query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func mapKeys(m map[string][]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// checkVersions: every owner of tables keeps its version in its own
// table, at the last of its migrations; nothing is named after the
// ledger's old tables.
func checkVersions(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	must(t, err)
	defer db.Close()
	for table, want := range map[string]int{"store_schema": store.SchemaVersion(), "ledger_schema": billing.SchemaVersion(),
		"users_schema": users.SchemaVersion(), "contacts_schema": contacts.SchemaVersion(), "notify_schema": 1, "mailgw_schema": 1} {
		var v int
		if err := db.QueryRow("SELECT version FROM " + table + " WHERE id = 1").Scan(&v); err != nil {
			t.Errorf("%s: %v", table, err)
			continue
		}
		if v != want {
			t.Errorf("%s: version %d, want %d", table, v, want)
		}
	}
	// No index, trigger or reference names an old ledger table, and
	// every reference holds.
	for old := range renamed {
		var names []string
		names, err = column[string](db, `SELECT name FROM sqlite_master WHERE name LIKE ? || '%'
			OR sql LIKE '%REFERENCES ' || ? || '(%' OR sql LIKE '%ON ' || ? || '(%'`, old, old, old)
		if err != nil || len(names) > 0 {
			t.Errorf("still named after %s: %q %v", old, names, err)
		}
	}
	if bad, err := column[string](db, `SELECT "table" FROM pragma_foreign_key_check`); err != nil || len(bad) > 0 {
		t.Errorf("foreign key check: %q %v", bad, err)
	}
	if billing.SchemaVersion() != 2 {
		t.Errorf("billing.SchemaVersion() = %d: the fixture was made at 1, renamed at 2", billing.SchemaVersion())
	}
}

// checkLedger: the balance and the holds are those of the last entry
// before, the ledger's invariants hold, both tariff versions and the
// redeemed voucher are there, and new entries can be written.
func checkLedger(ctx context.Context, t *testing.T, led *billing.Ledger, before map[string][]string) {
	t.Helper()
	if err := led.Check(ctx); err != nil {
		t.Errorf("Ledger.Check: %v", err)
	}
	a, err := led.Account(ctx, "")
	must(t, err)
	es, err := led.Entries(ctx, time.Time{}, time.Time{})
	must(t, err)
	if len(es) != len(before["entries"]) || len(es) == 0 {
		t.Fatalf("%d ledger entries, the fixture had %d", len(es), len(before["entries"]))
	}
	var sum billing.Amount
	kinds := map[billing.Kind]int{}
	for _, e := range es {
		kinds[e.Kind]++
		if e.Kind != billing.KindHold && e.Kind != billing.KindRelease {
			sum += e.Amount
		}
	}
	last := es[len(es)-1]
	if a.Balance != last.Balance || a.Held != last.Held || sum != a.Balance {
		t.Errorf("account %+v; last entry %+v; entries sum to %d", a, last, sum)
	}
	if a.OpenHolds != 1 || a.Held <= 0 || kinds[billing.KindTopUp] != 2 || kinds[billing.KindCharge] != 1 {
		t.Errorf("account %+v, entries by kind %v: want one open hold, two top-ups (one a voucher), one charge", a, kinds)
	}
	vs, err := led.TariffVersions(ctx)
	must(t, err)
	if len(vs) != 2 {
		t.Errorf("%d tariff versions, want 2", len(vs))
	}
	open, err := led.OpenCalls(ctx)
	if err != nil || len(open) != 1 || open[0].ID != "job99/attempt1" {
		t.Errorf("open calls %+v %v", open, err)
	}
}

// checkStore: the message, its two jobs and their attempts and pages.
func checkStore(ctx context.Context, t *testing.T, st *store.Store) {
	t.Helper()
	ms, err := st.ListMessages(ctx, store.ListOptions{})
	must(t, err)
	if len(ms) != 1 {
		t.Fatalf("%d messages, want 1", len(ms))
	}
	m, err := st.GetMessage(ctx, ms[0].ID)
	must(t, err)
	if m.Subject != "Invoice 42" || len(m.Jobs) != 2 || m.State != store.MessagePartial {
		t.Fatalf("message %+v", m)
	}
	states := map[store.State]int{}
	attempts := 0
	for _, j := range m.Jobs {
		states[j.State]++
		attempts += len(j.History)
		ps, err := st.Pages(ctx, j.ID)
		if err != nil || len(ps) != 2 {
			t.Errorf("job %d: pages %+v %v", j.ID, ps, err)
		}
	}
	if states[store.Delivered] != 1 || states[store.Failed] != 1 || attempts != 3 {
		t.Errorf("jobs by state %v, %d attempts: want one delivered, one failed, 3 attempts", states, attempts)
	}
	evs, err := st.EventsSince(ctx, 0, 1000)
	if err != nil || len(evs) == 0 {
		t.Errorf("events: %d %v", len(evs), err)
	}
}

// checkUsers: both accounts log in with their passwords; the session and
// the audit log are there.
func checkUsers(ctx context.Context, t *testing.T, acc *users.Store) {
	t.Helper()
	for name, pw := range map[string]string{"admin": adminPassword, "alice": alicePassword} {
		if _, err := acc.Login(ctx, name, pw, "192.0.2.8"); err != nil {
			t.Errorf("login %s: %v", name, err)
		}
	}
	if _, err := acc.Login(ctx, "alice", "wrong", "192.0.2.9"); !errors.Is(err, users.ErrBadCredentials) {
		t.Errorf("a wrong password: %v", err)
	}
	audit, err := acc.Audit(ctx, 0, 100)
	if err != nil || len(audit) < 3 {
		t.Errorf("audit %d rows, %v", len(audit), err)
	}
}

func checkContacts(ctx context.Context, t *testing.T, book *contacts.Book) {
	t.Helper()
	cs, err := book.All(ctx)
	must(t, err)
	var got []string
	for _, c := range cs {
		for _, n := range c.Numbers {
			got = append(got, c.Name+" "+n.E164)
		}
	}
	slices.Sort(got)
	want := []string{"Bob +3225551212", "Carol +3225551313", "Carol +32470123456"}
	if !slices.Equal(got, want) {
		t.Errorf("contacts %q, want %q", got, want)
	}
}

// checkSeen: the mail gateway still knows the Message-ID it queued.
func checkSeen(ctx context.Context, t *testing.T, o *opened) {
	t.Helper()
	alice, err := o.st.UserByName(ctx, "alice")
	must(t, err)
	r, err := o.seen.Once(ctx, mailgw.Submission{Sender: mailgw.Account{ID: alice.ID, Name: "alice"}, MessageID: fixtureMessageID},
		func() (mailgw.Receipt, error) { return mailgw.Receipt{}, errors.New("submitted twice") })
	if !errors.Is(err, mailgw.ErrDuplicate) || r.Pages != 2 || r.Estimate != "1.20 EUR" {
		t.Errorf("the repeated mail: %+v %v", r, err)
	}
}

// checkNotices: the cursor was kept (no notice is sent twice) and the
// notices pending when the fixture was written go out on the first poll.
func checkNotices(ctx context.Context, t *testing.T, o *opened) {
	t.Helper()
	_, err := o.watch.Poll(ctx)
	must(t, err)
	o.relay.mu.Lock()
	sent := slices.Clone(o.relay.sent)
	o.relay.mu.Unlock()
	if all := strings.Join(sent, "\n"); len(sent) != 2 || !strings.Contains(all, "Bob (+32 2 555 12 12) delivered") ||
		!strings.Contains(all, "Carol (+32 2 555 13 13) failed") {
		t.Errorf("notices sent %q, want the two pending ones", sent)
	}
	_, err = o.watch.Poll(ctx)
	must(t, err)
	if len(o.relay.sent) != 2 {
		t.Errorf("a second poll sent %q", o.relay.sent[2:])
	}
}
