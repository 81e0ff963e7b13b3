package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
)

// What users do with a received fax (the inbox is inbox.go):
//
//	GET    /api/inbox/unread          {"unread": n}: the faxes the principal has not read
//	POST   /api/inbox/{id}/read       {"read": true|false} for the principal
//	POST   /api/inbox/{id}/assign     {"user": id}: route it to a user (0: all staff)
//	POST   /api/inbox/{id}/forward    {"to": "name@example.com"}: mail it as a PDF
//	DELETE /api/inbox/{id}            administrators: delete it with its files, as retention does
//	GET    /api/people                the users a fax can be assigned to

// Person is a user as colleagues see them: for assigning a fax.
type Person struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`                   // the login name
	DisplayName string `json:"display_name,omitempty"` // the name people know them by
}

// ErrNoMail is wrapped by Config.ForwardFax's error when no mail relay
// is configured.
var ErrNoMail = errors.New("forwarding by e-mail needs a mail relay: an administrator sets smtp.host (Administration, System)")

// readBody decodes a small JSON body into v; false when it answered 400.
func readBody(w http.ResponseWriter, r *http.Request, v any, want string) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "want "+want+": "+err.Error())
		return false
	}
	return true
}

// inboxUser is the routing an inbox listing of p filters by: 0 (every
// fax) for administrators.
func inboxUser(p Principal) int64 {
	if p.Admin {
		return 0
	}
	return p.User.ID
}

// unreadCount implements GET /api/inbox/unread.
func (s *Server) unreadCount(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	n, err := s.cfg.Store.Unread(r.Context(), p.User.ID, inboxUser(p))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"unread": n})
}

// markRead implements POST /api/inbox/{id}/read.
func (s *Server) markRead(w http.ResponseWriter, r *http.Request) {
	rx, ok := s.ownReceived(w, r)
	if !ok {
		return
	}
	var body struct {
		Read *bool `json:"read"`
	}
	if !readBody(w, r, &body, `{"read": true or false}`) {
		return
	}
	read := body.Read == nil || *body.Read
	if err := s.cfg.Store.SetRead(r.Context(), rx.ID, principal(r).User.ID, read); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"read": read})
}

// assignReceived implements POST /api/inbox/{id}/assign.
func (s *Server) assignReceived(w http.ResponseWriter, r *http.Request) {
	rx, ok := s.ownReceived(w, r)
	if !ok {
		return
	}
	var body struct {
		User int64 `json:"user"`
	}
	if !readBody(w, r, &body, `{"user": id, 0 for all staff}`) {
		return
	}
	if err := s.cfg.Store.AssignReceived(r.Context(), rx.ID, body.User, principal(r).User.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("api: received fax assigned", "received", rx.ID, "user", body.User, "by", principal(r).User.Name)
	if rx, err := s.cfg.Store.GetReceived(r.Context(), rx.ID); err == nil {
		writeJSON(w, http.StatusOK, s.receivedView(r.Context(), rx))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// forwardReceived implements POST /api/inbox/{id}/forward.
func (s *Server) forwardReceived(w http.ResponseWriter, r *http.Request) {
	rx, ok := s.ownReceived(w, r)
	if !ok {
		return
	}
	var body struct {
		To string `json:"to"`
	}
	if !readBody(w, r, &body, `{"to": "name@example.com"}`) {
		return
	}
	to := strings.TrimSpace(body.To)
	if a, err := mail.ParseAddress(to); err != nil || a.Address != to {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%q is not an e-mail address (name@example.com)", body.To))
		return
	}
	if s.cfg.ForwardFax == nil {
		writeError(w, http.StatusServiceUnavailable, ErrNoMail.Error())
		return
	}
	if rx.Receiving {
		writeError(w, http.StatusConflict, "the fax is still coming in: forward it once the call ended")
		return
	}
	var pdf bytes.Buffer
	if err := s.cfg.Store.ReceivedPDF(r.Context(), &pdf, rx); err != nil {
		s.fail(w, r, err)
		return
	}
	err := s.cfg.ForwardFax(r.Context(), rx, pdf.Bytes(), to)
	if errors.Is(err, ErrNoMail) {
		writeError(w, http.StatusServiceUnavailable, ErrNoMail.Error())
		return
	}
	if err != nil {
		s.log.Warn("api: forward of a received fax", "received", rx.ID, "to", to, "err", err)
		writeError(w, http.StatusBadGateway, "the mail relay did not take the fax: "+err.Error())
		return
	}
	s.log.Info("api: received fax forwarded", "received", rx.ID, "to", to, "by", principal(r).User.Name)
	writeJSON(w, http.StatusOK, map[string]string{"forwarded": to})
}

// deleteReceived implements DELETE /api/inbox/{id}, for administrators:
// the fax and its files go as retention deletes them (store.DeleteReceived).
func (s *Server) deleteReceived(w http.ResponseWriter, r *http.Request) {
	if !principal(r).Admin {
		writeError(w, http.StatusForbidden, "only administrators delete received faxes")
		return
	}
	rx, ok := s.ownReceived(w, r)
	if !ok {
		return
	}
	res, err := s.cfg.Store.DeleteReceived(r.Context(), rx.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.audit(r.Context(), "received.delete", fmt.Sprintf("received fax %d from %q (%d pages, %d files)",
		rx.ID, strings.TrimSpace(rx.CallerIdent+" "+rx.CallerID), rx.Pages, res.Files))
	w.WriteHeader(http.StatusNoContent)
}

// audit records an administrator's action, if there is an audit log.
func (s *Server) audit(ctx context.Context, action, detail string) {
	if s.cfg.Audit == nil {
		return
	}
	p, _ := PrincipalFrom(ctx)
	if err := s.cfg.Audit(ctx, p.User.Name, action, detail); err != nil {
		s.log.Warn("api: audit", "action", action, "err", err)
	}
}

// listPeople implements GET /api/people.
func (s *Server) listPeople(w http.ResponseWriter, r *http.Request) {
	if s.cfg.People == nil {
		writeError(w, http.StatusServiceUnavailable, "no user accounts")
		return
	}
	ps, err := s.cfg.People(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if ps == nil {
		ps = []Person{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"people": ps})
}
