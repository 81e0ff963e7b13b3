package billing

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// RateChange is one destination that differs between two tariff tables:
// Old is the zero Rate for an added destination, New for a removed one.
type RateChange struct {
	Prefix string
	Old    Rate
	New    Rate
}

// TariffDiff is what a new tariff table changes against the one in force,
// each list sorted by prefix.
type TariffDiff struct {
	Added     []RateChange
	Changed   []RateChange
	Removed   []RateChange
	Unchanged int
}

// DiffTables compares next with old (nil: no tariff yet) destination by
// destination.
func DiffTables(old, next *Table) TariffDiff {
	var d TariffDiff
	var before []Rate
	if old != nil {
		before = old.rates
	}
	after := next.rates
	i, j := 0, 0
	for i < len(before) || j < len(after) {
		switch {
		case j == len(after) || (i < len(before) && before[i].Prefix < after[j].Prefix):
			d.Removed = append(d.Removed, RateChange{Prefix: before[i].Prefix, Old: before[i]})
			i++
		case i == len(before) || after[j].Prefix < before[i].Prefix:
			d.Added = append(d.Added, RateChange{Prefix: after[j].Prefix, New: after[j]})
			j++
		default:
			if before[i] == after[j] {
				d.Unchanged++
			} else {
				d.Changed = append(d.Changed, RateChange{Prefix: after[j].Prefix, Old: before[i], New: after[j]})
			}
			i++
			j++
		}
	}
	return d
}

// MergeTables returns base updated by update: update's destinations are
// added or replace base's of the same prefix; base's other destinations
// stay. Both must be in one currency.
func MergeTables(base, update *Table) (*Table, error) {
	if base.currency != update.currency {
		return nil, fmt.Errorf("billing: merge tariffs: %w: %s into %s", ErrCurrency, update.currency, base.currency)
	}
	rates := make([]Rate, 0, len(base.rates)+len(update.rates))
	for _, r := range base.rates {
		if _, ok := update.index[r.Prefix]; !ok {
			rates = append(rates, r)
		}
	}
	return NewTable(base.currency, append(rates, update.rates...))
}

// TariffVersionTable returns the table of stored version id, or an error
// matching ErrNoTariff if there is no such version.
func (l *Ledger) TariffVersionTable(ctx context.Context, id int64) (*Table, error) {
	l.tariffMu.Lock()
	tab, ok := l.tariffs[id]
	l.tariffMu.Unlock()
	if ok {
		return tab, nil
	}
	var csvText string
	err := l.db.QueryRowContext(ctx, `SELECT csv FROM ledger_tariff_versions WHERE id = ?`, id).Scan(&csvText)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: no tariff version %d", ErrNoTariff, id)
	}
	if err != nil {
		return nil, fmt.Errorf("billing: tariff version %d: %w", id, err)
	}
	tab, err = ReadTableCSV(bytes.NewReader([]byte(csvText)))
	if err != nil {
		return nil, fmt.Errorf("billing: stored tariff version %d: %w", id, err)
	}
	return tab, nil
}

// ReinstateTariff puts an earlier version's table back in force from
// effective, as a new version (the history stays append-only), and
// returns the new version's id.
func (l *Ledger) ReinstateTariff(ctx context.Context, id int64, effective time.Time, who string) (int64, error) {
	tab, err := l.TariffVersionTable(ctx, id)
	if err != nil {
		return 0, err
	}
	return l.SetTariff(ctx, tab, effective, who, fmt.Sprintf("version %d put back in force", id))
}

// UserLimits returns the monthly limits set, by user name.
func (l *Ledger) UserLimits(ctx context.Context) (map[string]Amount, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT user, monthly FROM ledger_user_limits`)
	if err != nil {
		return nil, fmt.Errorf("billing: user limits: %w", err)
	}
	defer rows.Close()
	out := map[string]Amount{}
	for rows.Next() {
		var u string
		var a Amount
		if err := rows.Scan(&u, &a); err != nil {
			return nil, fmt.Errorf("billing: user limits: %w", err)
		}
		out[u] = a
	}
	return out, rows.Err()
}
