package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"

	"faxbox/firmware/events"
)

// CreateUser adds a sender named name.
func (s *Store) CreateUser(ctx context.Context, name string) (User, error) {
	if name == "" {
		return User{}, invalid("empty user name")
	}
	u := User{Name: name}
	err := s.write(ctx, "create user", func(tx *wtx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO store_users (name, created_at) VALUES (?, ?) RETURNING id`,
			name, micros(tx.now)).Scan(&u.ID)
	})
	return u, err
}

// UserByName returns the user named name.
func (s *Store) UserByName(ctx context.Context, name string) (User, error) {
	u := User{Name: name}
	err := s.db.QueryRowContext(ctx, `SELECT id FROM store_users WHERE name = ?`, name).Scan(&u.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("%w: user %q", ErrNotFound, name)
	}
	if err != nil {
		return u, fmt.Errorf("store: user %q: %w", name, err)
	}
	return u, nil
}

// validE164 reports whether n is "+" and 2 to 15 digits, the first not 0
// (ITU-T E.164 §6).
func validE164(n string) bool {
	if len(n) < 3 || len(n) > 16 || n[0] != '+' || n[1] < '1' || n[1] > '9' {
		return false
	}
	for _, c := range n[2:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func validPages(pages []PageFile) error {
	for i, p := range pages {
		if p.Index != i+1 {
			return invalid("page %d has index %d: pages must be numbered 1, 2, ... in order", i+1, p.Index)
		}
		if p.Path == "" {
			return invalid("page %d has no path", p.Index)
		}
		if len(p.SHA256) != 64 {
			return invalid("page %d: SHA-256 %q is not 64 hex digits", p.Index, p.SHA256)
		}
	}
	return nil
}

// checkNewMessage validates m before anything is written.
func checkNewMessage(m NewMessage) error {
	if len(m.Recipients) == 0 {
		return invalid("a message needs at least one recipient")
	}
	for _, r := range m.Recipients {
		if r.Field < To || r.Field > Bcc {
			return invalid("recipient %q: unknown field %v", r.Number, r.Field)
		}
		if !validE164(r.Number) {
			return invalid("recipient %q is not an E.164 number (+ and up to 15 digits)", r.Number)
		}
		if err := validPages(r.Pages); err != nil {
			return fmt.Errorf("recipient %s: %w", r.Number, err)
		}
	}
	if err := validPages(m.Pages); err != nil {
		return err
	}
	if m.MaxAttempts < 0 {
		return invalid("max attempts %d", m.MaxAttempts)
	}
	switch m.Resolution {
	case "", "standard", "fine", "superfine":
	default:
		return invalid("resolution %q: standard, fine or superfine", m.Resolution)
	}
	return nil
}

// CreateMessage stores a message, its pages, its recipients and one queued
// job per recipient with the recipient's own pages, due now, in one
// transaction: a job is never visible without the pages it sends. The
// returned Message has Recipients and Jobs filled in.
func (s *Store) CreateMessage(ctx context.Context, m NewMessage) (Message, error) {
	if err := checkNewMessage(m); err != nil {
		return Message{}, err
	}
	if m.MaxAttempts == 0 {
		m.MaxAttempts = s.cfg.MaxAttempts
	}
	out := Message{Sender: m.Sender, Subject: m.Subject, Body: m.Body, State: MessageActive, Resolution: cmp.Or(m.Resolution, "standard")}
	err := s.write(ctx, "create message", func(tx *wtx) error {
		if err := tx.QueryRowContext(ctx, `SELECT name FROM store_users WHERE id = ?`, m.Sender).Scan(&out.SenderName); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return notFound("user", m.Sender)
			}
			return err
		}
		out.Created = tx.now
		now := micros(tx.now)
		if err := tx.QueryRowContext(ctx, `INSERT INTO store_messages (sender, subject, body, created_at, resolution)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, m.Sender, m.Subject, m.Body, now, out.Resolution).Scan(&out.ID); err != nil {
			return err
		}
		insR, err := tx.PrepareContext(ctx, `INSERT INTO store_recipients (message, field, number, name, estimate, estimate_ms)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`)
		if err != nil {
			return err
		}
		defer insR.Close()
		insJ, err := tx.PrepareContext(ctx, `INSERT INTO store_jobs (message, recipient, state, max_attempts,
			next_attempt_at, pages_total, updated_at) VALUES (?, ?, 'queued', ?, ?, ?, ?) RETURNING id`)
		if err != nil {
			return err
		}
		defer insJ.Close()
		jobIDs := make([]int64, 0, len(m.Recipients))
		for _, r := range m.Recipients {
			if err := insR.QueryRowContext(ctx, out.ID, r.Field.String(), r.Number, r.Name, r.Estimate, r.EstimateTime.Milliseconds()).Scan(&r.ID); err != nil {
				return err
			}
			own := r.Pages
			r.Pages = nil // the job's pages are read with Store.Pages
			j := Job{Message: out.ID, Recipient: r, State: Queued, MaxAttempts: m.MaxAttempts,
				NextAttempt: tx.now, PagesTotal: len(m.Pages), Updated: tx.now}
			if len(own) > 0 {
				j.PagesTotal = len(own)
			}
			if err := insJ.QueryRowContext(ctx, out.ID, r.ID, j.MaxAttempts, now, j.PagesTotal, now).Scan(&j.ID); err != nil {
				return err
			}
			if err := insertPages(tx, "job", j.ID, own); err != nil {
				return err
			}
			out.Recipients = append(out.Recipients, r)
			out.Jobs = append(out.Jobs, j)
			jobIDs = append(jobIDs, j.ID)
		}
		if err := insertPages(tx, "message", out.ID, m.Pages); err != nil {
			return err
		}
		_, err = tx.appendEvent(events.KindMessage, 0, events.MessageEvent{Message: out.ID, Sender: m.Sender, Jobs: jobIDs,
			State: string(MessageActive)})
		return err
	})
	if err != nil {
		return Message{}, err
	}
	out.Counts = map[State]int{Queued: len(out.Jobs)}
	s.log.Info("store: message created", "message", out.ID, "sender", out.SenderName, "jobs", len(out.Jobs))
	return out, nil
}

func insertPages(tx *wtx, owner string, id int64, pages []PageFile) error {
	if len(pages) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(tx.ctx, `INSERT INTO store_pages (`+owner+`, idx, path, sha256) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, p := range pages {
		if _, err := st.ExecContext(tx.ctx, id, p.Index, p.Path, p.SHA256); err != nil {
			return err
		}
	}
	return nil
}

// ListMessages returns messages newest first, with their job counts but
// without body, recipients and jobs.
func (s *Store) ListMessages(ctx context.Context, o ListOptions) ([]Message, error) {
	if o.Limit <= 0 {
		o.Limit = 50
	}
	rows, err := s.db.QueryContext(ctx, `SELECT m.id, m.sender, u.name, m.subject, m.created_at, m.state, m.resolution,
		(SELECT json_group_object(state, n) FROM (SELECT state, count(*) AS n FROM store_jobs WHERE message = m.id GROUP BY state))
		FROM store_messages m JOIN store_users u ON u.id = m.sender
		WHERE (? = 0 OR m.sender = ?) AND (? = 0 OR m.id < ?)
		ORDER BY m.id DESC LIMIT ?`, o.Sender, o.Sender, o.Before, o.Before, o.Limit)
	if err != nil {
		return nil, fmt.Errorf("store: list messages: %w", err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		var created int64
		var counts string
		if err := rows.Scan(&m.ID, &m.Sender, &m.SenderName, &m.Subject, &created, &m.State, &m.Resolution, &counts); err != nil {
			return nil, fmt.Errorf("store: list messages: %w", err)
		}
		m.Created = fromMicros(created)
		if m.Counts, err = parseCounts(counts); err != nil {
			return nil, fmt.Errorf("store: list messages: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list messages: %w", err)
	}
	return out, nil
}

// GetMessage returns a message with its recipients and its jobs, each
// with its attempts. Bcc recipients are included: hiding them is the
// caller's business.
func (s *Store) GetMessage(ctx context.Context, id int64) (Message, error) {
	m := Message{ID: id}
	var created int64
	err := s.db.QueryRowContext(ctx, `SELECT m.sender, u.name, m.subject, m.body, m.created_at, m.state, m.resolution
		FROM store_messages m JOIN store_users u ON u.id = m.sender WHERE m.id = ?`, id).
		Scan(&m.Sender, &m.SenderName, &m.Subject, &m.Body, &created, &m.State, &m.Resolution)
	if errors.Is(err, sql.ErrNoRows) {
		return m, notFound("message", id)
	}
	if err != nil {
		return m, fmt.Errorf("store: get message %d: %w", id, err)
	}
	m.Created = fromMicros(created)
	jobs, err := queryJobs(ctx, s.db, `WHERE j.message = ? ORDER BY j.id`, id)
	if err != nil {
		return m, fmt.Errorf("store: get message %d: %w", id, err)
	}
	atts, err := queryAttempts(ctx, s.db, `WHERE job IN (SELECT id FROM store_jobs WHERE message = ?) ORDER BY job, number`, id)
	if err != nil {
		return m, fmt.Errorf("store: get message %d: %w", id, err)
	}
	byJob := map[int64][]Attempt{}
	for _, a := range atts {
		byJob[a.Job] = append(byJob[a.Job], a)
	}
	m.Counts = map[State]int{}
	for i := range jobs {
		jobs[i].History = byJob[jobs[i].ID]
		m.Recipients = append(m.Recipients, jobs[i].Recipient)
		m.Counts[jobs[i].State]++
	}
	m.Jobs = jobs
	return m, nil
}

// GetJob returns a job with its attempts.
func (s *Store) GetJob(ctx context.Context, id int64) (Job, error) {
	j, err := loadJob(ctx, s.db, id)
	if err != nil {
		return j, err
	}
	if j.History, err = queryAttempts(ctx, s.db, `WHERE job = ? ORDER BY number`, id); err != nil {
		return j, fmt.Errorf("store: get job %d: %w", id, err)
	}
	return j, nil
}

// Pages returns the pages a job sends (its recipient's own if
// CreateMessage was given some, else its message's), each marked Confirmed if the remote confirmed
// it in any attempt. A retry sends only the pages not Confirmed.
func (s *Store) Pages(ctx context.Context, jobID int64) ([]Page, error) {
	rows, err := s.db.QueryContext(ctx, `WITH j AS (SELECT id, message FROM store_jobs WHERE id = ?)
		SELECT p.idx, p.path, p.sha256,
			EXISTS (SELECT 1 FROM store_page_confirms c WHERE c.job = j.id AND c.page = p.idx)
		FROM store_pages p, j
		WHERE p.job = j.id OR (p.message = j.message AND NOT EXISTS (SELECT 1 FROM store_pages WHERE job = j.id))
		ORDER BY p.idx`, jobID)
	if err != nil {
		return nil, fmt.Errorf("store: pages of job %d: %w", jobID, err)
	}
	defer rows.Close()
	var out []Page
	for rows.Next() {
		var p Page
		if err := rows.Scan(&p.Index, &p.Path, &p.SHA256, &p.Confirmed); err != nil {
			return nil, fmt.Errorf("store: pages of job %d: %w", jobID, err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
