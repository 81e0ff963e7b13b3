package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"faxbox/firmware/events"
)

// ReasonInterrupted is the reason code Recover gives the attempts that a
// crash or power cut interrupted.
const ReasonInterrupted = "interrupted"

const jobCols = `j.id, j.message, r.id, r.field, r.number, r.name, r.estimate, r.estimate_ms, j.state, j.cancel_requested,
	j.attempts, j.max_attempts, j.next_attempt_at, j.reason_code, j.reason_text,
	j.pages_total, j.pages_confirmed, j.updated_at, j.manual_retry
	FROM store_jobs j JOIN store_recipients r ON r.id = j.recipient `

func scanJob(sc interface{ Scan(...any) error }) (Job, error) {
	var j Job
	var field, state string
	var next, updated, estMS int64
	err := sc.Scan(&j.ID, &j.Message, &j.Recipient.ID, &field, &j.Recipient.Number, &j.Recipient.Name, &j.Recipient.Estimate, &estMS,
		&state, &j.CancelRequested, &j.Attempts, &j.MaxAttempts, &next, &j.ReasonCode, &j.ReasonText,
		&j.PagesTotal, &j.PagesConfirmed, &updated, &j.ManualRetry)
	if err != nil {
		return j, err
	}
	if j.Recipient.Field, err = parseField(field); err != nil {
		return j, err
	}
	if j.State, err = ParseState(state); err != nil {
		return j, err
	}
	j.NextAttempt, j.Updated = fromMicros(next), fromMicros(updated)
	j.Recipient.EstimateTime = time.Duration(estMS) * time.Millisecond
	return j, nil
}

func queryJobs(ctx context.Context, q querier, where string, args ...any) ([]Job, error) {
	return queryAll(ctx, q, `SELECT `+jobCols+where, scanJob, args...)
}

// queryAll runs a query and scans every row with scan.
func queryAll[T any](ctx context.Context, q querier, query string, scan func(interface{ Scan(...any) error }) (T, error), args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func loadJob(ctx context.Context, q querier, id int64) (Job, error) {
	j, err := scanJob(q.QueryRowContext(ctx, `SELECT `+jobCols+`WHERE j.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return j, notFound("job", id)
	}
	if err != nil {
		return j, fmt.Errorf("store: job %d: %w", id, err)
	}
	return j, nil
}

const attemptCols = `id, job, number, modem, first_page, started_at, connected_at, ended_at, duration_ms,
	reason_code, reason_text, pages_confirmed, bit_rate, ecm, coding, remote_ident, trace_path, resolution, merged_pages,
	page_in_progress, page_sent, page_bytes
	FROM store_attempts `

func scanAttempt(sc interface{ Scan(...any) error }) (Attempt, error) {
	var a Attempt
	var started int64
	var connected, ended sql.NullInt64
	var ms int64
	err := sc.Scan(&a.ID, &a.Job, &a.Number, &a.Modem, &a.FirstPage, &started, &connected, &ended, &ms,
		&a.ReasonCode, &a.ReasonText, &a.PagesConfirmed, &a.BitRate, &a.ECM, &a.Coding, &a.RemoteIdent, &a.TracePath,
		&a.Resolution, &a.MergedPages, &a.PageInProgress, &a.PageSent, &a.PageBytes)
	a.Started, a.Connected, a.Ended = fromMicros(started), fromNullMicros(connected), fromNullMicros(ended)
	a.Duration = time.Duration(ms) * time.Millisecond
	return a, err
}

func queryAttempts(ctx context.Context, q querier, where string, args ...any) ([]Attempt, error) {
	return queryAll(ctx, q, `SELECT `+attemptCols+where, scanAttempt, args...)
}

func loadAttempt(ctx context.Context, q querier, id int64) (Attempt, error) {
	a, err := scanAttempt(q.QueryRowContext(ctx, `SELECT `+attemptCols+`WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, notFound("attempt", id)
	}
	if err != nil {
		return a, fmt.Errorf("store: attempt %d: %w", id, err)
	}
	return a, nil
}

// openAttempt loads attempt id and its job, and checks that the attempt is
// in progress.
func openAttempt(tx *wtx, id int64) (Attempt, Job, error) {
	a, err := loadAttempt(tx.ctx, tx, id)
	if err != nil {
		return a, Job{}, err
	}
	if !a.Ended.IsZero() {
		return a, Job{}, fmt.Errorf("%w: attempt %d of job %d ended at %s", ErrAttemptClosed, a.ID, a.Job, a.Ended.Format(time.RFC3339))
	}
	j, err := loadJob(tx.ctx, tx, a.Job)
	return a, j, err
}

// saveJob writes j, stamped now, recomputes its message's state, and
// appends a job event, all in tx.
func (tx *wtx) saveJob(j Job) error {
	j.Updated = tx.now
	_, err := tx.ExecContext(tx.ctx, `UPDATE store_jobs SET state = ?, cancel_requested = ?, attempts = ?,
		max_attempts = ?, next_attempt_at = ?, reason_code = ?, reason_text = ?, pages_total = ?,
		pages_confirmed = ?, updated_at = ?, manual_retry = ? WHERE id = ?`,
		j.State.String(), j.CancelRequested, j.Attempts, j.MaxAttempts, micros(j.NextAttempt),
		j.ReasonCode, j.ReasonText, j.PagesTotal, j.PagesConfirmed, micros(j.Updated), j.ManualRetry, j.ID)
	if err != nil {
		return err
	}
	ms, err := tx.updateMessageState(j.Message)
	if err != nil {
		return err
	}
	ev := events.JobEvent{Job: j.ID, Message: j.Message, MessageState: string(ms), State: j.State.String(),
		CancelRequested: j.CancelRequested,
		Attempts:        j.Attempts, MaxAttempts: j.MaxAttempts, PagesTotal: j.PagesTotal, PagesConfirmed: j.PagesConfirmed,
		ReasonCode: j.ReasonCode, ReasonText: j.ReasonText}
	if j.State == Queued || j.State == Retry {
		ev.NextAttempt = &j.NextAttempt
	}
	_, err = tx.appendEvent(events.KindJob, j.ID, ev)
	return err
}

// updateMessageState recomputes the state of message id from its jobs.
func (tx *wtx) updateMessageState(id int64) (MessageState, error) {
	var active, delivered, failed, cancelled, total int
	err := tx.QueryRowContext(tx.ctx, `SELECT
		count(*) FILTER (WHERE state IN ('queued', 'dialing', 'sending', 'retry')),
		count(*) FILTER (WHERE state = 'delivered'),
		count(*) FILTER (WHERE state = 'failed'),
		count(*) FILTER (WHERE state = 'cancelled'),
		count(*) FROM store_jobs WHERE message = ?`, id).Scan(&active, &delivered, &failed, &cancelled, &total)
	if err != nil {
		return "", err
	}
	st := MessageActive
	switch {
	case active > 0:
	case delivered == total:
		st = MessageDelivered
	case cancelled == total:
		st = MessageCancelled
	case delivered > 0:
		st = MessagePartial
	default:
		st = MessageFailed
	}
	_, err = tx.ExecContext(tx.ctx, `UPDATE store_messages SET state = ? WHERE id = ? AND state <> ?`, st, id, st)
	return st, err
}

// logTransition logs a job's state change once tx has committed.
func (s *Store) logTransition(tx *wtx, from State, j Job, op string) {
	tx.after = append(tx.after, func() {
		s.log.Info("store: job state change", "job", j.ID, "op", op, "from", from.String(), "to", j.State.String(),
			"attempts", j.Attempts, "pages", fmt.Sprintf("%d/%d", j.PagesConfirmed, j.PagesTotal), "reason", j.ReasonCode)
	})
}

// NextJob claims the queued or retry job that has been due longest at now
// (oldest next attempt time first, then lowest id) and marks it dialing,
// in one transaction: two workers never claim the same job. ok is false
// when no job is due.
func (s *Store) NextJob(ctx context.Context, now time.Time) (j Job, ok bool, err error) {
	if err := plausible(now); err != nil {
		return j, false, fmt.Errorf("store: next job: %w", err)
	}
	err = s.write(ctx, "next job", func(tx *wtx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM store_jobs WHERE state IN ('queued', 'retry')
			AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT 1`, micros(now)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if j, err = loadJob(ctx, tx, id); err != nil {
			return err
		}
		from := j.State
		j.State = Dialing
		if err := tx.saveJob(j); err != nil {
			return err
		}
		ok = true
		s.logTransition(tx, from, j, "claim")
		return nil
	})
	return j, ok, err
}

// NextDue returns the earliest next attempt time of the queued and retry
// jobs; ok is false when there is none. A scheduler sleeps until then.
func (s *Store) NextDue(ctx context.Context) (t time.Time, ok bool, err error) {
	var us sql.NullInt64
	err = s.db.QueryRowContext(ctx, `SELECT min(next_attempt_at) FROM store_jobs WHERE state IN ('queued', 'retry')`).Scan(&us)
	if err != nil {
		return t, false, fmt.Errorf("store: next due: %w", err)
	}
	return fromNullMicros(us), us.Valid, nil
}

// StartAttempt records that a claimed (dialing) job is being dialled on
// modem, and counts the attempt. It refuses with ErrNoAttemptsLeft when the
// job has made all its attempts. The attempt's FirstPage is the first page
// not yet confirmed. The attempt a user asked for (RetryNow) is one more
// than the job's automatic attempts: it raises MaxAttempts with Attempts,
// so that the attempts left stay as they were.
func (s *Store) StartAttempt(ctx context.Context, jobID int64, modem string) (Attempt, error) {
	var a Attempt
	err := s.write(ctx, "start attempt", func(tx *wtx) error {
		j, err := loadJob(ctx, tx, jobID)
		if err != nil {
			return err
		}
		if j.State != Dialing {
			return &TransitionError{Job: j.ID, From: j.State, Op: "start an attempt of"}
		}
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM store_attempts WHERE job = ? AND ended_at IS NULL`, jobID).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return &TransitionError{Job: j.ID, From: j.State, Op: "start a second attempt at once of"}
		}
		if j.ManualRetry {
			j.MaxAttempts, j.ManualRetry = j.MaxAttempts+1, false
		}
		if j.Attempts >= j.MaxAttempts {
			return fmt.Errorf("%w: job %d made %d of %d", ErrNoAttemptsLeft, j.ID, j.Attempts, j.MaxAttempts)
		}
		j.Attempts++
		a = Attempt{Job: j.ID, Number: j.Attempts, Modem: modem, FirstPage: j.PagesConfirmed + 1, Started: tx.now}
		if err := tx.QueryRowContext(ctx, `INSERT INTO store_attempts (job, number, modem, first_page, started_at,
			last_activity_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			a.Job, a.Number, a.Modem, a.FirstPage, micros(tx.now), micros(tx.now)).Scan(&a.ID); err != nil {
			return err
		}
		return tx.saveJob(j)
	})
	return a, err
}

// RecordTrace records the path of the attempt's trace file (relative to
// the data directory or absolute), as soon as it exists, so that the
// trace of a call a crash interrupted is found too.
func (s *Store) RecordTrace(ctx context.Context, attemptID int64, path string) error {
	if path == "" {
		return invalid("attempt %d: empty trace path", attemptID)
	}
	return s.write(ctx, "record trace", func(tx *wtx) error {
		a, _, err := openAttempt(tx, attemptID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE store_attempts SET trace_path = ? WHERE id = ?`, path, a.ID)
		return err
	})
}

// GetAttempt returns attempt id.
func (s *Store) GetAttempt(ctx context.Context, id int64) (Attempt, error) {
	return loadAttempt(ctx, s.db, id)
}

// RecordConnected records that the remote fax machine answered the
// attempt, and what was negotiated so far; the job goes from dialing to
// sending.
func (s *Store) RecordConnected(ctx context.Context, attemptID int64, p Params) error {
	return s.write(ctx, "record connected", func(tx *wtx) error {
		a, j, err := openAttempt(tx, attemptID)
		if err != nil {
			return err
		}
		if j.State != Dialing {
			return &TransitionError{Job: j.ID, From: j.State, Op: "connect"}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE store_attempts SET connected_at = ?, last_activity_at = ?,
			bit_rate = ?, ecm = ?, coding = ?, remote_ident = ? WHERE id = ?`,
			micros(tx.now), micros(tx.now), p.BitRate, p.ECM, p.Coding, p.RemoteIdent, a.ID); err != nil {
			return err
		}
		j.State = Sending
		s.logTransition(tx, Dialing, j, "connect")
		return tx.saveJob(j)
	})
}

// RecordPageConfirmed records that the remote confirmed page (1-based, of
// the job's pages) during the attempt (T.30 MCF). A page is recorded once
// per attempt: a repeated call returns fresh false and changes nothing, also
// after the attempt ended. The job's PagesConfirmed counts distinct pages
// over all attempts.
func (s *Store) RecordPageConfirmed(ctx context.Context, attemptID int64, page int) (fresh bool, err error) {
	err = s.write(ctx, "record page", func(tx *wtx) error {
		var dup int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM store_page_confirms WHERE attempt = ? AND page = ?`,
			attemptID, page).Scan(&dup); err != nil {
			return err
		}
		if dup > 0 {
			return nil
		}
		a, j, err := openAttempt(tx, attemptID)
		if err != nil {
			return err
		}
		if j.State != Sending {
			return &TransitionError{Job: j.ID, From: j.State, Op: "confirm a page of"}
		}
		if page < 1 || page > j.PagesTotal {
			return invalid("job %d: page %d out of 1..%d", j.ID, page, j.PagesTotal)
		}
		var before int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM store_page_confirms WHERE job = ? AND page = ?`,
			j.ID, page).Scan(&before); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO store_page_confirms (attempt, job, page, at) VALUES (?, ?, ?, ?)`,
			a.ID, j.ID, page, micros(tx.now)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE store_attempts SET pages_confirmed = pages_confirmed + 1,
			last_activity_at = ? WHERE id = ?`, micros(tx.now), a.ID); err != nil {
			return err
		}
		if before == 0 {
			j.PagesConfirmed++
		}
		fresh = true
		return tx.saveJob(j)
	})
	return fresh, err
}

// FinishAttempt ends an attempt and moves its job to o.Next: Delivered
// (only once connected and with every page confirmed), Retry at o.RetryAt
// (refused with ErrNoAttemptsLeft after the last attempt: finish it as
// Failed), or Failed. A job whose cancellation was requested during the
// call ends Cancelled unless delivered.
func (s *Store) FinishAttempt(ctx context.Context, attemptID int64, o Outcome) (Job, error) {
	var j Job
	err := s.write(ctx, "finish attempt", func(tx *wtx) error {
		a, job, err := openAttempt(tx, attemptID)
		if err != nil {
			return err
		}
		j = job
		from := j.State
		if !from.Active() {
			return &TransitionError{Job: j.ID, From: from, Op: "finish an attempt of"}
		}
		switch o.Next {
		case Delivered:
			if from != Sending {
				return &TransitionError{Job: j.ID, From: from, Op: "deliver"}
			}
			if j.PagesConfirmed != j.PagesTotal {
				return &TransitionError{Job: j.ID, From: from,
					Op: fmt.Sprintf("deliver with %d of %d pages confirmed", j.PagesConfirmed, j.PagesTotal)}
			}
		case Retry:
			if o.RetryAt.IsZero() {
				return invalid("job %d: retry without a time", j.ID)
			}
			if j.Attempts >= j.MaxAttempts && !j.CancelRequested {
				return fmt.Errorf("%w: job %d made %d of %d: finish it as failed", ErrNoAttemptsLeft, j.ID, j.Attempts, j.MaxAttempts)
			}
			j.NextAttempt = o.RetryAt
		case Failed:
		default:
			return invalid("job %d: an attempt cannot end in state %v", j.ID, o.Next)
		}
		j.State = o.Next
		if j.CancelRequested && o.Next != Delivered {
			j.State = Cancelled
		}
		j.ReasonCode, j.ReasonText = o.ReasonCode, o.ReasonText
		q := `UPDATE store_attempts SET ended_at = ?, last_activity_at = ?, duration_ms = ?, reason_code = ?,
			reason_text = ?, trace_path = coalesce(nullif(?, ''), trace_path)`
		args := []any{micros(tx.now), micros(tx.now), o.Duration.Milliseconds(), o.ReasonCode, o.ReasonText, o.TracePath}
		if p := o.Params; p != nil {
			q += `, bit_rate = ?, ecm = ?, coding = ?, remote_ident = ?, resolution = ?, merged_pages = ?`
			args = append(args, p.BitRate, p.ECM, p.Coding, p.RemoteIdent, p.Resolution, p.MergedPages)
		}
		if _, err := tx.ExecContext(ctx, q+` WHERE id = ?`, append(args, a.ID)...); err != nil {
			return err
		}
		s.logTransition(tx, from, j, "finish attempt")
		return tx.saveJob(j)
	})
	return j, err
}

// CancelJob cancels a queued or retry job at once. A job in a call is
// marked CancelRequested and keeps its state: the caller hangs up, and
// FinishAttempt (or Recover) then ends it cancelled unless it was
// delivered. Final jobs cannot be cancelled.
func (s *Store) CancelJob(ctx context.Context, jobID int64, who string) (Job, error) {
	var j Job
	err := s.write(ctx, "cancel job", func(tx *wtx) error {
		var err error
		if j, err = loadJob(ctx, tx, jobID); err != nil {
			return err
		}
		from := j.State
		switch from {
		case Queued, Retry:
			j.State = Cancelled
			j.ReasonCode, j.ReasonText = "cancelled", "cancelled by "+who
		case Dialing, Sending:
			j.CancelRequested = true
		default:
			return &TransitionError{Job: j.ID, From: from, Op: "cancel"}
		}
		s.logTransition(tx, from, j, "cancel by "+who)
		return tx.saveJob(j)
	})
	return j, err
}

// RetryNow makes a queued or retry job due now, or gives a failed job one
// more attempt, due now. Jobs in a call, delivered or cancelled are
// refused. The next attempt is the user's, not one of the job's
// automatic attempts (StartAttempt): asking again before it started
// changes nothing more.
func (s *Store) RetryNow(ctx context.Context, jobID int64, who string) (Job, error) {
	var j Job
	err := s.write(ctx, "retry now", func(tx *wtx) error {
		var err error
		if j, err = loadJob(ctx, tx, jobID); err != nil {
			return err
		}
		from := j.State
		switch from {
		case Queued, Retry:
		case Failed:
			j.State = Retry
		default:
			return &TransitionError{Job: j.ID, From: from, Op: "retry"}
		}
		j.NextAttempt, j.ManualRetry = tx.now, true
		s.logTransition(tx, from, j, "retry now by "+who)
		return tx.saveJob(j)
	})
	return j, err
}

// Recover repairs the jobs that a crash or power cut left in a call. Call
// it once on start, before any worker claims jobs. For each job in dialing
// or sending:
//
//   - its open attempt, if any, is closed with reason "interrupted" at the
//     time of its last persisted progress (the duration is the connected
//     time up to then), keeping the pages confirmed;
//   - the job goes to cancelled if that was requested, else to retry due
//     at now if attempts remain, else to failed; its confirmed pages are
//     kept, so the retry sends only the rest (see Pages);
//   - a job claimed but never started goes back to queued (or retry)
//     without using an attempt.
func (s *Store) Recover(ctx context.Context, now time.Time) ([]Recovered, error) {
	if err := plausible(now); err != nil {
		return nil, fmt.Errorf("store: recover: %w", err)
	}
	var out []Recovered
	err := s.write(ctx, "recover", func(tx *wtx) error {
		out = out[:0]
		jobs, err := queryJobs(ctx, tx, `WHERE j.state IN ('dialing', 'sending') ORDER BY j.id`)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			from := j.State
			rec := Recovered{}
			var id, last int64
			var connected sql.NullInt64
			err := tx.QueryRowContext(ctx, `SELECT id, connected_at, last_activity_at FROM store_attempts
				WHERE job = ? AND ended_at IS NULL`, j.ID).Scan(&id, &connected, &last)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				j.State = Retry
				if j.Attempts == 0 {
					j.State = Queued
				}
			case err != nil:
				return err
			default:
				var ms int64
				if connected.Valid {
					ms = (last - connected.Int64) / 1000
				}
				const text = "the appliance stopped during the call (crash or power cut)"
				if _, err := tx.ExecContext(ctx, `UPDATE store_attempts SET ended_at = last_activity_at,
					duration_ms = ?, reason_code = ?, reason_text = ? WHERE id = ?`, ms, ReasonInterrupted, text, id); err != nil {
					return err
				}
				a, err := loadAttempt(ctx, tx, id)
				if err != nil {
					return err
				}
				rec.Attempt = &a
				j.ReasonCode, j.ReasonText = ReasonInterrupted, text
				switch {
				case connected.Valid && j.PagesTotal > 0 && j.PagesConfirmed >= j.PagesTotal:
					// The receiver confirmed every page before the crash:
					// the fax is delivered; only the call's ending was lost.
					j.State = Delivered
					j.ReasonCode, j.ReasonText = "ok", "delivered (the appliance stopped while the call was ending)"
				case j.CancelRequested:
					j.State = Cancelled
				case j.Attempts < j.MaxAttempts:
					j.State, j.NextAttempt = Retry, now
				default:
					j.State = Failed
				}
			}
			if err := tx.saveJob(j); err != nil {
				return err
			}
			s.logTransition(tx, from, j, "recover")
			rec.Job = j
			out = append(out, rec)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func parseCounts(js string) (map[State]int, error) {
	raw := map[string]int{}
	if js != "" {
		if err := json.Unmarshal([]byte(js), &raw); err != nil {
			return nil, err
		}
	}
	out := make(map[State]int, len(raw))
	for k, n := range raw {
		st, err := ParseState(k)
		if err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, nil
}
