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
)

// The line-time model of an estimate. A call spends SetupTime before its
// first page (the answering machine's CED, DIS/DCS and the training check:
// T.30 phases A and B, 5.3.6.1.6) and PageOverhead after each page (the
// post-page message and its answer, phase D); a page's own time (phase C)
// is its T.6 coded size at AssumedRate. Real calls run slower when the
// receiver lacks ECM (MH or MR with a minimum scan line time) or trains at
// a lower rate: the estimate is what a modern receiver takes.
const (
	SetupTime    = 12 * time.Second
	PageOverhead = 3 * time.Second
	AssumedRate  = 14400 // bit/s: V.17 (T.30 Table 2)
)

// PageTime is the expected line time of a page measured as m.
func PageTime(m sandbox.Measure) time.Duration {
	// ECM frames (T.4 Annex A) add about 3% of HDLC framing.
	bits := int64(m.MMRBytes) * 8 * 103 / 100
	return PageOverhead + time.Duration(bits*int64(time.Second)/AssumedRate)
}

// Estimate is what a message is expected to cost and take.
type Estimate struct {
	// Resolution is the resolution the pages are sent at.
	Resolution pages.Resolution
	// PageTimes are the expected line times of the pages of the first
	// recipient's copy.
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
	for _, m := range ms.copyOf(0) {
		e.PageTimes = append(e.PageTimes, PageTime(m))
	}
	for i, rc := range rcpts {
		d := SetupTime
		for _, m := range ms.copyOf(i) {
			d += PageTime(m)
		}
		est, err := s.cfg.Ledger.PriceTime(ctx, rc.Number.E164, d)
		if err != nil {
			if errors.Is(err, billing.ErrNoRate) {
				return Estimate{}, fmt.Errorf("%w: %s %s", err, rc.Field, rc.Number.International())
			}
			return Estimate{}, err
		}
		e.Recipients = append(e.Recipients, RecipientEstimate{Recipient: rc, Duration: est.Duration, Cost: est.Cost})
		e.Total += est.Cost
		e.Duration += est.Duration
	}
	return e, nil
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
