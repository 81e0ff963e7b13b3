package api

import (
	"context"
	"strconv"
	"strings"
	"time"

	"faxbox/firmware/billing"
)

// GET /api/account/ledger?group=job (JSON only) is the ledger as people
// read it: the holds, releases, charges and refunds of one fax job (all
// its attempts) make one row of kind "fax", with the message's subject,
// the recipient's name and number, the number of calls, the amount
// charged (refunds deducted) and what is still held while a call runs.
// Other entries (top-ups, adjustments) are rows of their own kind. Rows
// are in the order of their first entry; each carries the balance after
// its last entry. &limit=N gives the last N rows only (the store is asked
// about their jobs only).

// ledgerRowJSON is one row of the grouped ledger.
type ledgerRowJSON struct {
	At      time.Time    `json:"at"`    // the last entry's time
	First   time.Time    `json:"first"` // the first entry's time
	Kind    billing.Kind `json:"kind"`  // "fax" for a job's entries
	Amount  string       `json:"amount"`
	Held    string       `json:"held,omitempty"` // still held by a call in progress
	Balance string       `json:"balance"`
	User    string       `json:"user,omitempty"`
	Who     string       `json:"who"`
	Why     string       `json:"why"`
	// A job's row: its message and recipient, and how many calls it made.
	JobID     int64  `json:"job_id,omitempty"`
	MessageID int64  `json:"message_id,omitempty"`
	Subject   string `json:"subject,omitempty"`
	Recipient string `json:"recipient,omitempty"` // the name given, or ""
	Number    string `json:"number,omitempty"`    // E.164
	Calls     int    `json:"calls,omitempty"`
	Charged   bool   `json:"charged,omitempty"` // a charge was made (even of 0)

	amount, held billing.Amount
	calls        map[string]bool
	job          string // the entries' job, "job42"
}

// groupLedger folds es (already filtered for the principal) by job and
// returns the last limit rows (all for 0).
func (s *Server) groupLedger(ctx context.Context, es []billing.Entry, limit int) []ledgerRowJSON {
	rows := []*ledgerRowJSON{}
	byJob := map[string]*ledgerRowJSON{}
	for _, e := range es {
		row := byJob[e.Job]
		if e.Job == "" || row == nil {
			row = &ledgerRowJSON{First: e.At.UTC(), Kind: e.Kind, User: e.User, Who: e.Who, Why: e.Why, calls: map[string]bool{}}
			rows = append(rows, row)
			if e.Job != "" {
				byJob[e.Job] = row
				row.Kind, row.Why, row.job = "fax", "", e.Job
			}
		}
		row.At, row.Balance = e.At.UTC(), s.money(e.Balance)
		switch e.Kind {
		case billing.KindHold, billing.KindRelease:
			row.held += e.Amount
		case billing.KindCharge:
			row.amount += e.Amount
			row.Charged = true
		default:
			row.amount += e.Amount
		}
		if e.Call != "" {
			row.calls[e.Call] = true
		}
	}
	if limit > 0 && len(rows) > limit {
		rows = rows[len(rows)-limit:]
	}
	out := make([]ledgerRowJSON, len(rows))
	for i, r := range rows {
		if r.job != "" {
			s.describeJob(ctx, r, r.job)
		}
		r.Amount, r.Calls = s.money(r.amount), len(r.calls)
		if r.held > 0 {
			r.Held = s.money(r.held)
		}
		if r.amount > 0 {
			r.Amount = "+" + r.Amount
		}
		out[i] = *r
	}
	return out
}

// describeJob fills in a job's message and recipient; a job that is gone
// keeps only its id.
func (s *Server) describeJob(ctx context.Context, row *ledgerRowJSON, job string) {
	id, err := strconv.ParseInt(strings.TrimPrefix(job, "job"), 10, 64)
	if err != nil {
		return
	}
	row.JobID = id
	j, err := s.cfg.Store.GetJob(ctx, id)
	if err != nil {
		return
	}
	row.MessageID, row.Recipient, row.Number = j.Message, j.Recipient.Name, j.Recipient.Number
	if m, err := s.cfg.Store.GetMessage(ctx, j.Message); err == nil {
		row.Subject = m.Subject
	}
}
