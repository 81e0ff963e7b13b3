package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/store"
)

// cancelJob implements POST /api/jobs/{id}/cancel.
func (s *Server) cancelJob(w http.ResponseWriter, r *http.Request) {
	s.actOnJob(w, r, s.cfg.Store.CancelJob)
}

// retryJob implements POST /api/jobs/{id}/retry.
func (s *Server) retryJob(w http.ResponseWriter, r *http.Request) {
	s.actOnJob(w, r, s.cfg.Store.RetryNow)
}

// actOnJob applies act to the job of the path, if the principal may act
// on it, in the principal's name, and answers with the job as it is then.
func (s *Server) actOnJob(w http.ResponseWriter, r *http.Request, act func(ctx context.Context, id int64, who string) (store.Job, error)) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	p := principal(r)
	if err := s.ownJob(r.Context(), p, id); err != nil {
		s.fail(w, r, err)
		return
	}
	j, err := act(r.Context(), id, p.User.Name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if full, err := s.cfg.Store.GetJob(r.Context(), id); err == nil {
		j = full
	}
	writeJSON(w, http.StatusOK, jobView(j))
}

type accountJSON struct {
	Currency       string `json:"currency"`
	Balance        string `json:"balance"`
	Available      string `json:"available"`
	Held           string `json:"held"`
	OpenHolds      int    `json:"open_holds"`
	SpentThisMonth string `json:"spent_this_month"`
	User           string `json:"user"`
	UserSpent      string `json:"user_spent_this_month"`
	UserLimit      string `json:"user_monthly_limit,omitempty"`
	MinAvailable   string `json:"min_available,omitempty"`
	CanSend        bool   `json:"can_send"`
	Demo           bool   `json:"demo,omitempty"`
	Note           string `json:"note,omitempty"`
}

// account implements GET /api/account.
func (s *Server) account(w http.ResponseWriter, r *http.Request) {
	v, err := s.accountView(r.Context(), principal(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// accountView is GET /api/account's answer for p (also the events
// stream's "account" frames).
func (s *Server) accountView(ctx context.Context, p Principal) (accountJSON, error) {
	all, err := s.cfg.Ledger.Account(ctx, "")
	if err != nil {
		return accountJSON{}, err
	}
	mine, err := s.cfg.Ledger.Account(ctx, p.User.Name)
	if err != nil {
		return accountJSON{}, err
	}
	min := s.cfg.Ledger.MinAvailable()
	v := accountJSON{Currency: string(all.Currency), Balance: s.money(all.Balance), Available: s.money(all.Available),
		Held: s.money(all.Held), OpenHolds: all.OpenHolds, SpentThisMonth: s.money(all.SpentThisMonth),
		User: p.User.Name, UserSpent: s.money(mine.SpentThisMonth), CanSend: all.Available >= min, Demo: s.cfg.Demo}
	if mine.UserLimit > 0 {
		v.UserLimit = s.money(mine.UserLimit)
	}
	if min > 0 {
		v.MinAvailable = s.money(min)
	}
	if s.cfg.Demo {
		v.Note = "demo credit: not real money; calls go to the simulated remote fax machine"
	}
	return v, nil
}

// redeem implements POST /api/vouchers/redeem: {"code": "..."} as JSON,
// or a form field code.
func (s *Server) redeem(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	var code string
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/json" {
		var req struct {
			Code string `json:"code"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeError(w, http.StatusBadRequest, "want a JSON body {\"code\": \"...\"}: "+err.Error())
			return
		}
		code = req.Code
	} else {
		code = r.FormValue("code")
	}
	code = strings.TrimSpace(code)
	if code == "" {
		writeError(w, http.StatusBadRequest, "no voucher code")
		return
	}
	e, err := s.cfg.Ledger.Redeem(r.Context(), code, principal(r).User.Name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"voucher": e.Voucher, "amount": s.money(e.Amount),
		"balance": s.money(e.Balance), "available": s.money(e.Available()), "currency": string(s.cfg.Ledger.Currency())})
}

type priceJSON struct {
	Number     string  `json:"number"` // international format
	E164       string  `json:"e164"`
	Type       string  `json:"type"`
	Country    string  `json:"country"`
	Tariff     string  `json:"tariff"`
	Prefix     string  `json:"prefix"`
	Currency   string  `json:"currency"`
	PerMinute  string  `json:"per_minute"`
	ConnectFee string  `json:"connect_fee,omitempty"`
	Minimum    string  `json:"minimum,omitempty"`
	Pages      int     `json:"pages"`
	Seconds    float64 `json:"seconds"`
	Estimate   string  `json:"estimate"`
}

// price implements GET /api/price?number=N[&pages=P].
func (s *Server) price(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if strings.TrimSpace(q.Get("number")) == "" {
		writeError(w, http.StatusBadRequest, "no number: /api/price?number=...")
		return
	}
	n, err := s.cfg.Numbers.Parse(q.Get("number"))
	if u, ok := uncheckedNumber(err); ok && formBool(q.Get("unchecked")) {
		n, err = u, nil // priced as written: the user sends to it anyway
	}
	if err != nil {
		msg := errorJSON{Error: fmt.Sprintf("%q: %s", q.Get("number"), numberReason(err))}
		u, _ := uncheckedNumber(err)
		writeJSON(w, http.StatusBadRequest, struct {
			errorJSON
			Unchecked string `json:"unchecked,omitempty"` // ?unchecked=1 prices it as written
		}{msg, u.E164})
		return
	}
	pages := 1
	if v := q.Get("pages"); v != "" {
		if pages, err = strconv.Atoi(v); err != nil || pages < 1 || pages > 1000 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("pages=%q: want 1 to 1000", v))
			return
		}
	}
	est, err := s.cfg.Ledger.Price(r.Context(), n.E164, pages)
	if err != nil {
		if errors.Is(err, billing.ErrNoRate) {
			writeError(w, http.StatusUnprocessableEntity, n.International()+": no tariff for this destination")
			return
		}
		s.fail(w, r, err)
		return
	}
	v := priceJSON{Number: n.International(), E164: n.E164, Type: fmt.Sprint(n.Type), Country: n.Region,
		Tariff: est.Rate.Name, Prefix: est.Rate.Prefix, Currency: string(s.cfg.Ledger.Currency()),
		PerMinute: s.money(est.Rate.PerMinute), Pages: pages,
		Seconds: est.Duration.Round(time.Second).Seconds(), Estimate: s.money(est.Cost)}
	if est.Rate.ConnectFee > 0 {
		v.ConnectFee = s.money(est.Rate.ConnectFee)
	}
	if est.Rate.Minimum > 0 {
		v.Minimum = s.money(est.Rate.Minimum)
	}
	writeJSON(w, http.StatusOK, v)
}
