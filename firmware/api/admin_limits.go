package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"faxbox/firmware/billing"
	"faxbox/firmware/store"
)

// The users' monthly spending limits (administrators):
//
//	GET /api/limits         {"currency", "limits": [{"user", "monthly"}]}, by user name
//	PUT /api/limits/{user}  {"monthly": "50,00"}: the user's limit; "" or "0" removes it
//
// Amounts are read as typed (billing.Currency.ParseTyped: a decimal comma
// is fine). An unknown user is 404; a change is recorded in the audit log
// as "limit.set". A user's limit is checked when a message is submitted
// and when each call starts (package billing).

// limitJSON is one user's limit.
type limitJSON struct {
	User    string `json:"user"`
	Monthly string `json:"monthly"`
}

// listLimits implements GET /api/limits.
func (s *Server) listLimits(w http.ResponseWriter, r *http.Request) {
	if _, ok := admin(w, r, "the users' limits"); !ok {
		return
	}
	ls, err := s.cfg.Ledger.UserLimits(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []limitJSON{}
	for u, a := range ls {
		out = append(out, limitJSON{User: u, Monthly: s.money(a)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].User < out[j].User })
	writeJSON(w, http.StatusOK, map[string]any{"currency": string(s.cfg.Ledger.Currency()), "limits": out})
}

// setLimit implements PUT /api/limits/{user}.
func (s *Server) setLimit(w http.ResponseWriter, r *http.Request) {
	p, ok := admin(w, r, "setting a user's limit")
	if !ok || !s.canAudit(w) {
		return
	}
	var req struct {
		Monthly string `json:"monthly"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, `want a JSON body {"monthly": "50.00"}: `+err.Error())
		return
	}
	ctx := r.Context()
	u, err := s.cfg.Store.UserByName(ctx, r.PathValue("user"))
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no user %q", r.PathValue("user")))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cur := s.cfg.Ledger.Currency()
	var monthly billing.Amount
	if v := strings.TrimSpace(req.Monthly); v != "" {
		if monthly, err = cur.ParseTyped(v); err != nil {
			writeError(w, http.StatusBadRequest, "monthly: "+trim(err))
			return
		}
		if monthly < 0 {
			writeError(w, http.StatusBadRequest, "monthly: a limit cannot be negative")
			return
		}
	}
	if err := s.cfg.Ledger.SetUserLimit(ctx, u.Name, monthly, p.User.Name); err != nil {
		s.fail(w, r, err)
		return
	}
	detail := fmt.Sprintf("monthly limit of %s removed", u.Name)
	if monthly > 0 {
		detail = fmt.Sprintf("monthly limit of %s: %s", u.Name, cur.Format(monthly))
	}
	if err := s.record(ctx, p, "limit.set", detail); err != nil {
		s.fail(w, r, err)
		return
	}
	out := limitJSON{User: u.Name}
	if monthly > 0 {
		out.Monthly = s.money(monthly)
	}
	writeJSON(w, http.StatusOK, out)
}
