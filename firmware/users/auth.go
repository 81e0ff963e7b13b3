package users

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"faxbox/firmware/api"
	"faxbox/firmware/store"
)

// CookieName is the name of the session cookie.
const CookieName = "faxbox_session"

// CSRFHeader is the header that carries the session's CSRF token.
const CSRFHeader = "X-CSRF-Token"

// Cookie returns the session cookie for sess: HttpOnly, Secure,
// SameSite=Strict, Path=/, kept by the browser until the session's
// absolute expiry at the latest.
func (s *Store) Cookie(sess Session) *http.Cookie {
	return &http.Cookie{Name: CookieName, Value: sess.Token, Path: "/", HttpOnly: true, Secure: true,
		SameSite: http.SameSiteStrictMode, MaxAge: int(s.cfg.MaxSessionAge / time.Second)}
}

// ClearCookie returns a cookie that makes the browser forget the session
// cookie.
func ClearCookie() *http.Cookie {
	return &http.Cookie{Name: CookieName, Value: "", Path: "/", HttpOnly: true, Secure: true,
		SameSite: http.SameSiteStrictMode, MaxAge: -1}
}

// Safe reports whether method changes nothing (GET, HEAD, OPTIONS), so
// that it needs no CSRF token.
func Safe(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// SessionFromRequest returns the session of the request's cookie. A
// state-changing request must also carry the session's CSRF token in
// X-CSRF-Token. Errors wrap api.ErrUnauthenticated and ErrNoSession or
// ErrCSRF, or are the database's.
func (s *Store) SessionFromRequest(r *http.Request) (Session, error) {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return Session{}, fmt.Errorf("%w: %w", api.ErrUnauthenticated, ErrNoSession)
	}
	sess, err := s.Session(r.Context(), c.Value)
	if errors.Is(err, ErrNoSession) {
		return Session{}, fmt.Errorf("%w: %w", api.ErrUnauthenticated, err)
	}
	if err != nil {
		return Session{}, err
	}
	if !Safe(r.Method) && !sess.CheckCSRF(r.Header.Get(CSRFHeader)) {
		return Session{}, fmt.Errorf("%w: %w", api.ErrUnauthenticated, ErrCSRF)
	}
	return sess, nil
}

// Principal is the API principal of u.
func Principal(u User) api.Principal {
	return api.Principal{User: store.User{ID: u.ID, Name: u.Name}, Admin: u.Admin}
}

// SessionAuth is the api.Authenticator of the web UI: requests with an
// "Authorization" header are the API token's (Token; nil refuses them),
// others need a session cookie, and a CSRF token if they change state.
type SessionAuth struct {
	Users *Store
	Token *api.TokenAuth
}

// Authenticate implements api.Authenticator.
func (a *SessionAuth) Authenticate(r *http.Request) (api.Principal, error) {
	if r.Header.Get("Authorization") != "" {
		if a.Token == nil {
			return api.Principal{}, fmt.Errorf("%w: API tokens are not enabled (web.api_token_file)", api.ErrUnauthenticated)
		}
		return a.Token.Authenticate(r)
	}
	sess, err := a.Users.SessionFromRequest(r)
	if err != nil {
		return api.Principal{}, err
	}
	return Principal(sess.User), nil
}
