package ui

import (
	"net/http"

	"faxbox/firmware/users"
)

// updateMe answers PATCH /api/me {"display_name": "..."}: users set the
// name they are known by (cover pages, lists) themselves; the login name
// stays as the administrator made it.
func (s *Server) updateMe(w http.ResponseWriter, r *http.Request) {
	p, err := s.cfg.Auth.Authenticate(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var body struct {
		DisplayName *string `json:"display_name"`
	}
	if !s.readJSON(w, r, &body) {
		return
	}
	u, err := s.cfg.Users.Update(r.Context(), p.User.Name, p.User.ID, users.Change{DisplayName: body.DisplayName})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": toJSON(u)})
}
