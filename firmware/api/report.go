package api

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"faxbox/firmware/billing"
	"faxbox/firmware/numbers"
	"faxbox/firmware/report"
	"faxbox/firmware/store"
	"faxbox/pages"
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
	j, err := s.cfg.Store.GetJob(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := s.cfg.Store.GetMessage(r.Context(), j.Message)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rep, err := s.jobReportData(r, m, j)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, rep); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="faxbox-report-%d-%s.pdf"`, j.ID, numbers.Digits(j.Recipient.Number)))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Write(buf.Bytes())
}

// jobReportData gathers what the report shows. A first page that can no
// longer be read (retention, a damaged file) leaves the report without
// its image rather than failing it.
func (s *Server) jobReportData(r *http.Request, m store.Message, j store.Job) (report.Job, error) {
	rep := report.FromStore(m, j)
	from := s.cfg.From
	rep.Station = report.Station{Name: from.Organisation, Number: from.Fax, Ident: s.cfg.StationIdent}
	rep.Generated = s.cfg.Now()
	rep.Location = s.cfg.Location
	for i, a := range rep.Attempts {
		c, err := s.cfg.Ledger.Call(r.Context(), billing.CallID(j.ID, a.Number))
		if errors.Is(err, billing.ErrUnknownCall) {
			continue // never reached the ledger (no credit, an early failure)
		}
		if err != nil {
			return rep, err
		}
		if c.Settled {
			rep.Attempts[i].Metered = c.Duration
			if c.Answered {
				rep.Attempts[i].Charge = s.cfg.Ledger.Currency().Format(c.Charge)
			}
		}
	}
	if ps, err := s.cfg.Store.Pages(r.Context(), j.ID); err == nil && len(ps) > 0 {
		var pg *pages.Page
		if pg, err = s.loadPage(ps[0].PageFile); err == nil {
			rep.FirstPage = pg
		}
	}
	return rep, nil
}
