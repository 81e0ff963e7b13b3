package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind is the kind of a ledger entry.
type Kind string

// Kinds of ledger entry.
const (
	KindTopUp      Kind = "topup"      // credit bought (voucher) or added; +balance
	KindHold       Kind = "hold"       // credit reserved for a call; +held
	KindRelease    Kind = "release"    // a hold given back; -held
	KindCharge     Kind = "charge"     // what a call cost; -balance
	KindRefund     Kind = "refund"     // a charge given back; +balance
	KindAdjustment Kind = "adjustment" // an administrator's correction; ±balance
)

// affectsBalance reports whether entries of kind k change the balance
// (the others change the held amount).
func (k Kind) affectsBalance() bool { return k != KindHold && k != KindRelease }

// Entry is one row of the append-only ledger.
type Entry struct {
	ID      int64
	At      time.Time // when it was written (UTC)
	Kind    Kind
	Amount  Amount // signed effect on balance (or on held for holds/releases)
	User    string // whose spending it is ("" for top-ups and adjustments)
	Who     string // who made the change: a user, "admin:...", "faxd"
	Why     string // the reason, in words
	Job     string // the fax job it belongs to, or ""
	Call    string // the call it belongs to, or ""
	Voucher string // the redeemed voucher's id, or ""
	Balance Amount // balance after this entry
	Held    Amount // sum of open holds after this entry
}

// Available returns the credit available after this entry.
func (e Entry) Available() Amount { return e.Balance - e.Held }

// totals reads the running totals after the last entry.
func totals(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (balance, held Amount, err error) {
	err = q.QueryRowContext(ctx, `SELECT balance, held FROM ledger_entries ORDER BY id DESC LIMIT 1`).Scan(&balance, &held)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("billing: read totals: %w", err)
	}
	return balance, held, nil
}

// appendEntry writes e (At, Kind, Amount, User, Who, Why, Job, Call,
// Voucher set) after the current totals and returns it completed. It
// refuses anything that would make held or available negative.
func (l *Ledger) appendEntry(ctx context.Context, tx *sql.Tx, e Entry) (Entry, error) {
	bal, held, err := totals(ctx, tx)
	if err != nil {
		return Entry{}, err
	}
	if e.Kind.affectsBalance() {
		bal += e.Amount
	} else {
		held += e.Amount
	}
	if held < 0 || bal-held < 0 {
		return Entry{}, fmt.Errorf("%w: %s of %s would leave %s available", ErrInconsistent,
			e.Kind, l.cfg.Currency.Format(e.Amount), l.cfg.Currency.Format(bal-held))
	}
	e.Balance, e.Held = bal, held
	var call, voucher any
	if e.Call != "" {
		call = e.Call
	}
	if e.Voucher != "" {
		voucher = e.Voucher
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO ledger_entries
		(at, kind, amount, user, who, why, job, call_id, voucher, balance, held)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		micros(e.At), string(e.Kind), int64(e.Amount), e.User, e.Who, e.Why, e.Job, call, voucher,
		int64(e.Balance), int64(e.Held))
	if err != nil {
		return Entry{}, fmt.Errorf("billing: write %s entry: %w", e.Kind, err)
	}
	e.ID, _ = res.LastInsertId()
	e.At = e.At.UTC()
	l.log.Info("ledger", "id", e.ID, "kind", e.Kind, "amount", l.cfg.Currency.FormatNumber(e.Amount),
		"balance", l.cfg.Currency.FormatNumber(e.Balance), "held", l.cfg.Currency.FormatNumber(e.Held),
		"who", e.Who, "why", e.Why, "job", e.Job, "call", e.Call)
	return e, nil
}

func checkAmount(a Amount) error {
	if a <= 0 || a > maxAmount {
		return fmt.Errorf("%w: %d micro-units", ErrInvalidAmount, a)
	}
	return nil
}

// TopUp adds credit, for example bought from the reseller and entered by
// an administrator. Vouchers use Redeem instead.
func (l *Ledger) TopUp(ctx context.Context, amount Amount, who, why string) (Entry, error) {
	if err := checkAmount(amount); err != nil {
		return Entry{}, fmt.Errorf("billing: top-up: %w", err)
	}
	if strings.TrimSpace(why) == "" {
		why = "top-up"
	}
	return l.simpleEntry(ctx, "top-up", Entry{Kind: KindTopUp, Amount: amount, Who: who, Why: why})
}

// Adjust changes the balance by amount (positive or negative) for an
// administrator's reason, which is required. A negative adjustment cannot
// take more than is available.
func (l *Ledger) Adjust(ctx context.Context, amount Amount, who, why string) (Entry, error) {
	if strings.TrimSpace(why) == "" {
		return Entry{}, fmt.Errorf("billing: adjust: %w", ErrReasonRequired)
	}
	if amount == 0 || amount > maxAmount || amount < -maxAmount {
		return Entry{}, fmt.Errorf("billing: adjust: %w: %d micro-units", ErrInvalidAmount, amount)
	}
	return l.simpleEntry(ctx, "adjust", Entry{Kind: KindAdjustment, Amount: amount, Who: who, Why: why})
}

func (l *Ledger) simpleEntry(ctx context.Context, op string, e Entry) (Entry, error) {
	var out Entry
	err := l.tx(ctx, op, func(tx *sql.Tx) error {
		at, err := l.now()
		if err != nil {
			return err
		}
		if e.Amount < 0 {
			bal, held, err := totals(ctx, tx)
			if err != nil {
				return err
			}
			if avail := bal - held; avail+e.Amount < 0 {
				return &CreditError{Op: op, Currency: l.cfg.Currency, Available: avail, Required: -e.Amount, Missing: -e.Amount - avail}
			}
		}
		e.At = at
		out, err = l.appendEntry(ctx, tx, e)
		return err
	})
	if err != nil {
		return Entry{}, fmt.Errorf("billing: %s: %w", op, err)
	}
	return out, nil
}

// Refund gives back up to what a settled call was charged, less earlier
// refunds, for a reason, which is required.
func (l *Ledger) Refund(ctx context.Context, callID string, amount Amount, who, why string) (Entry, error) {
	if strings.TrimSpace(why) == "" {
		return Entry{}, fmt.Errorf("billing: refund: %w", ErrReasonRequired)
	}
	if err := checkAmount(amount); err != nil {
		return Entry{}, fmt.Errorf("billing: refund: %w", err)
	}
	var out Entry
	err := l.tx(ctx, "refund", func(tx *sql.Tx) error {
		at, err := l.now()
		if err != nil {
			return err
		}
		var user, job, state string
		var charged Amount
		err = tx.QueryRowContext(ctx, `SELECT user, job, state, charge FROM ledger_calls WHERE id = ?`, callID).Scan(&user, &job, &state, &charged)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: %q", ErrUnknownCall, callID)
		}
		if err != nil {
			return err
		}
		var refunded Amount
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM ledger_entries WHERE call_id = ? AND kind = 'refund'`, callID).Scan(&refunded); err != nil {
			return err
		}
		if state != "settled" || amount > charged-refunded {
			return fmt.Errorf("%w: call %s was charged %s, %s refunded already", ErrRefundTooLarge, callID,
				l.cfg.Currency.Format(charged), l.cfg.Currency.Format(refunded))
		}
		out, err = l.appendEntry(ctx, tx, Entry{At: at, Kind: KindRefund, Amount: amount, User: user, Who: who, Why: why, Job: job, Call: callID})
		return err
	})
	if err != nil {
		return Entry{}, fmt.Errorf("billing: refund: %w", err)
	}
	return out, nil
}

// Account is the view of the prepaid account.
type Account struct {
	Currency  Currency
	Balance   Amount // sum of top-ups, charges, refunds and adjustments
	Held      Amount // sum of open holds
	Available Amount // Balance - Held, never negative
	OpenHolds int    // calls holding credit now
	// SpentThisMonth is charges less refunds since the start of the month
	// (Config.Location), for everyone, or for User when one was asked.
	SpentThisMonth Amount
	User           string // the user asked about, or ""
	UserLimit      Amount // the user's monthly limit, 0 for none
	UserHeld       Amount // the user's open holds
}

// Account returns balance, held, available, open holds and this month's
// spend; for a non-empty user also that user's spend, holds and limit.
func (l *Ledger) Account(ctx context.Context, user string) (Account, error) {
	a := Account{Currency: l.cfg.Currency, User: user}
	var err error
	if a.Balance, a.Held, err = totals(ctx, l.db); err != nil {
		return Account{}, err
	}
	a.Available = a.Balance - a.Held
	if err := l.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger_calls WHERE state = 'open'`).Scan(&a.OpenHolds); err != nil {
		return Account{}, fmt.Errorf("billing: account: %w", err)
	}
	if a.SpentThisMonth, err = l.spent(ctx, l.db, user); err != nil {
		return Account{}, err
	}
	if user != "" {
		if a.UserLimit, a.UserHeld, err = l.userLimit(ctx, l.db, user); err != nil {
			return Account{}, err
		}
	}
	return a, nil
}

type querier interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}

// monthStart returns the start of the current month in Config.Location.
func (l *Ledger) monthStart() time.Time {
	t := l.cfg.Now().In(l.cfg.Location)
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, l.cfg.Location)
}

// spent returns charges less refunds this month, for user or everyone.
func (l *Ledger) spent(ctx context.Context, q querier, user string) (Amount, error) {
	var s Amount
	query := `SELECT COALESCE(-SUM(amount), 0) FROM ledger_entries WHERE kind IN ('charge', 'refund') AND at >= ?`
	args := []any{micros(l.monthStart())}
	if user != "" {
		query += ` AND user = ?`
		args = append(args, user)
	}
	if err := q.QueryRowContext(ctx, query, args...).Scan(&s); err != nil {
		return 0, fmt.Errorf("billing: monthly spend: %w", err)
	}
	return s, nil
}

// userLimit returns the user's monthly limit (0 for none) and open holds.
func (l *Ledger) userLimit(ctx context.Context, q querier, user string) (limit, held Amount, err error) {
	err = q.QueryRowContext(ctx, `SELECT monthly FROM ledger_user_limits WHERE user = ?`, user).Scan(&limit)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, 0, fmt.Errorf("billing: user limit: %w", err)
	}
	err = q.QueryRowContext(ctx, `SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e JOIN ledger_calls c ON c.id = e.call_id
		WHERE c.user = ? AND c.state = 'open' AND e.kind IN ('hold', 'release')`, user).Scan(&held)
	if err != nil {
		return 0, 0, fmt.Errorf("billing: user holds: %w", err)
	}
	return limit, held, nil
}

// SetUserLimit sets a user's monthly spending limit; 0 removes it.
func (l *Ledger) SetUserLimit(ctx context.Context, user string, monthly Amount, who string) error {
	if user == "" || monthly < 0 || monthly > maxAmount {
		return fmt.Errorf("billing: set limit: %w: user %q, limit %d", ErrInvalidAmount, user, monthly)
	}
	return l.tx(ctx, "set limit", func(tx *sql.Tx) error {
		at, err := l.now()
		if err != nil {
			return err
		}
		if monthly == 0 {
			_, err = tx.ExecContext(ctx, `DELETE FROM ledger_user_limits WHERE user = ?`, user)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO ledger_user_limits (user, monthly, who, at) VALUES (?, ?, ?, ?)
				ON CONFLICT (user) DO UPDATE SET monthly = excluded.monthly, who = excluded.who, at = excluded.at`,
				user, int64(monthly), who, micros(at))
		}
		if err != nil {
			return fmt.Errorf("billing: set limit: %w", err)
		}
		return nil
	})
}

// checkUser returns a *LimitError if adding need to user's spend and open
// holds this month would pass the user's limit.
func (l *Ledger) checkUser(ctx context.Context, q querier, user string, need Amount) error {
	if user == "" {
		return nil
	}
	limit, held, err := l.userLimit(ctx, q, user)
	if err != nil || limit == 0 {
		return err
	}
	spent, err := l.spent(ctx, q, user)
	if err != nil {
		return err
	}
	if spent+held+need > limit {
		return &LimitError{User: user, Currency: l.cfg.Currency, Limit: limit, Used: spent + held, Needed: need}
	}
	return nil
}

// checkMinimum returns a *CreditError if less than MinAvailable is
// available.
func (l *Ledger) checkMinimum(op string, avail Amount) error {
	if avail < l.cfg.MinAvailable {
		return &CreditError{Op: op, Currency: l.cfg.Currency, Available: avail,
			Required: l.cfg.MinAvailable, Missing: l.cfg.MinAvailable - avail}
	}
	return nil
}

// CheckSubmit applies the submission rules to a message by user whose
// estimated cost is estimate: at least MinAvailable available (a
// *CreditError saying how much is missing), and the estimate within the
// user's monthly limit (a *LimitError).
func (l *Ledger) CheckSubmit(ctx context.Context, user string, estimate Amount) error {
	bal, held, err := totals(ctx, l.db)
	if err != nil {
		return err
	}
	if err := l.checkMinimum("submit", bal-held); err != nil {
		return err
	}
	return l.checkUser(ctx, l.db, user, max(estimate, 0))
}

// Entries returns the ledger entries written in [from, to), oldest first;
// a zero to means up to now.
func (l *Ledger) Entries(ctx context.Context, from, to time.Time) ([]Entry, error) {
	if to.IsZero() {
		to = time.Unix(1<<40, 0)
	}
	rows, err := l.db.QueryContext(ctx, `SELECT id, at, kind, amount, user, who, why, job,
		COALESCE(call_id, ''), COALESCE(voucher, ''), balance, held
		FROM ledger_entries WHERE at >= ? AND at < ? ORDER BY id`, micros(from), micros(to))
	if err != nil {
		return nil, fmt.Errorf("billing: entries: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var at int64
		var kind string
		if err := rows.Scan(&e.ID, &at, &kind, &e.Amount, &e.User, &e.Who, &e.Why, &e.Job, &e.Call, &e.Voucher, &e.Balance, &e.Held); err != nil {
			return nil, fmt.Errorf("billing: entries: %w", err)
		}
		e.At, e.Kind = fromMicros(at), Kind(kind)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("billing: entries: %w", err)
	}
	return out, nil
}

// Check cross-checks the ledger: every entry's running totals follow from
// the one before; balance and held equal the sums of their entries; held
// equals the holds of the open calls; settled calls hold nothing and have
// exactly one charge entry when answered; available is not negative. It
// returns an *InconsistencyError describing the first disagreement.
func (l *Ledger) Check(ctx context.Context) error {
	bad := func(format string, a ...any) error { return &InconsistencyError{Msg: fmt.Sprintf(format, a...)} }
	rows, err := l.db.QueryContext(ctx, `SELECT id, kind, amount, balance, held FROM ledger_entries ORDER BY id`)
	if err != nil {
		return fmt.Errorf("billing: check: %w", err)
	}
	var bal, held Amount
	for rows.Next() {
		var id int64
		var kind string
		var amt, b, h Amount
		if err := rows.Scan(&id, &kind, &amt, &b, &h); err != nil {
			rows.Close()
			return fmt.Errorf("billing: check: %w", err)
		}
		if Kind(kind).affectsBalance() {
			bal += amt
		} else {
			held += amt
		}
		if b != bal || h != held {
			rows.Close()
			return bad("entry %d: running totals %d/%d, sums %d/%d", id, b, h, bal, held)
		}
		if held < 0 || bal-held < 0 {
			rows.Close()
			return bad("entry %d: held %d, available %d", id, held, bal-held)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("billing: check: %w", err)
	}
	var sumBal, sumHeld, openHeld Amount
	if err := l.db.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN kind IN ('hold', 'release') THEN 0 ELSE amount END), 0),
		COALESCE(SUM(CASE WHEN kind IN ('hold', 'release') THEN amount ELSE 0 END), 0)
		FROM ledger_entries`).Scan(&sumBal, &sumHeld); err != nil {
		return fmt.Errorf("billing: check: %w", err)
	}
	if sumBal != bal || sumHeld != held {
		return bad("sums %d/%d, running %d/%d", sumBal, sumHeld, bal, held)
	}
	if err := l.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e
		JOIN ledger_calls c ON c.id = e.call_id WHERE c.state = 'open' AND e.kind IN ('hold', 'release')`).Scan(&openHeld); err != nil {
		return fmt.Errorf("billing: check: %w", err)
	}
	if openHeld != held {
		return bad("open calls hold %d, ledger holds %d", openHeld, held)
	}
	var n int
	if err := l.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger_calls c WHERE c.state = 'settled' AND (
		(SELECT COALESCE(SUM(amount), 0) FROM ledger_entries WHERE call_id = c.id AND kind IN ('hold', 'release')) != 0
		OR (SELECT COUNT(*) FROM ledger_entries WHERE call_id = c.id AND kind = 'charge') != c.answered
		OR (SELECT COALESCE(-SUM(amount), 0) FROM ledger_entries WHERE call_id = c.id AND kind = 'charge') != c.charge)`).Scan(&n); err != nil {
		return fmt.Errorf("billing: check: %w", err)
	}
	if n != 0 {
		return bad("%d settled calls with a hold left, a missing or double charge, or a charge unlike the call's", n)
	}
	if err := l.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger_calls c WHERE c.state = 'open' AND
		(SELECT COUNT(*) FROM ledger_entries WHERE call_id = c.id AND kind = 'charge') != 0`).Scan(&n); err != nil {
		return fmt.Errorf("billing: check: %w", err)
	}
	if n != 0 {
		return bad("%d open calls already charged", n)
	}
	return nil
}
