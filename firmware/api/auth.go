package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"faxbox/firmware/store"
	"faxbox/pages/render"
)

// ErrUnauthenticated is what an Authenticator returns (wrapped, with the
// reason) when a request carries no valid credentials: the API answers
// 401.
var ErrUnauthenticated = errors.New("not signed in")

// Principal is the user a request acts for.
type Principal struct {
	User store.User
	// Admin lets the request see and act on every user's messages and
	// jobs; staff see only their own.
	Admin bool
	// Name is how the sender appears on the first page and the header
	// line; empty means User.Name.
	Name string
}

// Authenticator says who made a request, or returns an error wrapping
// ErrUnauthenticated when it carries no valid credentials. Other errors
// are the authenticator's own failures (a database error) and answered
// 500.
type Authenticator interface {
	Authenticate(r *http.Request) (Principal, error)
}

// TokenAuth authenticates requests carrying "Authorization: Bearer Token"
// as Principal: the scripts' way in, one token for one user.
type TokenAuth struct {
	Token     string
	Principal Principal
}

// Authenticate implements Authenticator.
func (a *TokenAuth) Authenticate(r *http.Request) (Principal, error) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || a.Token == "" {
		return Principal{}, fmt.Errorf("%w: missing API token (Authorization: Bearer TOKEN)", ErrUnauthenticated)
	}
	if subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(a.Token)) != 1 {
		return Principal{}, fmt.Errorf("%w: wrong API token", ErrUnauthenticated)
	}
	return a.Principal, nil
}

type principalKey struct{}

// PrincipalFrom returns the principal that ServeHTTP authenticated the
// request's context for.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// principal returns the request's principal; ServeHTTP always sets one.
func principal(r *http.Request) Principal {
	p, _ := PrincipalFrom(r.Context())
	return p
}

// from is the sender as the request's principal appears on its pages.
func (s *Server) from(p Principal) render.Party {
	f := s.cfg.From
	f.Name = p.Name
	if f.Name == "" {
		f.Name = p.User.Name
	}
	return f
}

// ownMessage returns message id if the principal may see it; another
// user's message is ErrNotFound for staff, as if it did not exist.
func (s *Server) ownMessage(ctx context.Context, p Principal, id int64) (store.Message, error) {
	m, err := s.cfg.Store.GetMessage(ctx, id)
	if err != nil {
		return m, err
	}
	if !p.Admin && m.Sender != p.User.ID {
		return store.Message{}, fmt.Errorf("%w: message %d", store.ErrNotFound, id)
	}
	return m, nil
}

// ownJob checks that the principal may act on job id.
func (s *Server) ownJob(ctx context.Context, p Principal, id int64) error {
	j, err := s.cfg.Store.GetJob(ctx, id)
	if err != nil {
		return err
	}
	if p.Admin {
		return nil
	}
	if _, err := s.ownMessage(ctx, p, j.Message); err != nil {
		return fmt.Errorf("%w: job %d", store.ErrNotFound, id)
	}
	return nil
}
