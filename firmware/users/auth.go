package users

import (
	"net/http"
	"time"
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
// X-CSRF-Token. Errors wrap ErrNoSession or ErrCSRF, or are the
// database's.
func (s *Store) SessionFromRequest(r *http.Request) (Session, error) {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return Session{}, ErrNoSession
	}
	sess, err := s.Session(r.Context(), c.Value)
	if err != nil {
		return Session{}, err
	}
	if !Safe(r.Method) && !sess.CheckCSRF(r.Header.Get(CSRFHeader)) {
		return Session{}, ErrCSRF
	}
	return sess, nil
}
