package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"faxbox/firmware/billing"
)

// The administrators' side of the prepaid account:
//
//	POST /api/tariffs           a new tariff in force now: multipart field "file" (and "note"),
//	                            or the CSV itself as the body (text/csv); 201 {"version","rates","effective"}
//	GET  /api/tariffs/versions  {"versions": [{"id","effective","created","who","note","currency","in_force"}]}, oldest first
//	POST /api/account/adjust    {"amount": "-5.00", "reason": "..."}: the balance changed by amount
//
// The CSV is billing.ReadTableCSV's format; a malformed one is refused
// with 400 naming the line. An adjustment needs a reason (400 without);
// a negative one cannot take more than is available (402). Imports and
// adjustments are recorded in the audit log ("tariff.import",
// "account.adjust").

// maxTariffUpload bounds an uploaded tariff CSV.
const maxTariffUpload = 1 << 20

// tariffVersionJSON is one entry of GET /api/tariffs/versions.
type tariffVersionJSON struct {
	ID        int64     `json:"id"`
	Effective time.Time `json:"effective"`
	Created   time.Time `json:"created"`
	Who       string    `json:"who"`
	Note      string    `json:"note,omitempty"`
	Currency  string    `json:"currency"`
	InForce   bool      `json:"in_force"`
}

// tariffVersions implements GET /api/tariffs/versions.
func (s *Server) tariffVersions(w http.ResponseWriter, r *http.Request) {
	if _, ok := admin(w, r, "the tariff's history"); !ok {
		return
	}
	vs, err := s.cfg.Ledger.TariffVersions(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	current, _, err := s.cfg.Ledger.TariffAt(r.Context(), s.cfg.Now())
	if err != nil && !errors.Is(err, billing.ErrNoTariff) {
		s.fail(w, r, err)
		return
	}
	out := []tariffVersionJSON{}
	for _, v := range vs {
		out = append(out, tariffVersionJSON{ID: v.ID, Effective: v.Effective.UTC(), Created: v.Created.UTC(), Who: v.Who,
			Note: v.Note, Currency: string(v.Currency), InForce: v.ID == current})
	}
	writeJSON(w, http.StatusOK, map[string]any{"versions": out})
}

// importTariff implements POST /api/tariffs.
func (s *Server) importTariff(w http.ResponseWriter, r *http.Request) {
	p, ok := admin(w, r, "changing the tariff")
	if !ok || !s.canAudit(w) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxTariffUpload)
	var (
		csv  io.Reader
		note string
	)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "multipart/form-data":
		f, _, err := r.FormFile("file")
		if err != nil {
			writeError(w, http.StatusBadRequest, "want the tariff CSV in the multipart field \"file\": "+err.Error())
			return
		}
		defer f.Close()
		csv, note = f, strings.TrimSpace(r.FormValue("note"))
	case "text/csv", "text/plain":
		csv, note = r.Body, strings.TrimSpace(r.URL.Query().Get("note"))
	default:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Content-Type %q: want multipart/form-data (field \"file\") or text/csv", mt))
		return
	}
	if note == "" {
		note = "imported by " + p.User.Name
	}
	ctx := r.Context()
	now := s.cfg.Now()
	id, err := s.cfg.Ledger.ImportTariffCSV(ctx, csv, now, p.User.Name, note)
	if errors.Is(err, billing.ErrBadTariff) || errors.Is(err, billing.ErrCurrency) {
		writeError(w, http.StatusBadRequest, strings.ReplaceAll(err.Error(), "billing: ", ""))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rates := 0
	if _, tab, err := s.cfg.Ledger.TariffAt(ctx, now); err == nil {
		rates = len(tab.Rates())
	}
	if err := s.record(ctx, p, "tariff.import", fmt.Sprintf("tariff version %d, %d rates, in force from %s: %s",
		id, rates, now.UTC().Format(time.RFC3339), note)); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"version": id, "rates": rates, "effective": now.UTC(), "note": note})
}

// adjustJSON is POST /api/account/adjust's answer.
type adjustJSON struct {
	Entry     int64  `json:"entry"`
	Amount    string `json:"amount"`
	Reason    string `json:"reason"`
	Balance   string `json:"balance"`
	Available string `json:"available"`
	Currency  string `json:"currency"`
}

// adjust implements POST /api/account/adjust.
func (s *Server) adjust(w http.ResponseWriter, r *http.Request) {
	p, ok := admin(w, r, "adjusting the balance")
	if !ok || !s.canAudit(w) {
		return
	}
	var req struct {
		Amount string `json:"amount"`
		Reason string `json:"reason"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, `want a JSON body {"amount": "-5.00", "reason": "..."}: `+err.Error())
		return
	}
	req.Reason = strings.TrimSpace(req.Reason)
	if req.Reason == "" {
		writeError(w, http.StatusBadRequest, "an adjustment needs a reason")
		return
	}
	cur := s.cfg.Ledger.Currency()
	amount, err := cur.Parse(strings.TrimSpace(req.Amount))
	if err != nil {
		writeError(w, http.StatusBadRequest, trim(err))
		return
	}
	if amount == 0 {
		writeError(w, http.StatusBadRequest, "amount: an adjustment of 0 changes nothing")
		return
	}
	ctx := r.Context()
	e, err := s.cfg.Ledger.Adjust(ctx, amount, p.User.Name, req.Reason)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	signed := cur.FormatNumber(amount)
	if amount > 0 {
		signed = "+" + signed
	}
	if err := s.record(ctx, p, "account.adjust", fmt.Sprintf("%s %s (%s); balance %s", signed, cur, req.Reason,
		cur.Format(e.Balance))); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, adjustJSON{Entry: e.ID, Amount: signed, Reason: req.Reason, Balance: s.money(e.Balance),
		Available: s.money(e.Available()), Currency: string(cur)})
}
