package ui

import (
	"net/http"
	"strconv"
	"time"

	"faxbox/firmware/api"
	"faxbox/firmware/users"
)

// adminHandler is an administration endpoint, given its principal.
type adminHandler func(w http.ResponseWriter, r *http.Request, p api.Principal)

// admin authenticates the request and lets administrators only through
// to h: 401 without credentials, 403 for staff.
func (s *Server) admin(h adminHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := s.cfg.Auth.Authenticate(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if !p.Admin {
			writeError(w, http.StatusForbidden, "administrators only")
			return
		}
		h(w, r, p)
	}
}

// pathID reads the {id} of the path, answering 400 itself.
func pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusBadRequest, strconv.Quote(r.PathValue("id"))+" is not an id")
		return 0, false
	}
	return id, true
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, _ api.Principal) {
	list, err := s.cfg.Users.List(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]userJSON, len(list))
	for i, u := range list {
		out[i] = toJSON(u)
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": out})
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, p api.Principal) {
	var body struct {
		credentials
		Admin bool `json:"admin"`
	}
	if !s.readJSON(w, r, &body) {
		return
	}
	u, err := s.cfg.Users.Create(r.Context(), p.User.Name,
		users.NewUser{Name: body.Name, Email: body.Email, Password: body.Password, Admin: body.Admin, DisplayName: body.DisplayName})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"user": toJSON(u)})
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, _ api.Principal) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	u, err := s.cfg.Users.Get(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": toJSON(u)})
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, p api.Principal) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	var c struct {
		DisplayName *string `json:"display_name"` // checked as the user's own (PATCH /api/me)
		Email       *string `json:"email"`
		Admin       *bool   `json:"admin"`
		Disabled    *bool   `json:"disabled"`
	}
	if !s.readJSON(w, r, &c) {
		return
	}
	u, err := s.cfg.Users.Update(r.Context(), p.User.Name, id,
		users.Change{DisplayName: c.DisplayName, Email: c.Email, Admin: c.Admin, Disabled: c.Disabled})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": toJSON(u)})
}

func (s *Server) setPassword(w http.ResponseWriter, r *http.Request, p api.Principal) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	var body struct {
		Password string `json:"password"`
	}
	if !s.readJSON(w, r, &body) {
		return
	}
	if err := s.cfg.Users.SetPassword(r.Context(), p.User.Name, id, body.Password); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// auditJSON is one entry of GET /api/audit.
type auditJSON struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Detail string    `json:"detail"`
}

func (s *Server) audit(w http.ResponseWriter, r *http.Request, _ api.Principal) {
	var before int64
	var limit int
	q := r.URL.Query()
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "before: "+strconv.Quote(v)+" is not an id")
			return
		}
		before = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "limit: "+strconv.Quote(v)+" is not a positive number")
			return
		}
		limit = n
	}
	es, err := s.cfg.Users.Audit(r.Context(), before, limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]auditJSON, len(es))
	for i, e := range es {
		out[i] = auditJSON{ID: e.ID, At: e.At, Actor: e.Actor, Action: e.Action, Detail: e.Detail}
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": out})
}
