package billing

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"
)

// TariffVersion describes one stored version of the tariff table.
type TariffVersion struct {
	ID        int64
	Effective time.Time // calls dialled from then on use it (until a later version)
	Created   time.Time
	Who       string
	Note      string
	Currency  Currency
}

// SetTariff stores t as a new tariff version in force from effective
// (calls dialled before keep the version that was in force when dialled)
// and returns its id. The table must be in the appliance currency.
func (l *Ledger) SetTariff(ctx context.Context, t *Table, effective time.Time, who, note string) (int64, error) {
	if t.Currency() != l.cfg.Currency {
		return 0, fmt.Errorf("billing: set tariff: %w: table in %s, appliance in %s", ErrCurrency, t.Currency(), l.cfg.Currency)
	}
	var buf bytes.Buffer
	if err := t.WriteCSV(&buf, ""); err != nil {
		return 0, err
	}
	var id int64
	err := l.tx(ctx, "set tariff", func(tx *sql.Tx) error {
		at, err := l.now()
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO ledger_tariff_versions (effective_at, created_at, who, note, currency, csv)
			VALUES (?, ?, ?, ?, ?, ?)`, micros(effective), micros(at), who, note, string(t.Currency()), buf.String())
		if err != nil {
			return fmt.Errorf("billing: set tariff: %w", err)
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return 0, err
	}
	l.tariffMu.Lock()
	l.tariffs[id] = t
	l.tariffMu.Unlock()
	return id, nil
}

// ImportTariffCSV reads a tariff CSV (see ReadTableCSV) and stores it with
// SetTariff.
func (l *Ledger) ImportTariffCSV(ctx context.Context, r io.Reader, effective time.Time, who, note string) (int64, error) {
	t, err := ReadTableCSV(r)
	if err != nil {
		return 0, fmt.Errorf("billing: import tariff: %w", err)
	}
	return l.SetTariff(ctx, t, effective, who, note)
}

// installDefaultTariff stores the embedded example tariff, in force since
// the epoch, if no tariff is stored yet.
func (l *Ledger) installDefaultTariff(ctx context.Context) error {
	var n int
	if err := l.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger_tariff_versions`).Scan(&n); err != nil {
		return fmt.Errorf("billing: default tariff: %w", err)
	}
	if n > 0 {
		return nil
	}
	t, err := DefaultTable()
	if err != nil {
		return err
	}
	if _, err := l.SetTariff(ctx, t, time.Unix(0, 0), "faxbox", "example prices shipped with Faxbox: replace them with your reseller's tariff"); err != nil && !errors.Is(err, ErrClockNotSet) {
		return err
	}
	return nil
}

// tariffAt returns the version in force at t and its table.
func (l *Ledger) tariffAt(ctx context.Context, q querier, t time.Time) (int64, *Table, error) {
	var id int64
	var csvText string
	err := q.QueryRowContext(ctx, `SELECT id, csv FROM ledger_tariff_versions WHERE effective_at <= ?
		ORDER BY effective_at DESC, id DESC LIMIT 1`, micros(t)).Scan(&id, &csvText)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, fmt.Errorf("%w at %s: import a tariff first", ErrNoTariff, t.UTC().Format(time.RFC3339))
	}
	if err != nil {
		return 0, nil, fmt.Errorf("billing: tariff: %w", err)
	}
	l.tariffMu.Lock()
	tab, ok := l.tariffs[id]
	l.tariffMu.Unlock()
	if ok {
		return id, tab, nil
	}
	tab, err = ReadTableCSV(bytes.NewReader([]byte(csvText)))
	if err != nil {
		return 0, nil, fmt.Errorf("billing: stored tariff version %d: %w", id, err)
	}
	l.tariffMu.Lock()
	l.tariffs[id] = tab
	l.tariffMu.Unlock()
	return id, tab, nil
}

// TariffAt returns the tariff version in force at t and its table.
func (l *Ledger) TariffAt(ctx context.Context, t time.Time) (int64, *Table, error) {
	return l.tariffAt(ctx, l.db, t)
}

// TariffVersions lists the stored tariff versions, oldest first.
func (l *Ledger) TariffVersions(ctx context.Context) ([]TariffVersion, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT id, effective_at, created_at, who, note, currency FROM ledger_tariff_versions ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("billing: tariff versions: %w", err)
	}
	defer rows.Close()
	var out []TariffVersion
	for rows.Next() {
		var v TariffVersion
		var eff, cr int64
		var cur string
		if err := rows.Scan(&v.ID, &eff, &cr, &v.Who, &v.Note, &cur); err != nil {
			return nil, fmt.Errorf("billing: tariff versions: %w", err)
		}
		v.Effective, v.Created, v.Currency = fromMicros(eff), fromMicros(cr), Currency(cur)
		out = append(out, v)
	}
	return out, rows.Err()
}

// Price returns the estimate for sending pages to number (E.164) with the
// tariff in force now and Config.PerPage per page: the price per minute is
// Estimate.Rate.PerMinute.
func (l *Ledger) Price(ctx context.Context, number string, pages int) (Estimate, error) {
	_, tab, err := l.TariffAt(ctx, l.cfg.Now())
	if err != nil {
		return Estimate{}, err
	}
	return tab.Estimate(number, pages, l.cfg.PerPage)
}

// PriceTime returns the estimate for a call to number (E.164) of d
// connected time with the tariff in force now: for estimates made from
// the pages' line time rather than Config.PerPage.
func (l *Ledger) PriceTime(ctx context.Context, number string, d time.Duration) (Estimate, error) {
	_, tab, err := l.TariffAt(ctx, l.cfg.Now())
	if err != nil {
		return Estimate{}, err
	}
	r, err := tab.Lookup(number)
	if err != nil {
		return Estimate{}, err
	}
	d = min(max(d, 0), MaxCall)
	return Estimate{Rate: r, Duration: d, Cost: r.Cost(d)}, nil
}
