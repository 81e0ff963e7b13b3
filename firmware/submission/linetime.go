package submission

import (
	"context"
	"errors"
	"fmt"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/store"
	"faxbox/pages"
	"faxbox/pages/render/sandbox"
	"faxbox/t30"
)

// Estimate is what a message is expected to cost and take.
type Estimate struct {
	// Resolution is the resolution the pages are sent at.
	Resolution pages.Resolution
	// PageTimes are the expected line times of the pages of the first
	// recipient's copy, to the first recipient.
	PageTimes  []time.Duration
	Recipients []RecipientEstimate
	Total      billing.Amount
	Duration   time.Duration // of all calls
}

// RecipientEstimate is one recipient's call.
type RecipientEstimate struct {
	Recipient
	Duration time.Duration
	Cost     billing.Amount
	// AssumedRate (bit/s) and AssumedECM are what the line time assumes:
	// those of the last call to the number in which the remote confirmed
	// a page, else t30.DefaultRate with ECM.
	AssumedRate int
	AssumedECM  bool
	// ReceiverResolution is, when the last call to the number heard a DIS
	// without Estimate.Resolution (store.Destination.ReceiverResolution),
	// the resolution the pages go at to it, rows merged ("standard" or
	// "fine"); "" otherwise. Duration and Cost are then for the merged
	// pages (pages.CodedSize.Merged).
	ReceiverResolution string
}

// measures collects the Measure of every page of every copy; a render
// sink embeds it to be a sandbox.Measurer.
type measures struct {
	copies [][]sandbox.Measure
}

// Measured implements sandbox.Measurer.
func (ms *measures) Measured(c, n int, m sandbox.Measure) {
	for len(ms.copies) <= c {
		ms.copies = append(ms.copies, nil)
	}
	for len(ms.copies[c]) < n {
		ms.copies[c] = append(ms.copies[c], sandbox.Measure{})
	}
	ms.copies[c][n-1] = m
}

// copyOf returns copy i's measures, or the first copy's when copy i was
// not rendered (a preview renders one copy for all recipients).
func (ms *measures) copyOf(i int) []sandbox.Measure {
	if i < len(ms.copies) && len(ms.copies[i]) > 0 {
		return ms.copies[i]
	}
	if len(ms.copies) > 0 {
		return ms.copies[0]
	}
	return nil
}

// estimate prices each recipient's call from its copy's line time with
// the tariff in force; a destination without a price is an error
// wrapping billing.ErrNoRate that names it.
func (s *Submitter) estimate(ctx context.Context, rcpts []Recipient, res pages.Resolution, ms *measures) (Estimate, error) {
	e := Estimate{Resolution: res}
	for i, rc := range rcpts {
		lt, d, err := s.lineTime(ctx, rc.Number.E164)
		if err != nil {
			return Estimate{}, err
		}
		sent, sizes := sentAt(res, d, ms.copyOf(i))
		if i == 0 {
			for _, c := range sizes {
				e.PageTimes = append(e.PageTimes, lt.Page(c))
			}
		}
		est, err := s.cfg.Ledger.PriceTime(ctx, rc.Number.E164, lt.Call(sizes))
		if err != nil {
			if errors.Is(err, billing.ErrNoRate) {
				return Estimate{}, fmt.Errorf("%w: %s %s", err, rc.Field, rc.Number.International())
			}
			return Estimate{}, err
		}
		e.Recipients = append(e.Recipients, RecipientEstimate{Recipient: rc, Duration: est.Duration, Cost: est.Cost,
			AssumedRate: lt.BitRate(), AssumedECM: !lt.NoECM, ReceiverResolution: sent})
		e.Total += est.Cost
		e.Duration += est.Duration
	}
	return e, nil
}

// lineTime returns the line-time model of a call to number (E.164): at
// the rate and with the ECM of the last call to it that delivered a
// page (store.Destination.Worked), else t30.DefaultRate with ECM; and
// what the store knows of the number.
func (s *Submitter) lineTime(ctx context.Context, number string) (t30.LineTime, store.Destination, error) {
	d, err := s.cfg.Store.Destination(ctx, number)
	if err != nil {
		return t30.LineTime{}, d, fmt.Errorf("submission: estimate: %w", err)
	}
	return t30.Expected(d.Worked.BitRate, d.Worked.ECM), d, nil
}

// sentAt returns, for pages rendered for resolution res and measured
// as ms, the resolution they go at to d's fax machine when it announced
// less than res in the last DIS heard (T.30 Table 2, bits 15 and 41), and
// their coded sizes with rows merged as the T.30 engine merges them,
// page by page from the resolution each was rendered at (an attachment
// may keep a lower one); else "" and the sizes as measured.
func sentAt(res pages.Resolution, d store.Destination, ms []sandbox.Measure) (string, []pages.CodedSize) {
	sizes := make([]pages.CodedSize, len(ms))
	for i, m := range ms {
		sizes[i] = m.Coded
	}
	rr, err := pages.ParseResolution(d.ReceiverResolution)
	if d.ReceiverResolution == "" || err != nil || rr >= res {
		return "", sizes
	}
	for i, m := range ms {
		from := res
		if m.YDPI > 0 {
			from = pages.ResolutionOf(m.YDPI)
		}
		factor := 1
		for r := from; r > rr; r-- {
			factor *= 2
		}
		sizes[i] = m.Coded.Merged(factor)
	}
	return rr.String(), sizes
}

// Resolution parses a message's resolution: "standard", "fine" or
// "superfine", and "" for Config.Resolution. An unknown one is an error
// wrapping store.ErrInvalid.
func (s *Submitter) Resolution(name string) (pages.Resolution, error) {
	if name == "" {
		return s.cfg.Resolution, nil
	}
	r, err := pages.ParseResolution(name)
	if err != nil {
		return 0, fmt.Errorf("%w: resolution %q: standard, fine or superfine", store.ErrInvalid, name)
	}
	return r, nil
}

// Estimate prices a message whose every copy has pages measured as ms (a
// preview renders one copy for all recipients) at resolution res.
func (s *Submitter) Estimate(ctx context.Context, rcpts []Recipient, res pages.Resolution, ms []sandbox.Measure) (Estimate, error) {
	return s.estimate(ctx, rcpts, res, &measures{copies: [][]sandbox.Measure{ms}})
}
