package report

import (
	"context"
	"errors"
	"strings"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/store"
)

// Sources are where a report's facts are kept: the store (the job, its
// attempts and pages), the ledger (what each call was metered and
// charged), and the appliance's identity.
type Sources struct {
	Store    *store.Store
	Ledger   *billing.Ledger // nil: no charges, the store's durations
	Station  Station
	Location *time.Location   // nil: UTC
	Now      func() time.Time // nil: time.Now
	// Names says how a number reads to people: the contact and company
	// of the address book that have it ("" if none) and the number
	// grouped for reading. nil: the number as stored.
	Names func(ctx context.Context, number string) (label, display string)
}

// Gather collects the report of job id. A first page that can no longer
// be read (retention, a damaged file) leaves the report without its image
// rather than failing it.
func (src Sources) Gather(ctx context.Context, id int64) (Job, error) {
	j, err := src.Store.GetJob(ctx, id)
	if err != nil {
		return Job{}, err
	}
	m, err := src.Store.GetMessage(ctx, j.Message)
	if err != nil {
		return Job{}, err
	}
	rep := FromStore(m, j)
	if src.Names != nil {
		label, display := src.Names(ctx, j.Recipient.Number)
		rep.Number = display
		if label != "" && !strings.Contains(strings.ToLower(label), strings.ToLower(rep.RecipientName)) {
			rep.RecipientName = strings.TrimPrefix(rep.RecipientName+", "+label, ", ")
		} else if label != "" {
			rep.RecipientName = label
		}
	}
	rep.Station, rep.Location, rep.Generated = src.Station, src.Location, time.Now()
	if src.Now != nil {
		rep.Generated = src.Now()
	}
	if err := src.charges(ctx, j.ID, rep.Attempts); err != nil {
		return rep, err
	}
	if ps, err := src.Store.Pages(ctx, j.ID); err == nil && len(ps) > 0 {
		if pg, err := src.Store.ReadPage(ps[0].PageFile); err == nil {
			rep.FirstPage = pg
		}
	}
	return rep, nil
}

// charges fills in each settled call's metered time and charge.
func (src Sources) charges(ctx context.Context, job int64, as []Attempt) error {
	if src.Ledger == nil {
		return nil
	}
	for i, a := range as {
		c, err := src.Ledger.Call(ctx, billing.CallID(job, a.Number))
		if errors.Is(err, billing.ErrUnknownCall) {
			continue // never reached the ledger (no credit, an early failure)
		}
		if err != nil {
			return err
		}
		if c.Settled {
			as[i].Metered = c.Duration
			if c.Answered {
				as[i].Charge = src.Ledger.Currency().Format(c.Charge)
			}
		}
	}
	return nil
}

// FromStore fills a Job from a stored message and one of its jobs (with
// its History, as GetJob and GetMessage return it). Gather adds the
// station, the first page and the charges.
func FromStore(m store.Message, j store.Job) Job {
	r := Job{
		Sender:         m.SenderName,
		Subject:        m.Subject,
		Number:         j.Recipient.Number,
		RecipientName:  j.Recipient.Name,
		Outcome:        outcome(j.State),
		Submitted:      m.Created,
		PagesTotal:     j.PagesTotal,
		PagesConfirmed: j.PagesConfirmed,
	}
	for _, a := range j.History {
		r.Attempts = append(r.Attempts, Attempt{
			Number:      a.Number,
			Started:     a.Started,
			Metered:     a.Duration,
			Line:        a.Modem,
			Result:      attemptResult(a),
			Pages:       a.PagesConfirmed,
			BitRate:     a.BitRate,
			Coding:      a.Coding,
			ECM:         a.ECM,
			RemoteIdent: a.RemoteIdent,
		})
	}
	return r
}

func outcome(s store.State) string {
	switch s {
	case store.Delivered:
		return "Delivered"
	case store.Failed:
		return "Failed"
	case store.Cancelled:
		return "Cancelled"
	}
	return "In progress"
}

func attemptResult(a store.Attempt) string {
	switch {
	case a.Ended.IsZero():
		return "In progress"
	case a.ReasonText != "":
		return a.ReasonText
	case a.ReasonCode == "ok":
		return "Delivered"
	}
	return strings.ReplaceAll(a.ReasonCode, "-", " ")
}
