package api

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"faxbox/firmware/billing"
)

// The prepaid account's ledger and the tariff in force.
//
// GET /api/account/ledger?format=json|csv&from=DATE&to=DATE(&group=job&limit=N) lists the
// ledger entries from the day from to the day to, both included (dates
// YYYY-MM-DD, UTC days; default: everything). Administrators get every
// entry; staff only the entries of their own spending (their calls'
// holds, charges and refunds): other users' destinations are not theirs
// to see. CSV is billing's statement (one row per entry, calls with their
// destination, duration, tariff and cost).

type entryJSON struct {
	ID        int64        `json:"id"`
	At        time.Time    `json:"at"`
	Kind      billing.Kind `json:"kind"`
	Amount    string       `json:"amount"`
	Balance   string       `json:"balance"`
	Available string       `json:"available"`
	User      string       `json:"user,omitempty"`
	Who       string       `json:"who"`
	Why       string       `json:"why"`
	Job       string       `json:"job,omitempty"`
	Call      string       `json:"call,omitempty"`
	Voucher   string       `json:"voucher,omitempty"`
}

// statementUserColumn is the index of "user" in billing's statement CSV.
const statementUserColumn = 7

// statementCallColumn is the index of "call" in billing's statement CSV.
const statementCallColumn = 11

// ledgerRange reads from and to (YYYY-MM-DD, UTC days; to inclusive).
func ledgerRange(w http.ResponseWriter, r *http.Request) (from, to time.Time, ok bool) {
	for name, dst := range map[string]*time.Time{"from": &from, "to": &to} {
		v := r.URL.Query().Get(name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("%s=%q: want a date YYYY-MM-DD", name, v))
			return from, to, false
		}
		*dst = t
	}
	if !to.IsZero() {
		to = to.AddDate(0, 0, 1)
	}
	return from, to, true
}

// ledger implements GET /api/account/ledger.
func (s *Server) ledger(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	from, to, ok := ledgerRange(w, r)
	if !ok {
		return
	}
	switch f := r.URL.Query().Get("format"); f {
	case "", "json":
		es, err := s.cfg.Ledger.Entries(r.Context(), from, to)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out := []entryJSON{}
		mine := es[:0]
		for _, e := range es {
			if !p.Admin && e.User != p.User.Name {
				continue
			}
			mine = append(mine, e)
			out = append(out, entryJSON{ID: e.ID, At: e.At.UTC(), Kind: e.Kind, Amount: s.money(e.Amount),
				Balance: s.money(e.Balance), Available: s.money(e.Available()), User: e.User, Who: e.Who,
				Why: e.Why, Job: e.Job, Call: e.Call, Voucher: e.Voucher})
		}
		if g := r.URL.Query().Get("group"); g == "job" {
			limit, err := strconv.Atoi(cmp.Or(r.URL.Query().Get("limit"), "0"))
			if err != nil || limit < 0 {
				writeError(w, http.StatusBadRequest, fmt.Sprintf("limit=%q: want a number of rows", r.URL.Query().Get("limit")))
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"currency": string(s.cfg.Ledger.Currency()), "rows": s.groupLedger(r.Context(), mine, limit)})
			return
		} else if g != "" {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("group=%q: want job", g))
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"currency": string(s.cfg.Ledger.Currency()), "entries": out})
	case "csv":
		var buf bytes.Buffer
		if err := s.cfg.Ledger.WriteStatementCSV(r.Context(), &buf, from, to); err != nil {
			s.fail(w, r, err)
			return
		}
		recs, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			s.fail(w, r, fmt.Errorf("api: reading back the statement: %w", err))
			return
		}
		buf.Reset()
		cw := csv.NewWriter(&buf)
		for i, rec := range recs {
			if i == 0 || p.Admin || (len(rec) > statementUserColumn && rec[statementUserColumn] == p.User.Name) {
				cw.Write(append(rec, statementReport(i, rec)))
			}
		}
		cw.Flush()
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="faxbox-ledger.csv"`)
		w.Header().Set("Cache-Control", "no-store")
		w.Write(buf.Bytes())
	default:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("format=%q: want json or csv", f))
	}
}

type rateJSON struct {
	Prefix     string `json:"prefix"`
	Name       string `json:"name"`
	PerMinute  string `json:"per_minute"`
	First      int    `json:"first_seconds"`
	Step       int    `json:"step_seconds"`
	Minimum    string `json:"minimum,omitempty"`
	ConnectFee string `json:"connect_fee,omitempty"`
}

// tariffs implements GET /api/tariffs: the tariff in force now.
func (s *Server) tariffs(w http.ResponseWriter, r *http.Request) {
	id, tab, err := s.cfg.Ledger.TariffAt(r.Context(), s.cfg.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := map[string]any{"version": id, "currency": string(tab.Currency())}
	if vs, err := s.cfg.Ledger.TariffVersions(r.Context()); err == nil {
		for _, tv := range vs {
			if tv.ID == id {
				v["effective"], v["note"] = tv.Effective.UTC(), tv.Note
			}
		}
	}
	rates := []rateJSON{}
	for _, rt := range tab.Rates() {
		rj := rateJSON{Prefix: rt.Prefix, Name: rt.Name, PerMinute: tab.Currency().FormatNumber(rt.PerMinute),
			First: rt.First, Step: rt.Step}
		if rt.Minimum > 0 {
			rj.Minimum = tab.Currency().FormatNumber(rt.Minimum)
		}
		if rt.ConnectFee > 0 {
			rj.ConnectFee = tab.Currency().FormatNumber(rt.ConnectFee)
		}
		rates = append(rates, rj)
	}
	v["rates"] = rates
	writeJSON(w, http.StatusOK, v)
}

// statementReport is the statement's last column: where the transmission
// report of a row's call is (GET /api/jobs/{id}/report.pdf).
func statementReport(row int, rec []string) string {
	if row == 0 {
		return "report"
	}
	if len(rec) <= statementCallColumn {
		return ""
	}
	if job, _, ok := billing.ParseCallID(rec[statementCallColumn]); ok {
		return fmt.Sprintf("/api/jobs/%d/report.pdf", job)
	}
	return ""
}
