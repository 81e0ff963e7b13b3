package api

import (
	"cmp"
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
//	POST /api/tariffs           a new tariff in force now: multipart field "file" (and "note",
//	                            "mode", "preview"), or the CSV itself as the body (text/csv;
//	                            ?note=&mode=&preview=); 201 {"version","rates","effective","diff"}
//	GET  /api/tariffs/versions  {"versions": [{"id","effective","created","who","note","currency","in_force"}]}, oldest first
//	POST /api/tariffs/versions/{id}/reinstate  version id's table in force again from now, as a
//	                            new version (?preview=1 as above); 201 as POST /api/tariffs
//	POST /api/account/adjust    {"amount": "-5.00", "reason": "..."}: the balance changed by amount
//	                            (as typed: "20,00" and "1.234,56" are read with a decimal comma)
//
// mode "replace" (the default) makes the file the whole tariff: the
// destinations it leaves out have no price any more; mode "update" changes
// and adds the file's destinations and keeps the others. With preview=1
// (or true) nothing is stored: the answer is 200 with the diff only. The
// diff is what the new tariff changes against the one in force:
// {"added","changed","removed": [{"prefix","name","per_minute","old_name","old_per_minute"}],
// "unchanged": N}. A version whose effective time is the epoch (the
// example tariff installed with the appliance) is listed as effective
// from its creation, with "since_install": true.
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
	// SinceInstall marks the tariff installed with the appliance, in
	// force from before any call (Effective is then its creation time).
	SinceInstall bool `json:"since_install,omitempty"`
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
		tv := tariffVersionJSON{ID: v.ID, Effective: v.Effective.UTC(), Created: v.Created.UTC(), Who: v.Who,
			Note: v.Note, Currency: string(v.Currency), InForce: v.ID == current}
		if v.Effective.Unix() == 0 {
			tv.Effective, tv.SinceInstall = tv.Created, true
		}
		out = append(out, tv)
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
		csv                 io.Reader
		note, mode, preview string
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
		csv, note, mode, preview = f, r.FormValue("note"), r.FormValue("mode"), r.FormValue("preview")
	case "text/csv", "text/plain":
		q := r.URL.Query()
		csv, note, mode, preview = r.Body, q.Get("note"), q.Get("mode"), q.Get("preview")
	default:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Content-Type %q: want multipart/form-data (field \"file\") or text/csv", mt))
		return
	}
	dry, ok := previewFlag(w, preview)
	if !ok {
		return
	}
	tab, err := billing.ReadTableCSV(csv)
	if err != nil {
		writeError(w, http.StatusBadRequest, strings.ReplaceAll(err.Error(), "billing: ", ""))
		return
	}
	current, ok := s.currentTariff(w, r)
	if !ok {
		return
	}
	switch mode {
	case "", "replace":
		mode = "replace"
	case "update":
		if current != nil {
			if tab, err = billing.MergeTables(current, tab); err != nil {
				writeError(w, http.StatusBadRequest, strings.ReplaceAll(err.Error(), "billing: ", ""))
				return
			}
		}
	default:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("mode=%q: want replace or update", mode))
		return
	}
	if note = strings.TrimSpace(note); note == "" {
		note = "imported by " + p.User.Name
	}
	s.putTariff(w, r, p, tariffChange{table: tab, current: current, note: note, preview: dry,
		action: "tariff.import", what: "mode " + mode})
}

// previewFlag reads the preview parameter: "", "0", "false", "1" or "true".
func previewFlag(w http.ResponseWriter, v string) (bool, bool) {
	switch v {
	case "", "0", "false":
		return false, true
	case "1", "true":
		return true, true
	}
	writeError(w, http.StatusBadRequest, fmt.Sprintf("preview=%q: want 1 or 0", v))
	return false, false
}

// reinstateTariff implements POST /api/tariffs/versions/{id}/reinstate.
func (s *Server) reinstateTariff(w http.ResponseWriter, r *http.Request) {
	p, ok := admin(w, r, "changing the tariff")
	if !ok || !s.canAudit(w) {
		return
	}
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	dry, ok := previewFlag(w, r.URL.Query().Get("preview"))
	if !ok {
		return
	}
	ctx := r.Context()
	tab, err := s.cfg.Ledger.TariffVersionTable(ctx, id)
	if errors.Is(err, billing.ErrNoTariff) {
		writeError(w, http.StatusNotFound, trim(err))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	current, ok := s.currentTariff(w, r)
	if !ok {
		return
	}
	s.putTariff(w, r, p, tariffChange{table: tab, current: current, note: fmt.Sprintf("version %d put back in force", id),
		preview: dry, action: "tariff.reinstate", what: fmt.Sprintf("from version %d", id)})
}

// currentTariff returns the table in force now, nil if none; it answers
// an error itself.
func (s *Server) currentTariff(w http.ResponseWriter, r *http.Request) (*billing.Table, bool) {
	_, current, err := s.cfg.Ledger.TariffAt(r.Context(), s.cfg.Now())
	if err != nil && !errors.Is(err, billing.ErrNoTariff) {
		s.fail(w, r, err)
		return nil, false
	}
	return current, true
}

// tariffChange is a new tariff table on its way in.
type tariffChange struct {
	table, current *billing.Table
	note           string
	preview        bool
	action, what   string // for the audit log
}

// putTariff answers the diff of c (200 for a preview), or stores c's
// table in force from now, records it and answers 201.
func (s *Server) putTariff(w http.ResponseWriter, r *http.Request, p Principal, c tariffChange) {
	if cur := s.cfg.Ledger.Currency(); c.table.Currency() != cur {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("the tariff is in %s, the appliance's currency is %s", c.table.Currency(), cur))
		return
	}
	diff := s.diffJSON(billing.DiffTables(c.current, c.table))
	rates := len(c.table.Rates())
	if c.preview {
		writeJSON(w, http.StatusOK, map[string]any{"rates": rates, "diff": diff, "preview": true})
		return
	}
	ctx := r.Context()
	now := s.cfg.Now()
	id, err := s.cfg.Ledger.SetTariff(ctx, c.table, now, p.User.Name, c.note)
	if errors.Is(err, billing.ErrCurrency) {
		writeError(w, http.StatusBadRequest, trim(err))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.record(ctx, p, c.action, fmt.Sprintf("tariff version %d, %d rates (%s: %d added, %d changed, %d removed), in force from %s: %s",
		id, rates, c.what, len(diff.Added), len(diff.Changed), len(diff.Removed), now.UTC().Format(time.RFC3339), c.note)); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"version": id, "rates": rates, "effective": now.UTC(), "note": c.note, "diff": diff})
}

// rateDiffJSON is one destination of a tariff diff.
type rateDiffJSON struct {
	Prefix       string `json:"prefix"`
	Name         string `json:"name"`
	PerMinute    string `json:"per_minute,omitempty"`
	OldName      string `json:"old_name,omitempty"`
	OldPerMinute string `json:"old_per_minute,omitempty"`
}

// tariffDiffJSON is what a new tariff changes.
type tariffDiffJSON struct {
	Added     []rateDiffJSON `json:"added"`
	Changed   []rateDiffJSON `json:"changed"`
	Removed   []rateDiffJSON `json:"removed"`
	Unchanged int            `json:"unchanged"`
}

func (s *Server) diffJSON(d billing.TariffDiff) tariffDiffJSON {
	list := func(cs []billing.RateChange) []rateDiffJSON {
		out := []rateDiffJSON{}
		for _, c := range cs {
			j := rateDiffJSON{Prefix: c.Prefix, Name: c.New.Name, OldName: c.Old.Name}
			if c.New.Step > 0 {
				j.PerMinute = s.money(c.New.PerMinute)
			}
			if c.Old.Step > 0 {
				j.OldPerMinute = s.money(c.Old.PerMinute)
			}
			if j.Name == "" || j.OldName == j.Name {
				j.Name, j.OldName = cmp.Or(j.Name, j.OldName), ""
			}
			out = append(out, j)
		}
		return out
	}
	return tariffDiffJSON{Added: list(d.Added), Changed: list(d.Changed), Removed: list(d.Removed), Unchanged: d.Unchanged}
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
	amount, err := cur.ParseTyped(req.Amount)
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
