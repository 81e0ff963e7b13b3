package api

import (
	"context"
	"strings"

	"faxbox/firmware/contacts"
)

// Names next to numbers: the outbox's recipients, the inbox's callers and
// the transmission reports show the contact and company of the address
// book that have a number, and the number grouped for reading, its E.164
// form beside it for the title.

// whoJSON is how a number reads to people.
type whoJSON struct {
	Number  string `json:"number"`            // as stored or as the line sent it
	E164    string `json:"e164,omitempty"`    // "" when it is no valid number
	Display string `json:"display"`           // "+32 2 555 12 12"
	Name    string `json:"name,omitempty"`    // the contact's name
	Company string `json:"company,omitempty"` // the contact's company
	Label   string `json:"label,omitempty"`   // "Jan Peeters, ACME"
}

// who looks up the first of numbers that is a number (contacts.FirstWho);
// without an address book, or if it fails, the number is only grouped
// for reading.
func (s *Server) who(ctx context.Context, numbers ...string) whoJSON {
	var w contacts.Who
	var err error
	if s.cfg.Contacts != nil {
		w, err = s.cfg.Contacts.FirstWho(ctx, numbers...)
		if err != nil {
			s.log.Warn("api: name of a number", "err", err)
		}
	} else {
		for _, n := range numbers {
			if p, err := s.cfg.Numbers.Parse(strings.TrimSpace(n)); err == nil {
				w = contacts.Who{Number: n, E164: p.E164, Display: p.International()}
				break
			}
			if w.Number == "" {
				w = contacts.Who{Number: n, Display: n}
			}
		}
	}
	return whoJSON{Number: w.Number, E164: w.E164, Display: w.Display, Name: w.Name, Company: w.Company, Label: w.Label()}
}

// names returns how a number reads for the transmission reports
// (report.Sources.Names).
func (s *Server) names(ctx context.Context, number string) (label, display string) {
	w := s.who(ctx, number)
	return w.Label, w.Display
}

// nameRecipients adds who each recipient and job's recipient is.
func (s *Server) nameRecipients(ctx context.Context, v *messageJSON) {
	seen := map[string]*whoJSON{}
	name := func(r *recipientJSON) {
		w, ok := seen[r.Number]
		if !ok {
			x := s.who(ctx, r.Number)
			w, seen[r.Number] = &x, &x
		}
		r.Who = w
	}
	for i := range v.Recipients {
		name(&v.Recipients[i])
	}
	for i := range v.Jobs {
		name(&v.Jobs[i].Recipient)
	}
}
