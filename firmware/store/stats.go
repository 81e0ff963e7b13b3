package store

import (
	"context"
	"fmt"
)

// Stats are the store's aggregates since the database was made, as
// /metrics exports them.
type Stats struct {
	// CallsEnded counts the attempts that ended; CallsAnswered those of
	// them in which a fax machine answered.
	CallsEnded, CallsAnswered int64
	// PagesConfirmed counts the pages the remote fax machines confirmed.
	PagesConfirmed int64
	// Failures counts the ended attempts that did not deliver, by reason
	// code ("busy", "no-answer", ...).
	Failures map[string]int64
	// Jobs counts the jobs by state; states without a job are absent.
	Jobs map[State]int64
}

// Stats returns the store's aggregates.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM store_attempts WHERE ended_at IS NOT NULL),
		(SELECT COUNT(*) FROM store_attempts WHERE ended_at IS NOT NULL AND connected_at IS NOT NULL),
		(SELECT COUNT(*) FROM store_page_confirms)`).Scan(&st.CallsEnded, &st.CallsAnswered, &st.PagesConfirmed)
	if err != nil {
		return st, fmt.Errorf("store: stats: %w", err)
	}
	if st.Failures, err = s.groupCount(ctx, `SELECT reason_code, COUNT(*) FROM store_attempts
		WHERE ended_at IS NOT NULL AND reason_code NOT IN ('', 'ok') GROUP BY reason_code`); err != nil {
		return st, err
	}
	jobs, err := s.groupCount(ctx, `SELECT state, COUNT(*) FROM store_jobs GROUP BY state`)
	if err != nil {
		return st, err
	}
	st.Jobs = map[State]int64{}
	for name, n := range jobs {
		state, err := ParseState(name)
		if err != nil {
			return st, fmt.Errorf("store: stats: %w", err)
		}
		st.Jobs[state] = n
	}
	return st, nil
}

// groupCount runs a query of (key, count) rows.
func (s *Store) groupCount(ctx context.Context, q string) (map[string]int64, error) {
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("store: stats: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			return nil, fmt.Errorf("store: stats: %w", err)
		}
		out[k] = n
	}
	return out, rows.Err()
}
