package ui

import (
	"errors"
	"fmt"
	"net/http"

	"faxbox/firmware/api"
	"faxbox/firmware/store"
	"faxbox/firmware/users"
)

// Principal is the API principal of account u: its messages go out in
// its display name.
func Principal(u users.User) api.Principal {
	return api.Principal{User: store.User{ID: u.ID, Name: u.Name}, Admin: u.Admin, Name: u.Shown()}
}

// SessionAuth is the api.Authenticator of the web UI: requests with an
// "Authorization" header are the API token's (Token; nil refuses them),
// others need a session cookie, and a CSRF token if they change state.
type SessionAuth struct {
	Users *users.Store
	Token *api.TokenAuth
}

// Authenticate implements api.Authenticator. A missing or unknown
// session and a wrong CSRF token wrap api.ErrUnauthenticated and
// users.ErrNoSession or users.ErrCSRF.
func (a *SessionAuth) Authenticate(r *http.Request) (api.Principal, error) {
	if r.Header.Get("Authorization") != "" {
		if a.Token == nil {
			return api.Principal{}, fmt.Errorf("%w: API tokens are not enabled (web.api_token_file)", api.ErrUnauthenticated)
		}
		return a.Token.Authenticate(r)
	}
	sess, err := a.Users.SessionFromRequest(r)
	if errors.Is(err, users.ErrNoSession) || errors.Is(err, users.ErrCSRF) {
		return api.Principal{}, fmt.Errorf("%w: %w", api.ErrUnauthenticated, err)
	}
	if err != nil {
		return api.Principal{}, err
	}
	return Principal(sess.User), nil
}
