package billing_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/events"
)

// clock is a settable wall clock for Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// testConfig is a ledger on a fresh file with the default tariff.
func testConfig(t *testing.T, clk *clock) billing.Config {
	t.Helper()
	return billing.Config{
		Path:                 filepath.Join(t.TempDir(), "billing.db"),
		Now:                  clk.Now,
		Location:             time.UTC,
		InstallDefaultTariff: true,
	}
}

func open(t *testing.T, cfg billing.Config) *billing.Ledger {
	t.Helper()
	l, err := billing.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func mustCheck(t *testing.T, l *billing.Ledger) {
	t.Helper()
	if err := l.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestTopUpAndAccount(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	l := open(t, testConfig(t, clk))
	e, err := l.TopUp(ctx, eur("25"), "admin", "bought from reseller")
	if err != nil {
		t.Fatal(err)
	}
	if e.Balance != eur("25") || e.Available() != eur("25") || e.Kind != billing.KindTopUp {
		t.Errorf("%+v", e)
	}
	if _, err := l.TopUp(ctx, 0, "admin", ""); !errors.Is(err, billing.ErrInvalidAmount) {
		t.Errorf("zero top-up: %v", err)
	}
	if _, err := l.Adjust(ctx, eur("-1"), "admin", ""); !errors.Is(err, billing.ErrReasonRequired) {
		t.Errorf("adjust without reason: %v", err)
	}
	if _, err := l.Adjust(ctx, eur("-30"), "admin", "typo"); !errors.Is(err, billing.ErrInsufficientCredit) {
		t.Errorf("adjust below zero: %v", err)
	}
	if _, err := l.Adjust(ctx, eur("-5"), "admin", "goodwill reversed"); err != nil {
		t.Fatal(err)
	}
	a, err := l.Account(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if a.Balance != eur("20") || a.Available != eur("20") || a.Held != 0 || a.OpenHolds != 0 {
		t.Errorf("%+v", a)
	}
	mustCheck(t, l)
}

func TestTenEuroRule(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	l := open(t, testConfig(t, clk))
	if _, err := l.TopUp(ctx, eur("3.20"), "admin", ""); err != nil {
		t.Fatal(err)
	}
	err := l.CheckSubmit(ctx, "alice", eur("0.12"))
	var ce *billing.CreditError
	if !errors.As(err, &ce) || !errors.Is(err, billing.ErrInsufficientCredit) {
		t.Fatalf("submit with 3.20: %v", err)
	}
	if ce.Missing != eur("6.80") || ce.Required != eur("10") || ce.Available != eur("3.20") {
		t.Errorf("%+v", ce)
	}
	if !strings.Contains(err.Error(), "top up at least 6.80 EUR") {
		t.Errorf("message %q", err)
	}
	_, err = l.BeginCall(ctx, billing.CallRequest{ID: "c1", Job: "j1", User: "alice", Number: "+3225551212", Pages: 1})
	if !errors.As(err, &ce) || ce.Op != "dial" || ce.Missing != eur("6.80") {
		t.Fatalf("dial with 3.20: %v", err)
	}
	if _, err := l.TopUp(ctx, eur("6.80"), "admin", ""); err != nil {
		t.Fatal(err)
	}
	if err := l.CheckSubmit(ctx, "alice", eur("0.12")); err != nil {
		t.Fatalf("submit with 10.00: %v", err)
	}
	// Configurable, and in another currency.
	cfg := testConfig(t, clk)
	cfg.Currency, cfg.MinAvailable, cfg.InstallDefaultTariff = "CHF", 5*billing.Unit, false
	l2 := open(t, cfg)
	l2.TopUp(ctx, 4*billing.Unit, "admin", "")
	if err := l2.CheckSubmit(ctx, "", 0); err == nil || !strings.Contains(err.Error(), "1.00 CHF") {
		t.Errorf("CHF rule: %v", err)
	}
	cfg = testConfig(t, clk)
	cfg.MinAvailable = -1
	if err := open(t, cfg).CheckSubmit(ctx, "", 0); err != nil {
		t.Errorf("rule off: %v", err)
	}
}

func TestHoldSettleExact(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	l := open(t, testConfig(t, clk))
	l.TopUp(ctx, eur("25"), "admin", "")
	est, err := l.Price(ctx, "+3225551212", 3)
	if err != nil {
		t.Fatal(err)
	}
	h, err := l.BeginCall(ctx, billing.CallRequest{ID: "c1", Job: "j1", User: "alice", Number: "+3225551212", Country: "BE", Pages: 3})
	if err != nil {
		t.Fatal(err)
	}
	if h.Estimate != est.Cost || h.Amount != h.Rate.Cost(5*time.Second+time.Minute) && h.Amount != est.Cost*2 {
		t.Errorf("hold %+v, estimate %+v", h, est)
	}
	if h.Rate.Cost(h.Deadline+5*time.Second) > h.Amount {
		t.Errorf("deadline %v costs more than the hold %d", h.Deadline, h.Amount)
	}
	a, _ := l.Account(ctx, "alice")
	if a.Held != h.Amount || a.Available != eur("25")-h.Amount || a.OpenHolds != 1 || a.UserHeld != h.Amount {
		t.Errorf("during call: %+v", a)
	}
	if err := l.Progress(ctx, "c1", 50*time.Second); err != nil {
		t.Fatal(err)
	}
	s, err := l.Settle(ctx, "c1", true, 101500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	// 102 s billed at 0.06/min = 0.102, shown and charged as 0.11.
	if s.Charge != eur("0.11") || s.BilledSeconds != 102 || s.Released != h.Amount || s.Capped {
		t.Errorf("%+v", s)
	}
	a, _ = l.Account(ctx, "alice")
	if a.Balance != eur("24.89") || a.Held != 0 || a.SpentThisMonth != eur("0.11") {
		t.Errorf("after call: %+v", a)
	}
	again, err := l.Settle(ctx, "c1", true, time.Hour)
	if err != nil || !again.Replayed || again.Charge != s.Charge {
		t.Errorf("second settle: %+v %v", again, err)
	}
	if err := l.Progress(ctx, "c1", time.Hour); !errors.Is(err, billing.ErrCallSettled) {
		t.Errorf("progress after settle: %v", err)
	}
	if _, err := l.Settle(ctx, "nope", true, 0); !errors.Is(err, billing.ErrUnknownCall) {
		t.Errorf("unknown call: %v", err)
	}
	if _, err := l.BeginCall(ctx, billing.CallRequest{ID: "c1", Number: "+3225551212", Pages: 1}); !errors.Is(err, billing.ErrDuplicateCall) {
		t.Errorf("duplicate call: %v", err)
	}
	// Unanswered: no charge, hold released.
	l.BeginCall(ctx, billing.CallRequest{ID: "c2", Number: "+3225551212", Pages: 1})
	s2, err := l.Settle(ctx, "c2", false, 0)
	if err != nil || s2.Charge != 0 || s2.Answered {
		t.Errorf("unanswered: %+v %v", s2, err)
	}
	mustCheck(t, l)

	// The statement shows exactly what the ledger holds.
	var buf bytes.Buffer
	if err := l.WriteStatementCSV(ctx, &buf, time.Time{}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var charge []string
	for _, r := range recs {
		if r[2] == "charge" {
			charge = r
		}
	}
	if charge == nil || charge[3] != "-0.11" || charge[12] != "+3225551212" || charge[13] != "BE" ||
		charge[15] != "101.500" || charge[16] != "102" || charge[17] != "3" || charge[21] != "0.11" || charge[4] != "24.89" {
		t.Errorf("statement charge row %q", charge)
	}
	if len(recs) != 1+1+2+2 { // header, top-up, c1 hold+release+charge... counted below
		entries, _ := l.Entries(ctx, time.Time{}, time.Time{})
		if len(recs) != len(entries)+1 {
			t.Errorf("%d rows for %d entries", len(recs), len(entries))
		}
	}
}

func TestDeadlineNeverOverdraws(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	cfg := testConfig(t, clk)
	cfg.MinAvailable = -1
	l := open(t, cfg)
	l.TopUp(ctx, eur("1.00"), "admin", "")
	// Satellite: 6.00/min per started minute, minimum 6.00: not affordable.
	_, err := l.BeginCall(ctx, billing.CallRequest{ID: "sat", Number: "+870773111111", Pages: 1})
	var ce *billing.CreditError
	if !errors.As(err, &ce) || ce.Required != eur("6.50") || ce.Missing != eur("5.50") {
		t.Fatalf("satellite: %v", err)
	}
	// Belgium with 1.00: a long document is cut at the deadline.
	h, err := l.BeginCall(ctx, billing.CallRequest{ID: "long", Number: "+3225551212", Pages: 100})
	if err != nil {
		t.Fatal(err)
	}
	if h.Amount != eur("1.00") || h.Deadline != 995*time.Second {
		t.Errorf("hold %+v", h)
	}
	// The call overruns its deadline by far (hang-up failed): the charge
	// is cut to the credit left, never below zero.
	s, err := l.Settle(ctx, "long", true, 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if s.Charge != eur("1.00") || !s.Capped {
		t.Errorf("%+v", s)
	}
	a, _ := l.Account(ctx, "")
	if a.Balance != 0 || a.Available != 0 {
		t.Errorf("%+v", a)
	}
	mustCheck(t, l)
}

func TestExtend(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	l := open(t, testConfig(t, clk))
	l.TopUp(ctx, eur("10.30"), "admin", "")
	h, err := l.BeginCall(ctx, billing.CallRequest{ID: "c", Number: "+3225551212", Pages: 1})
	if err != nil {
		t.Fatal(err)
	}
	h2, err := l.Extend(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	if h2.Amount <= h.Amount || h2.Deadline <= h.Deadline || h2.Rate.Cost(h2.Deadline) > h2.Amount {
		t.Errorf("%+v -> %+v", h, h2)
	}
	for range 200 {
		if _, err = l.Extend(ctx, "c"); err != nil {
			break
		}
	}
	if !errors.Is(err, billing.ErrInsufficientCredit) {
		t.Errorf("extend past the balance: %v", err)
	}
	a, _ := l.Account(ctx, "")
	if a.Available != 0 || a.Held != eur("10.30") {
		t.Errorf("%+v", a)
	}
	l.Settle(ctx, "c", true, 3*time.Minute)
	if _, err := l.Extend(ctx, "c"); !errors.Is(err, billing.ErrCallSettled) {
		t.Errorf("extend settled: %v", err)
	}
	mustCheck(t, l)
}

func TestTariffVersioning(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	l := open(t, testConfig(t, clk))
	l.TopUp(ctx, eur("50"), "admin", "")
	if _, err := l.BeginCall(ctx, billing.CallRequest{ID: "old", Number: "+3225551212", Pages: 1}); err != nil {
		t.Fatal(err)
	}
	dear, _ := billing.NewTable(billing.EUR, []billing.Rate{{Prefix: "32", Name: "Belgium", PerMinute: eur("1.20"), First: 60, Step: 60}})
	v2, err := l.SetTariff(ctx, dear, clk.Now().Add(time.Hour), "admin", "new prices from April")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.BeginCall(ctx, billing.CallRequest{ID: "before", Number: "+3225551212", Pages: 1}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Hour)
	h, err := l.BeginCall(ctx, billing.CallRequest{ID: "after", Number: "+3225551212", Pages: 1})
	if err != nil || h.TariffVersion != v2 {
		t.Fatalf("%+v %v", h, err)
	}
	// "old" is settled after the change but charged as dialled.
	for id, want := range map[string]string{"old": "0.06", "before": "0.06", "after": "1.20"} {
		s, err := l.Settle(ctx, id, true, 60*time.Second)
		if err != nil || s.Charge != eur(want) {
			t.Errorf("%s: %+v %v, want %s", id, s, err, want)
		}
	}
	vs, err := l.TariffVersions(ctx)
	if err != nil || len(vs) != 2 || vs[0].Who != "faxbox" || !strings.Contains(vs[0].Note, "example prices") || vs[1].Note != "new prices from April" {
		t.Errorf("%+v %v", vs, err)
	}
	usd, _ := billing.NewTable("USD", []billing.Rate{{Prefix: "1", PerMinute: 1, Step: 1}})
	if _, err := l.SetTariff(ctx, usd, clk.Now(), "admin", ""); !errors.Is(err, billing.ErrCurrency) {
		t.Errorf("USD tariff on EUR ledger: %v", err)
	}
	var buf bytes.Buffer
	dear.WriteCSV(&buf, "")
	if _, err := l.ImportTariffCSV(ctx, &buf, clk.Now(), "admin", "re-import"); err != nil {
		t.Error(err)
	}
	mustCheck(t, l)
}

func TestNoTariff(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	cfg := testConfig(t, clk)
	cfg.InstallDefaultTariff = false
	l := open(t, cfg)
	l.TopUp(ctx, eur("20"), "admin", "")
	if _, err := l.BeginCall(ctx, billing.CallRequest{ID: "c", Number: "+3225551212", Pages: 1}); !errors.Is(err, billing.ErrNoTariff) {
		t.Errorf("%v", err)
	}
	if _, err := l.Price(ctx, "+32", 1); !errors.Is(err, billing.ErrNoTariff) {
		t.Errorf("%v", err)
	}
}

func TestUserLimit(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	l := open(t, testConfig(t, clk))
	l.TopUp(ctx, eur("100"), "admin", "")
	if err := l.SetUserLimit(ctx, "bob", eur("0.90"), "admin"); err != nil {
		t.Fatal(err)
	}
	h, err := l.BeginCall(ctx, billing.CallRequest{ID: "b1", User: "bob", Number: "+3225551212", Pages: 5})
	if err != nil {
		t.Fatal(err)
	}
	l.Settle(ctx, "b1", true, 10*time.Minute) // 0.60
	_, err = l.BeginCall(ctx, billing.CallRequest{ID: "b2", User: "bob", Number: "+3225551212", Pages: 5})
	var le *billing.LimitError
	if !errors.As(err, &le) || !errors.Is(err, billing.ErrUserLimit) || le.Used != eur("0.60") {
		t.Fatalf("over limit: %v (hold was %d)", err, h.Amount)
	}
	if err := l.CheckSubmit(ctx, "bob", eur("0.50")); !errors.Is(err, billing.ErrUserLimit) {
		t.Errorf("submit over limit: %v", err)
	}
	if err := l.CheckSubmit(ctx, "alice", eur("0.50")); err != nil {
		t.Errorf("alice has no limit: %v", err)
	}
	// A new month starts from zero.
	clk.Set(time.Date(2026, 4, 1, 0, 0, 1, 0, time.UTC))
	if err := l.CheckSubmit(ctx, "bob", eur("0.50")); err != nil {
		t.Errorf("new month: %v", err)
	}
	a, _ := l.Account(ctx, "bob")
	if a.SpentThisMonth != 0 || a.UserLimit != eur("0.90") {
		t.Errorf("%+v", a)
	}
	l.SetUserLimit(ctx, "bob", 0, "admin")
	if a, _ := l.Account(ctx, "bob"); a.UserLimit != 0 {
		t.Errorf("limit not removed: %+v", a)
	}
}

func TestRefund(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	l := open(t, testConfig(t, clk))
	l.TopUp(ctx, eur("20"), "admin", "")
	l.BeginCall(ctx, billing.CallRequest{ID: "c", User: "alice", Number: "+3225551212", Pages: 1})
	if _, err := l.Refund(ctx, "c", eur("0.01"), "admin", "failed fax"); !errors.Is(err, billing.ErrRefundTooLarge) {
		t.Errorf("refund of open call: %v", err)
	}
	l.Settle(ctx, "c", true, 100*time.Second) // 0.10
	if _, err := l.Refund(ctx, "c", eur("0.06"), "admin", ""); !errors.Is(err, billing.ErrReasonRequired) {
		t.Errorf("%v", err)
	}
	if _, err := l.Refund(ctx, "c", eur("0.06"), "admin", "page 2 unreadable"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Refund(ctx, "c", eur("0.05"), "admin", "again"); !errors.Is(err, billing.ErrRefundTooLarge) {
		t.Errorf("over-refund: %v", err)
	}
	a, _ := l.Account(ctx, "alice")
	if a.Balance != eur("19.96") || a.SpentThisMonth != eur("0.04") {
		t.Errorf("%+v", a)
	}
	mustCheck(t, l)
}

func TestAppendOnlyAndClock(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	cfg := testConfig(t, clk)
	l := open(t, cfg)
	l.TopUp(ctx, eur("20"), "admin", "")
	db, err := sql.Open("sqlite", "file:"+cfg.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{`UPDATE ledger_entries SET amount = 1`, `DELETE FROM ledger_entries`} {
		if _, err := db.Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", q, err)
		}
	}
	clk.Set(time.Unix(0, 0))
	if _, err := l.TopUp(ctx, eur("1"), "admin", ""); !errors.Is(err, billing.ErrClockNotSet) {
		t.Errorf("1970 clock: %v", err)
	}
	// A newer schema is refused.
	l.Close()
	db.Exec(`UPDATE ledger_schema SET version = 99`)
	if _, err := billing.Open(ctx, cfg); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("newer schema: %v", err)
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	cfg := testConfig(t, clk)
	l := open(t, cfg)
	l.TopUp(ctx, eur("20"), "admin", "")
	l.Close()
	l = open(t, cfg)
	a, err := l.Account(ctx, "")
	if err != nil || a.Balance != eur("20") {
		t.Fatalf("%+v %v", a, err)
	}
	vs, _ := l.TariffVersions(ctx)
	if len(vs) != 1 {
		t.Errorf("default tariff installed %d times", len(vs))
	}
}

func TestCallID(t *testing.T) {
	if id := billing.CallID(42, 3); id != "job42/attempt3" {
		t.Fatalf("CallID = %q", id)
	}
	if j, a, ok := billing.ParseCallID("job42/attempt3"); !ok || j != 42 || a != 3 {
		t.Errorf("ParseCallID = %d %d %v", j, a, ok)
	}
	for _, bad := range []string{"", "c1", "job42", "job/attempt1", "job42/attempt", "job042/attempt3", "job42/attempt3x", "jobx/attempt3"} {
		if _, _, ok := billing.ParseCallID(bad); ok {
			t.Errorf("ParseCallID(%q) ok", bad)
		}
	}
}

// TestLedgerPublishesTotals: each committed change of the account's
// totals is published on the bus once, in order; a change that leaves
// them as they were (a tariff) publishes nothing.
func TestLedgerPublishesTotals(t *testing.T) {
	ctx := context.Background()
	bus := events.NewBus()
	sub := bus.Subscribe(0, events.KindAccount)
	defer sub.Close()
	l, err := billing.Open(ctx, billing.Config{Path: filepath.Join(t.TempDir(), "l.db"), Bus: bus})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.TopUp(ctx, 20*billing.Unit, "admin:test", "credit"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Adjust(ctx, -5*billing.Unit, "admin:test", "correction"); err != nil {
		t.Fatal(err)
	}
	tab, err := billing.NewTable(billing.EUR, []billing.Rate{{Prefix: "32", Name: "Belgium", PerMinute: billing.Unit, First: 60, Step: 60}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.SetTariff(ctx, tab, time.Now().Add(-time.Hour), "test", "tariff"); err != nil {
		t.Fatal(err)
	}
	ps, resync := sub.Take()
	var balances []billing.Amount
	for _, p := range ps {
		a := p.(events.AccountEvent)
		if a.Currency != "EUR" || a.Available != a.Balance-a.Held {
			t.Errorf("account event %+v", a)
		}
		balances = append(balances, billing.Amount(a.Balance))
	}
	if resync || !slices.Equal(balances, []billing.Amount{20 * billing.Unit, 15 * billing.Unit}) {
		t.Errorf("published balances %v (resync %v), want 20 then 15", balances, resync)
	}
}
