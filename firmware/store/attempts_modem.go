package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// LastTracedAttempt returns the newest attempt made on modem that has a
// trace file: the installer console shows its wire log. ErrNotFound when
// the modem has made no traced call.
func (s *Store) LastTracedAttempt(ctx context.Context, modem string) (Attempt, error) {
	a, err := scanAttempt(s.db.QueryRowContext(ctx, `SELECT `+attemptCols+`WHERE modem = ? AND trace_path <> ''
		ORDER BY id DESC LIMIT 1`, modem))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("%w: no traced call on modem %s", ErrNotFound, modem)
	}
	if err != nil {
		return a, fmt.Errorf("store: last attempt on %s: %w", modem, err)
	}
	return a, nil
}
