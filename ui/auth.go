package ui

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"time"

	"faxbox/firmware/setupcode"
	"faxbox/firmware/users"
)

// userJSON is how the endpoints show an account (U in the package doc).
type userJSON struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Display    string    `json:"display_name"`
	Email      string    `json:"email"`
	Admin      bool      `json:"admin"`
	Disabled   bool      `json:"disabled"`
	MustChange bool      `json:"must_change_password"`
	Created    time.Time `json:"created"`
}

func toJSON(u users.User) userJSON {
	return userJSON{ID: u.ID, Name: u.Name, Display: u.DisplayName, Email: u.Email, Admin: u.Admin, Disabled: u.Disabled,
		MustChange: u.MustChange, Created: u.Created}
}

// signedIn is the answer of setup, login and me.
type signedIn struct {
	User userJSON `json:"user"`
	CSRF string   `json:"csrf"`
}

// credentials is the body of setup and login; setup also takes the
// setup code.
type credentials struct {
	Name        string `json:"name"`
	Email       string `json:"email"`
	Password    string `json:"password"`
	SetupCode   string `json:"setup_code"`
	DisplayName string `json:"display_name"` // setup and user creation only
}

// state answers GET /auth/state.
func (s *Server) state(w http.ResponseWriter, r *http.Request) {
	need, err := s.cfg.Users.SetupNeeded(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"setup_needed": need})
}

// setup answers POST /auth/setup: the first administrator, signed in,
// if the setup code is right. The code is used up once the administrator
// exists.
func (s *Server) setup(w http.ResponseWriter, r *http.Request) {
	var c credentials
	if !s.readJSON(w, r, &c) {
		return
	}
	if need, err := s.cfg.Users.SetupNeeded(r.Context()); err != nil || !need {
		s.fail(w, r, cmp.Or(err, users.ErrSetupDone))
		return
	}
	if !s.checkSetupCode(w, r, c.SetupCode) {
		return
	}
	u, err := s.cfg.Users.Setup(r.Context(), users.NewUser{Name: c.Name, Email: c.Email, Password: c.Password, DisplayName: c.DisplayName})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.setupCode.Use(); err != nil {
		s.log.Error("ui: remove the used setup code", "err", err)
	}
	s.log.Info("ui: first administrator created with the setup code", "user", u.Name, "client", clientIP(r))
	sess, err := s.cfg.Users.StartSession(r.Context(), u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, s.cfg.Users.Cookie(sess))
	writeJSON(w, http.StatusCreated, signedIn{User: toJSON(sess.User), CSRF: sess.CSRF})
}

// checkSetupCode answers 403 or 429 itself unless code is the setup code.
func (s *Server) checkSetupCode(w http.ResponseWriter, r *http.Request, code string) bool {
	err := s.setupCode.Check(code)
	var te *setupcode.ThrottleError
	switch {
	case err == nil:
		return true
	case errors.As(err, &te):
		secs := int(te.RetryAfter.Seconds() + 0.999)
		w.Header().Set("Retry-After", fmt.Sprint(secs))
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": "too many wrong setup codes: try again later", "retry_after": secs})
	case errors.Is(err, setupcode.ErrWrong) && code == "":
		writeError(w, http.StatusForbidden, "the setup code is required: "+setupCodeWhere)
	case errors.Is(err, setupcode.ErrWrong):
		s.log.Warn("ui: wrong setup code", "client", clientIP(r))
		writeError(w, http.StatusForbidden, "wrong setup code: "+setupCodeWhere)
	default:
		writeError(w, http.StatusForbidden, "no setup code is open: restart faxd to make one")
	}
	return false
}

// setupCodeWhere tells the installer where to find the setup code.
const setupCodeWhere = "faxd prints it when it starts; it is also in the file " + setupcode.File +
	" of the data directory and in the installer console's status"

// login answers POST /auth/login.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var c credentials
	if !s.readJSON(w, r, &c) {
		return
	}
	sess, err := s.cfg.Users.Login(r.Context(), c.Name, c.Password, clientIP(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The browser's previous session, if any, ends: it gets a new one.
	if old, err := r.Cookie(users.CookieName); err == nil {
		if err := s.cfg.Users.Logout(r.Context(), old.Value); err != nil {
			s.log.Warn("ui: end the previous session", "err", err)
		}
	}
	http.SetCookie(w, s.cfg.Users.Cookie(sess))
	writeJSON(w, http.StatusOK, signedIn{User: toJSON(sess.User), CSRF: sess.CSRF})
}

// logout answers POST /auth/logout: the session ends and the browser
// forgets the cookie.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	sess, err := s.cfg.Users.SessionFromRequest(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.cfg.Users.Logout(r.Context(), sess.Token); err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, users.ClearCookie())
	w.WriteHeader(http.StatusNoContent)
}

// me answers GET /auth/me.
func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	sess, err := s.cfg.Users.SessionFromRequest(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, signedIn{User: toJSON(sess.User), CSRF: sess.CSRF})
}

// changePassword answers POST /api/me/password {"old","new"}: a session
// keeps itself and ends the user's others.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	p, err := s.cfg.Auth.Authenticate(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var body struct {
		Old string `json:"old"`
		New string `json:"new"`
	}
	if !s.readJSON(w, r, &body) {
		return
	}
	var keep string
	if c, err := r.Cookie(users.CookieName); err == nil && r.Header.Get("Authorization") == "" {
		keep = c.Value
	}
	err = s.cfg.Users.ChangePassword(r.Context(), p.User.ID, body.Old, body.New, keep, clientIP(r))
	if errors.Is(err, users.ErrBadCredentials) {
		writeError(w, http.StatusForbidden, "the old password is wrong")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
