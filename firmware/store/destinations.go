package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// CallReport is what one dialled call taught about its destination's fax
// machine, for RecordCall.
type CallReport struct {
	Number     string // E.164, the recipient's
	ReasonCode string // the attempt's reason code ("ok", "busy", ...)
	ReasonText string
	// Answered: a fax machine answered (the call connected).
	Answered bool
	// Delivered: every page of the job was confirmed.
	Delivered bool
	// Pages counts the pages the remote confirmed in this call.
	Pages int
	// Params are the last negotiated (meaningful when Answered).
	Params
	// TrainingFailed lists the bit rates whose training check failed
	// (T.30 FTT), in the order tried.
	TrainingFailed []int
	// Trained: a training check succeeded (CFR) at Params.BitRate.
	Trained bool
	// ECMFailed: the call failed in error correction mode in a way that
	// calling without it may avoid (blocks given up, PPS unanswered).
	ECMFailed bool
	// ReceiverResolution is the best resolution the remote's DIS
	// announced (T.30 Table 2, bits 15 and 41): "standard", "fine" or
	// "superfine"; "" when the call heard no DIS.
	ReceiverResolution string
}

// RateFailures counts the failed training checks of a destination at one
// bit rate.
type RateFailures struct {
	BitRate     int
	Failures    int
	LastFailure time.Time
}

// Destination is what Faxbox remembers of calls to one number, as
// HylaFAX keeps an info file per remote machine. The zero value (Calls 0)
// is a number never called.
type Destination struct {
	Number    string
	Calls     int // calls dialled
	Answered  int // calls a fax machine answered
	Delivered int // calls that delivered their job's last page
	LastCall  time.Time
	// LastReasonCode and LastReasonText are the last call's outcome.
	LastReasonCode string
	LastReasonText string
	LastDelivered  time.Time // zero if never
	// Worked is what the last call in which the remote confirmed a page
	// used (rate, ECM, coding), WorkedAt when; zero if none did.
	Worked   Params
	WorkedAt time.Time
	// CleanTrainings counts the answered calls whose first training
	// check succeeded since LastTrainingFailure.
	CleanTrainings      int
	LastTrainingFailure time.Time
	// TrainingFailures are the failed training checks by rate, highest
	// rate first.
	TrainingFailures []RateFailures
	// ECMFailures counts calls that failed in error correction mode;
	// DeliveredSinceECMFailure the deliveries since the last of them.
	ECMFailures              int
	LastECMFailure           time.Time
	DeliveredSinceECMFailure int
	// ReceiverResolution is the best resolution the remote announced in
	// the last call that heard its DIS (CallReport.ReceiverResolution);
	// "" if none did.
	ReceiverResolution string
}

// RecordCall adds what a call to r.Number showed to that destination's
// history, in one transaction. Calls that were never dialled (no credit,
// bad number) should not be recorded.
func (s *Store) RecordCall(ctx context.Context, r CallReport) error {
	if !validE164(r.Number) {
		return invalid("destination %q is not an E.164 number", r.Number)
	}
	for _, rate := range r.TrainingFailed {
		if rate <= 0 {
			return invalid("destination %s: training failed at %d bit/s", r.Number, rate)
		}
	}
	switch r.ReceiverResolution {
	case "", "standard", "fine", "superfine":
	default:
		return invalid("destination %s: receiver resolution %q", r.Number, r.ReceiverResolution)
	}
	return s.write(ctx, "record call", func(tx *wtx) error {
		now := micros(tx.now)
		b := func(v bool) int {
			if v {
				return 1
			}
			return 0
		}
		// Insert or count the call, its outcome and its counts.
		if _, err := tx.ExecContext(ctx, `INSERT INTO store_destinations (number, last_call_at) VALUES (?, ?)
			ON CONFLICT (number) DO NOTHING`, r.Number, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE store_destinations SET calls = calls + 1,
			answered = answered + ?, delivered = delivered + ?, last_call_at = ?,
			last_reason_code = ?, last_reason_text = ? WHERE number = ?`,
			b(r.Answered), b(r.Delivered), now, r.ReasonCode, r.ReasonText, r.Number); err != nil {
			return err
		}
		if r.Delivered {
			if _, err := tx.ExecContext(ctx, `UPDATE store_destinations SET last_delivered_at = ?,
				delivered_since_ecm_failure = delivered_since_ecm_failure + 1 WHERE number = ?`, now, r.Number); err != nil {
				return err
			}
		}
		if r.Answered && r.RemoteIdent != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE store_destinations SET remote_ident = ? WHERE number = ?`,
				r.RemoteIdent, r.Number); err != nil {
				return err
			}
		}
		if r.ReceiverResolution != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE store_destinations SET receiver_resolution = ? WHERE number = ?`,
				r.ReceiverResolution, r.Number); err != nil {
				return err
			}
		}
		if r.Pages > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE store_destinations SET worked_at = ?, worked_bit_rate = ?,
				worked_ecm = ?, worked_coding = ? WHERE number = ?`, now, r.BitRate, r.ECM, r.Coding, r.Number); err != nil {
				return err
			}
		}
		// Training: a failure restarts the count of clean calls.
		switch {
		case len(r.TrainingFailed) > 0:
			if _, err := tx.ExecContext(ctx, `UPDATE store_destinations SET clean_trainings = 0,
				last_training_failure_at = ? WHERE number = ?`, now, r.Number); err != nil {
				return err
			}
			for _, rate := range r.TrainingFailed {
				if _, err := tx.ExecContext(ctx, `INSERT INTO store_destination_rates (number, bit_rate, failures, last_failure_at)
					VALUES (?, ?, 1, ?) ON CONFLICT (number, bit_rate) DO UPDATE SET failures = failures + 1,
					last_failure_at = excluded.last_failure_at`, r.Number, rate, now); err != nil {
					return err
				}
			}
		case r.Trained:
			if _, err := tx.ExecContext(ctx, `UPDATE store_destinations SET clean_trainings = clean_trainings + 1
				WHERE number = ?`, r.Number); err != nil {
				return err
			}
		}
		if r.ECMFailed {
			if _, err := tx.ExecContext(ctx, `UPDATE store_destinations SET ecm_failures = ecm_failures + 1,
				last_ecm_failure_at = ?, delivered_since_ecm_failure = 0 WHERE number = ?`, now, r.Number); err != nil {
				return err
			}
		}
		return nil
	})
}

const destinationCols = `number, calls, answered, delivered, last_call_at, last_reason_code, last_reason_text,
	last_delivered_at, worked_at, worked_bit_rate, worked_ecm, worked_coding, remote_ident, clean_trainings,
	last_training_failure_at, ecm_failures, last_ecm_failure_at, delivered_since_ecm_failure, receiver_resolution
	FROM store_destinations `

func scanDestination(sc interface{ Scan(...any) error }) (Destination, error) {
	var d Destination
	var last int64
	var delivered, worked, training, ecm sql.NullInt64
	err := sc.Scan(&d.Number, &d.Calls, &d.Answered, &d.Delivered, &last, &d.LastReasonCode, &d.LastReasonText,
		&delivered, &worked, &d.Worked.BitRate, &d.Worked.ECM, &d.Worked.Coding, &d.Worked.RemoteIdent,
		&d.CleanTrainings, &training, &d.ECMFailures, &ecm, &d.DeliveredSinceECMFailure, &d.ReceiverResolution)
	d.LastCall, d.LastDelivered, d.WorkedAt = fromMicros(last), fromNullMicros(delivered), fromNullMicros(worked)
	d.LastTrainingFailure, d.LastECMFailure = fromNullMicros(training), fromNullMicros(ecm)
	return d, err
}

// Destination returns the history of calls to number (E.164); a number
// never called gives a Destination with Calls 0 and no error.
func (s *Store) Destination(ctx context.Context, number string) (Destination, error) {
	if !validE164(number) {
		return Destination{}, invalid("destination %q is not an E.164 number", number)
	}
	d, err := scanDestination(s.db.QueryRowContext(ctx, `SELECT `+destinationCols+`WHERE number = ?`, number))
	if errors.Is(err, sql.ErrNoRows) {
		return Destination{Number: number}, nil
	}
	if err != nil {
		return d, fmt.Errorf("store: destination %s: %w", number, err)
	}
	if err := s.fillRates(ctx, []*Destination{&d}); err != nil {
		return d, fmt.Errorf("store: destination %s: %w", number, err)
	}
	return d, nil
}

// Destinations returns the histories of the numbers called, the most
// recently called first, at most limit (0 means 50).
func (s *Store) Destinations(ctx context.Context, limit int) ([]Destination, error) {
	if limit <= 0 {
		limit = 50
	}
	ds, err := queryAll(ctx, s.db, `SELECT `+destinationCols+`ORDER BY last_call_at DESC, number LIMIT ?`, scanDestination, limit)
	if err != nil {
		return nil, fmt.Errorf("store: destinations: %w", err)
	}
	ptrs := make([]*Destination, len(ds))
	for i := range ds {
		ptrs[i] = &ds[i]
	}
	if err := s.fillRates(ctx, ptrs); err != nil {
		return nil, fmt.Errorf("store: destinations: %w", err)
	}
	return ds, nil
}

// fillRates reads the training failures of ds.
func (s *Store) fillRates(ctx context.Context, ds []*Destination) error {
	for _, d := range ds {
		rs, err := queryAll(ctx, s.db, `SELECT bit_rate, failures, last_failure_at FROM store_destination_rates
			WHERE number = ? ORDER BY bit_rate DESC`, func(sc interface{ Scan(...any) error }) (RateFailures, error) {
			var r RateFailures
			var at int64
			err := sc.Scan(&r.BitRate, &r.Failures, &at)
			r.LastFailure = fromMicros(at)
			return r, err
		}, d.Number)
		if err != nil {
			return err
		}
		d.TrainingFailures = rs
	}
	return nil
}
