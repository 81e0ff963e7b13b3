package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// CallRequest describes a call about to be dialled.
type CallRequest struct {
	ID      string // unique id of this call attempt, e.g. "job42/attempt2"
	Job     string // the fax job it belongs to
	User    string // whose spending it is
	Number  string // destination in E.164 ("+3225551212")
	Country string // destination ISO 3166-1 code, for statements ("BE")
	Pages   int    // pages to send, for the estimate
	// LineTime is the expected connected time of the call for those
	// pages, from the line-time model (t30.LineTime); zero when unknown.
	// The hold is priced from the longer of it and Pages x Config.PerPage.
	LineTime time.Duration
}

// Hold is the credit reserved for a call and the limit on its length.
type Hold struct {
	Call          string
	TariffVersion int64  // the tariff version in force when dialled
	Rate          Rate   // the rate the call will be charged at
	Estimate      Amount // expected cost (Rate.Cost of the longer of Pages x Config.PerPage and LineTime)
	Amount        Amount // credit held for the call in total
	// Deadline is the longest the call may stay connected (from CONNECT):
	// its cost then is at most Amount, with Config.HangupGuard to spare.
	// When it passes, the daemon ends the call cleanly and fails the job
	// with "credit exhausted", or first asks Extend for more.
	Deadline  time.Duration
	Available Amount // credit still available after the hold
}

// CallLimit returns the limit to give the fax engine (t30.Options.
// MaxDuration) for a call whose hang-up, once the limit is reached, takes up
// to hangUp (t30.HangUpMargin): Deadline less hangUp. It returns false
// when that leaves no time, and the call must not be dialled: a limit of
// zero means "no limit" to the engine, which would let the call run past
// the credit.
func (h Hold) CallLimit(hangUp time.Duration) (time.Duration, bool) {
	d := h.Deadline - max(hangUp, 0)
	if d <= 0 {
		return 0, false
	}
	return d, true
}

// Settlement is the outcome of settling a call.
type Settlement struct {
	Call          string
	Answered      bool
	Duration      time.Duration // connected time charged for
	BilledSeconds int64         // after increments
	Charge        Amount        // what the ledger charged
	Capped        bool          // the charge was cut to the credit that was left
	Released      Amount        // hold given back
	Replayed      bool          // the call had been settled before; nothing was written
}

// BeginCall is called before dialling. In one immediate transaction it
// checks the minimum-available rule (a *CreditError saying how much is
// missing), prices the call with the tariff in force now for the longer
// of req.Pages x Config.PerPage and req.LineTime, holds
// min(available, Config.HoldPercent of the estimate) and checks the user's
// monthly limit (a *LimitError), then records the call. The returned
// Deadline bounds the call so that it cannot cost more than the hold.
func (l *Ledger) BeginCall(ctx context.Context, req CallRequest) (Hold, error) {
	if req.ID == "" || req.Number == "" {
		return Hold{}, fmt.Errorf("billing: begin call: call id and number are required")
	}
	var h Hold
	err := l.tx(ctx, "begin call", func(tx *sql.Tx) error {
		at, err := l.now()
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger_calls WHERE id = ?`, req.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("%w: %q", ErrDuplicateCall, req.ID)
		}
		ver, tab, err := l.tariffAt(ctx, tx, at)
		if err != nil {
			return err
		}
		est, err := tab.Estimate(req.Number, req.Pages, l.cfg.PerPage)
		if err != nil {
			return err
		}
		if d := min(req.LineTime, MaxCall); d > est.Duration {
			est.Duration, est.Cost = d, est.Rate.Cost(d)
		}
		bal, held, err := totals(ctx, tx)
		if err != nil {
			return err
		}
		avail := bal - held
		if err := l.checkMinimum("dial", avail); err != nil {
			return err
		}
		r := est.Rate
		target := Amount(mulDivCeil(int64(est.Cost), int64(l.cfg.HoldPercent), 100))
		target = max(target, r.Cost(l.cfg.HangupGuard+time.Minute))
		amount := min(avail, target)
		deadline, ok := l.deadline(r, amount)
		if !ok {
			need := r.Cost(l.cfg.HangupGuard + time.Second)
			return &CreditError{Op: "dial", Currency: l.cfg.Currency, Available: avail, Required: need, Missing: need - avail}
		}
		if err := l.checkUser(ctx, tx, req.User, amount); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO ledger_calls (id, job, user, number, country, pages, tariff_version,
			rate_prefix, rate_name, per_minute, first_s, step_s, minimum, fee, estimate, dialled_at, deadline_ms)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			req.ID, req.Job, req.User, req.Number, req.Country, req.Pages, ver,
			r.Prefix, r.Name, int64(r.PerMinute), r.First, r.Step, int64(r.Minimum), int64(r.ConnectFee),
			int64(est.Cost), micros(at), deadline.Milliseconds())
		if err != nil {
			return fmt.Errorf("billing: record call: %w", err)
		}
		if amount > 0 {
			why := fmt.Sprintf("hold for %d page(s) to %s, %s expected on the line", req.Pages, req.Number,
				fmtDuration(est.Duration.Round(time.Second)))
			if _, err := l.appendEntry(ctx, tx, Entry{At: at, Kind: KindHold, Amount: amount, User: req.User,
				Who: req.User, Why: why, Job: req.Job, Call: req.ID}); err != nil {
				return err
			}
		}
		h = Hold{Call: req.ID, TariffVersion: ver, Rate: r, Estimate: est.Cost, Amount: amount,
			Deadline: deadline, Available: avail - amount}
		return nil
	})
	if err != nil {
		return Hold{}, fmt.Errorf("billing: begin call %s: %w", req.ID, err)
	}
	return h, nil
}

// deadline returns the connected time a hold of amount pays for, less the
// hang-up guard, and false if that is not positive.
func (l *Ledger) deadline(r Rate, amount Amount) (time.Duration, bool) {
	d, ok := r.MaxDuration(amount)
	if !ok || d <= l.cfg.HangupGuard {
		return 0, false
	}
	return d - l.cfg.HangupGuard, true
}

// callRow is a call as stored.
type callRow struct {
	user, job, state string
	rate             Rate
	estimate         Amount
	answered         bool
	duration         time.Duration
	charge           Amount
	capped           bool
	deadline         time.Duration
}

func (l *Ledger) loadCall(ctx context.Context, q querier, id string) (callRow, error) {
	var c callRow
	var durMS, deadMS int64
	err := q.QueryRowContext(ctx, `SELECT user, job, state, rate_prefix, rate_name, per_minute, first_s, step_s,
		minimum, fee, estimate, answered, duration_ms, charge, capped, deadline_ms FROM ledger_calls WHERE id = ?`, id).Scan(
		&c.user, &c.job, &c.state, &c.rate.Prefix, &c.rate.Name, &c.rate.PerMinute, &c.rate.First, &c.rate.Step,
		&c.rate.Minimum, &c.rate.ConnectFee, &c.estimate, &c.answered, &durMS, &c.charge, &c.capped, &deadMS)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("%w: %q", ErrUnknownCall, id)
	}
	if err != nil {
		return c, fmt.Errorf("billing: load call %s: %w", id, err)
	}
	c.rate.Currency = l.cfg.Currency
	c.duration, c.deadline = time.Duration(durMS)*time.Millisecond, time.Duration(deadMS)*time.Millisecond
	return c, nil
}

func callHeld(ctx context.Context, q querier, id string) (Amount, error) {
	var a Amount
	err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM ledger_entries WHERE call_id = ? AND kind IN ('hold', 'release')`, id).Scan(&a)
	if err != nil {
		return 0, fmt.Errorf("billing: call hold: %w", err)
	}
	return a, nil
}

// Extend holds more credit for a call that is running long (another
// Config.HoldPercent of its estimate, or what is left) and returns the hold
// with the new, later Deadline. It fails with a *CreditError when nothing
// is available: the call must then end at the deadline it has.
func (l *Ledger) Extend(ctx context.Context, callID string) (Hold, error) {
	var h Hold
	err := l.tx(ctx, "extend call", func(tx *sql.Tx) error {
		at, err := l.now()
		if err != nil {
			return err
		}
		c, err := l.loadCall(ctx, tx, callID)
		if err != nil {
			return err
		}
		if c.state != "open" {
			return fmt.Errorf("%w: %s", ErrCallSettled, callID)
		}
		bal, held, err := totals(ctx, tx)
		if err != nil {
			return err
		}
		avail := bal - held
		more := Amount(mulDivCeil(int64(max(c.estimate, c.rate.Cost(time.Minute))), int64(l.cfg.HoldPercent), 100))
		more = min(more, avail)
		if more <= 0 {
			return &CreditError{Op: "extend the call", Currency: l.cfg.Currency, Available: avail, Required: c.rate.Cost(time.Minute), Missing: c.rate.Cost(time.Minute) - avail}
		}
		if err := l.checkUser(ctx, tx, c.user, more); err != nil {
			return err
		}
		if _, err := l.appendEntry(ctx, tx, Entry{At: at, Kind: KindHold, Amount: more, User: c.user, Who: c.user,
			Why: "hold extended: call running long", Job: c.job, Call: callID}); err != nil {
			return err
		}
		total, err := callHeld(ctx, tx, callID)
		if err != nil {
			return err
		}
		d, _ := l.deadline(c.rate, total)
		d = max(d, c.deadline)
		if _, err := tx.ExecContext(ctx, `UPDATE ledger_calls SET deadline_ms = ? WHERE id = ?`, d.Milliseconds(), callID); err != nil {
			return fmt.Errorf("billing: extend call: %w", err)
		}
		h = Hold{Call: callID, Rate: c.rate, Estimate: c.estimate, Amount: total, Deadline: d, Available: avail - more}
		return tx.QueryRowContext(ctx, `SELECT tariff_version FROM ledger_calls WHERE id = ?`, callID).Scan(&h.TariffVersion)
	})
	if err != nil {
		return Hold{}, fmt.Errorf("billing: extend call %s: %w", callID, err)
	}
	return h, nil
}

// Progress persists the metered connected time of a running call (from
// CONNECT, on the monotonic clock), marking it answered. The daemon calls
// it at CONNECT and then every few seconds or after each page, so that a
// call interrupted by a crash is settled by Recover from the last value.
// The stored duration never decreases.
func (l *Ledger) Progress(ctx context.Context, callID string, connected time.Duration) error {
	return l.tx(ctx, "progress", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE ledger_calls SET answered = 1, duration_ms = MAX(duration_ms, ?)
			WHERE id = ? AND state = 'open'`, max(connected, 0).Milliseconds(), callID)
		if err != nil {
			return fmt.Errorf("billing: progress %s: %w", callID, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		if _, err := l.loadCall(ctx, tx, callID); err != nil {
			return fmt.Errorf("billing: progress: %w", err)
		}
		return fmt.Errorf("billing: progress: %w: %s", ErrCallSettled, callID)
	})
}

// Settle ends a call's billing in one immediate transaction: the hold is
// released and, if the call was answered, the exact charge for connected
// (Rate.Cost, with the rate of the tariff version in force when dialled)
// is written. A charge is never more than the call's hold plus what else
// is available (Capped then says it was cut), so available credit never
// goes negative. Settling a settled call writes nothing and returns the
// first settlement with Replayed set, so Settle is safe to repeat.
func (l *Ledger) Settle(ctx context.Context, callID string, answered bool, connected time.Duration) (Settlement, error) {
	var s Settlement
	err := l.tx(ctx, "settle", func(tx *sql.Tx) error {
		var err error
		s, err = l.settleTx(ctx, tx, callID, answered, connected)
		return err
	})
	if err != nil {
		return Settlement{}, fmt.Errorf("billing: settle %s: %w", callID, err)
	}
	return s, nil
}

func (l *Ledger) settleTx(ctx context.Context, tx *sql.Tx, callID string, answered bool, connected time.Duration) (Settlement, error) {
	at, err := l.now()
	if err != nil {
		return Settlement{}, err
	}
	c, err := l.loadCall(ctx, tx, callID)
	if err != nil {
		return Settlement{}, err
	}
	if c.state == "settled" {
		return Settlement{Call: callID, Answered: c.answered, Duration: c.duration, BilledSeconds: billed(c.rate, c.answered, c.duration),
			Charge: c.charge, Capped: c.capped, Replayed: true}, nil
	}
	connected = max(connected, 0).Truncate(time.Millisecond)
	if !answered {
		connected = 0
	}
	s := Settlement{Call: callID, Answered: answered, Duration: connected, BilledSeconds: billed(c.rate, answered, connected)}
	if answered {
		s.Charge = c.rate.Cost(connected)
	}
	callHold, err := callHeld(ctx, tx, callID)
	if err != nil {
		return Settlement{}, err
	}
	bal, held, err := totals(ctx, tx)
	if err != nil {
		return Settlement{}, err
	}
	if limit := callHold + bal - held; s.Charge > limit {
		s.Charge, s.Capped = max(limit, 0), true
	}
	if callHold > 0 {
		if _, err := l.appendEntry(ctx, tx, Entry{At: at, Kind: KindRelease, Amount: -callHold, User: c.user,
			Who: "faxd", Why: "call ended: hold released", Job: c.job, Call: callID}); err != nil {
			return Settlement{}, err
		}
		s.Released = callHold
	}
	if answered {
		why := fmt.Sprintf("call %s, %d s billed at %s/min (%s)", fmtDuration(connected), s.BilledSeconds,
			l.cfg.Currency.Format(c.rate.PerMinute), c.rate.Name)
		if s.Capped {
			why += ", cut to the credit left"
		}
		if _, err := l.appendEntry(ctx, tx, Entry{At: at, Kind: KindCharge, Amount: -s.Charge, User: c.user,
			Who: "faxd", Why: why, Job: c.job, Call: callID}); err != nil {
			return Settlement{}, err
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE ledger_calls SET state = 'settled', answered = ?, duration_ms = ?, charge = ?,
		capped = ?, settled_at = ? WHERE id = ?`, answered, connected.Milliseconds(), int64(s.Charge), s.Capped, micros(at), callID)
	if err != nil {
		return Settlement{}, fmt.Errorf("billing: settle: %w", err)
	}
	return s, nil
}

func billed(r Rate, answered bool, d time.Duration) int64 {
	if !answered {
		return 0
	}
	return r.BilledSeconds(d)
}

func fmtDuration(d time.Duration) string { return d.Round(time.Millisecond).String() }

// OpenCall is a call that holds credit and has not been settled.
type OpenCall struct {
	ID       string
	Job      string
	User     string
	Answered bool          // Progress was called
	Duration time.Duration // last persisted connected time
	Held     Amount
}

// OpenCalls lists the calls not yet settled.
func (l *Ledger) OpenCalls(ctx context.Context) ([]OpenCall, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT c.id, c.job, c.user, c.answered, c.duration_ms,
		(SELECT COALESCE(SUM(amount), 0) FROM ledger_entries WHERE call_id = c.id AND kind IN ('hold', 'release'))
		FROM ledger_calls c WHERE c.state = 'open' ORDER BY c.dialled_at, c.id`)
	if err != nil {
		return nil, fmt.Errorf("billing: open calls: %w", err)
	}
	defer rows.Close()
	var out []OpenCall
	for rows.Next() {
		var c OpenCall
		var ms int64
		if err := rows.Scan(&c.ID, &c.Job, &c.User, &c.Answered, &ms, &c.Held); err != nil {
			return nil, fmt.Errorf("billing: open calls: %w", err)
		}
		c.Duration = time.Duration(ms) * time.Millisecond
		out = append(out, c)
	}
	return out, rows.Err()
}

// Recover settles every open call from its persisted record (answered if
// Progress was called, for the last persisted duration). The daemon calls
// it on start, before dialling anything, for the calls a crash or power
// cut interrupted. Settling is idempotent, so Recover is too.
func (l *Ledger) Recover(ctx context.Context) ([]Settlement, error) {
	open, err := l.OpenCalls(ctx)
	if err != nil {
		return nil, err
	}
	var out []Settlement
	for _, c := range open {
		s, err := l.Settle(ctx, c.ID, c.Answered, c.Duration)
		if err != nil {
			return out, fmt.Errorf("billing: recover: %w", err)
		}
		l.log.Warn("billing: settled interrupted call", "call", c.ID, "job", c.Job, "duration", c.Duration, "charge", l.cfg.Currency.Format(s.Charge))
		out = append(out, s)
	}
	return out, nil
}

// CallInfo is what the ledger knows of one call: for a settled call, the
// metered duration, the seconds billed and the charge.
type CallInfo struct {
	ID            string
	Settled       bool
	Answered      bool
	Duration      time.Duration // metered connected time
	BilledSeconds int64
	Charge        Amount
	Capped        bool
}

// Call returns what the ledger recorded of callID; ErrUnknownCall when it
// never held credit for it.
func (l *Ledger) Call(ctx context.Context, callID string) (CallInfo, error) {
	c, err := l.loadCall(ctx, l.db, callID)
	if err != nil {
		return CallInfo{}, err
	}
	return CallInfo{ID: callID, Settled: c.state == "settled", Answered: c.answered, Duration: c.duration,
		BilledSeconds: billed(c.rate, c.answered, c.duration), Charge: c.charge, Capped: c.capped}, nil
}

// CallID is the ledger's id of a job's attempt, the key that ties a call
// in the ledger to the store's attempt: "job42/attempt2".
func CallID(job int64, attempt int) string { return fmt.Sprintf("job%d/attempt%d", job, attempt) }

// ParseCallID returns the job and attempt of a call id made by CallID;
// ok is false for any other id (tests and older versions used others).
func ParseCallID(id string) (job int64, attempt int, ok bool) {
	j, a, found := strings.Cut(strings.TrimPrefix(id, "job"), "/attempt")
	job, err1 := strconv.ParseInt(j, 10, 64)
	attempt, err2 := strconv.Atoi(a)
	if !found || err1 != nil || err2 != nil || CallID(job, attempt) != id {
		return 0, 0, false
	}
	return job, attempt, true
}
