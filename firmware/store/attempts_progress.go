package store

import "context"

// RecordNegotiated records what an attempt's call has negotiated so far
// (the rate after a training, ECM, coding, the remote's ident) while the
// call goes on, so that the sender sees "connected at 14400 bit/s" during
// the call, not only after it. Empty Coding and RemoteIdent leave the
// recorded ones. A job event tells the watchers. The attempt must be open.
func (s *Store) RecordNegotiated(ctx context.Context, attemptID int64, p Params) error {
	return s.write(ctx, "record negotiated", func(tx *wtx) error {
		a, j, err := openAttempt(tx, attemptID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE store_attempts SET bit_rate = ?, ecm = ?,
			coding = CASE WHEN ? <> '' THEN ? ELSE coding END,
			remote_ident = CASE WHEN ? <> '' THEN ? ELSE remote_ident END, last_activity_at = ? WHERE id = ?`,
			p.BitRate, p.ECM, p.Coding, p.Coding, p.RemoteIdent, p.RemoteIdent, micros(tx.now), a.ID); err != nil {
			return err
		}
		return tx.saveJob(j)
	})
}

// RecordPageProgress records that sent of the bytes coded bytes of the
// job's page (its index) have gone out during an attempt, so that the
// sender sees a long page progress; a job event tells the watchers. The
// attempt must be open.
func (s *Store) RecordPageProgress(ctx context.Context, attemptID int64, page, sent, bytes int) error {
	return s.write(ctx, "record page progress", func(tx *wtx) error {
		a, j, err := openAttempt(tx, attemptID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE store_attempts SET page_in_progress = ?, page_sent = ?, page_bytes = ?,
			last_activity_at = ? WHERE id = ?`, page, sent, bytes, micros(tx.now), a.ID); err != nil {
			return err
		}
		return tx.saveJob(j)
	})
}
