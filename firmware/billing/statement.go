package billing

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"
)

// statementHeader returns the first record of a statement CSV.
func statementHeader() []string {
	return []string{"entry", "time", "kind", "amount", "balance", "available", "currency",
		"user", "who", "why", "job", "call", "destination", "country", "dialled", "duration_s", "billed_s",
		"pages", "tariff_version", "rate", "per_minute", "cost"}
}

// WriteStatementCSV writes the ledger entries of [from, to) (zero to: up
// to now) as CSV, one row per entry; rows of calls also carry the
// destination, country, dial time, duration, pages, tariff version, rate
// and the call's cost. Amounts are written exactly as the ledger holds
// them, in the appliance currency.
func (l *Ledger) WriteStatementCSV(ctx context.Context, w io.Writer, from, to time.Time) error {
	if to.IsZero() {
		to = time.Unix(1<<40, 0)
	}
	rows, err := l.db.QueryContext(ctx, `SELECT e.id, e.at, e.kind, e.amount, e.balance, e.held, e.user, e.who, e.why,
		e.job, COALESCE(e.call_id, ''), COALESCE(c.number, ''), COALESCE(c.country, ''), COALESCE(c.dialled_at, 0),
		COALESCE(c.duration_ms, 0), COALESCE(c.pages, 0), COALESCE(c.tariff_version, 0), COALESCE(c.rate_name, ''),
		COALESCE(c.per_minute, 0), COALESCE(c.first_s, 0), COALESCE(c.step_s, 1), COALESCE(c.charge, 0),
		COALESCE(c.answered, 0), COALESCE(c.state, '')
		FROM ledger_entries e LEFT JOIN ledger_calls c ON c.id = e.call_id WHERE e.at >= ? AND e.at < ? ORDER BY e.id`,
		micros(from), micros(to))
	if err != nil {
		return fmt.Errorf("billing: statement: %w", err)
	}
	defer rows.Close()
	cw := csv.NewWriter(w)
	_ = cw.Write(statementHeader())
	cur := l.cfg.Currency
	for rows.Next() {
		var (
			id, at, dialled, durMS, ver    int64
			kind, user, who, why, job      string
			call, number, country, rateNm  string
			state                          string
			amount, bal, held, perMin, chg Amount
			pages, first, step             int
			answered                       bool
		)
		if err := rows.Scan(&id, &at, &kind, &amount, &bal, &held, &user, &who, &why, &job, &call, &number, &country,
			&dialled, &durMS, &pages, &ver, &rateNm, &perMin, &first, &step, &chg, &answered, &state); err != nil {
			return fmt.Errorf("billing: statement: %w", err)
		}
		rec := []string{strconv.FormatInt(id, 10), fromMicros(at).Format(time.RFC3339), kind,
			cur.FormatNumber(amount), cur.FormatNumber(bal), cur.FormatNumber(bal - held), string(cur),
			user, who, why, job, call, number, country, "", "", "", "", "", "", "", ""}
		if call != "" {
			r := Rate{First: first, Step: step}
			d := time.Duration(durMS) * time.Millisecond
			rec[14] = fromMicros(dialled).Format(time.RFC3339)
			rec[15] = strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
			rec[16] = strconv.FormatInt(billed(r, answered, d), 10)
			rec[17] = strconv.Itoa(pages)
			rec[18] = strconv.FormatInt(ver, 10)
			rec[19] = rateNm
			rec[20] = cur.FormatNumber(perMin)
			if state == "settled" {
				rec[21] = cur.FormatNumber(chg)
			}
		}
		_ = cw.Write(rec)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("billing: statement: %w", err)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("billing: statement: %w", err)
	}
	return nil
}
