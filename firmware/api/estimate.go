package api

import (
	"context"
	"strings"

	"faxbox/firmware/submission"
)

// estimateJSON is the estimate of a preview or a submitted message: per
// recipient and in total, and the line time of each page.
type estimateJSON struct {
	Resolution string `json:"resolution"` // what the pages are sent at
	// Seconds is the expected connected time of all calls; PageSeconds
	// each page's line time (of the first recipient's copy).
	Seconds     float64                 `json:"seconds"`
	PageSeconds []float64               `json:"page_seconds"`
	Recipients  []recipientEstimateJSON `json:"recipients"`
}

// recipientEstimateJSON is one recipient's call.
type recipientEstimateJSON struct {
	Field    string  `json:"field"`
	Number   string  `json:"number"` // E.164
	Display  string  `json:"display"`
	Name     string  `json:"name,omitempty"`
	Estimate string  `json:"estimate"`
	Seconds  float64 `json:"seconds"`
	// AssumedRate (bit/s) and AssumedECM are what Seconds assumes: the
	// last call to the number that delivered a page, else 14400 with ECM.
	AssumedRate int  `json:"assumed_rate"`
	AssumedECM  bool `json:"assumed_ecm"`
	// ReceiverResolution is, when the recipient's fax machine announced
	// less than the message's resolution in the last call, what the pages
	// go at to it ("standard"); Seconds is for those pages.
	ReceiverResolution string `json:"receiver_resolution,omitempty"`
}

// estimateView is e as the API shows it.
func (s *Server) estimateView(e submission.Estimate) estimateJSON {
	v := estimateJSON{Resolution: e.Resolution.String(), Seconds: e.Duration.Seconds(), PageSeconds: []float64{},
		Recipients: []recipientEstimateJSON{}}
	for _, d := range e.PageTimes {
		v.PageSeconds = append(v.PageSeconds, d.Seconds())
	}
	for _, r := range e.Recipients {
		v.Recipients = append(v.Recipients, recipientEstimateJSON{Field: r.Field.String(), Number: r.Number.E164,
			Display: r.Number.International(), Name: r.Name, Estimate: s.money(r.Cost), Seconds: r.Duration.Seconds(),
			AssumedRate: r.AssumedRate, AssumedECM: r.AssumedECM, ReceiverResolution: r.ReceiverResolution})
	}
	return v
}

// nameCopies gives each recipient its name from the address book
// ("Jan Peeters, ACME"), where the book has its number: the cover pages
// show names.
func (s *Server) nameCopies(ctx context.Context, rcpts []submission.Recipient) {
	for i := range rcpts {
		if rcpts[i].Name == "" && rcpts[i].Organisation == "" {
			w := s.who(ctx, rcpts[i].Number.E164)
			rcpts[i].Name = w.Name
			if !strings.EqualFold(w.Company, w.Name) {
				rcpts[i].Organisation = w.Company
			}
		}
	}
}
