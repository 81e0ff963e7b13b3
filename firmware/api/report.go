package api

import (
	"bytes"
	"cmp"
	"context"
	"net/http"
	"strconv"

	"faxbox/firmware/report"
)

// jobReport implements GET /api/jobs/{id}/report.pdf: the job's
// transmission report (package report), with each call's metered time
// and charge from the ledger and the first page of the recipient's copy.
func (s *Server) jobReport(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := s.ownJob(r.Context(), principal(r), id); err != nil {
		s.fail(w, r, err)
		return
	}
	rep, err := s.reports().Gather(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rep.Sender = s.displayName(r.Context(), rep.Sender)
	var buf bytes.Buffer
	if err := report.Write(&buf, rep); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	setDownload(w, downloadName(".pdf", "report", strconv.FormatInt(id, 10), "to", cmp.Or(rep.RecipientName, rep.Number)))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Write(buf.Bytes())
}

func (s *Server) reports() report.Sources {
	return report.Sources{Store: s.cfg.Store, Ledger: s.cfg.Ledger, Location: s.cfg.Location, Now: s.cfg.Now,
		Station: report.Station{Name: s.cfg.From.Organisation, Number: s.cfg.From.Fax, Ident: s.cfg.StationIdent},
		Names:   s.names}
}

// displayName is the name people know the user with login name by, or
// the login name when the user has none (or users are not known here).
func (s *Server) displayName(ctx context.Context, login string) string {
	if s.cfg.People == nil {
		return login
	}
	ps, err := s.cfg.People(ctx)
	if err != nil {
		return login
	}
	for _, p := range ps {
		if p.Name == login && p.DisplayName != "" {
			return p.DisplayName
		}
	}
	return login
}
