package ui_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"faxbox/firmware/api"
	"faxbox/firmware/store"
	"faxbox/firmware/users"
	"faxbox/ui"
)

func TestSessionAuth(t *testing.T) {
	ctx := context.Background()
	_, us := openAccounts(t, t.TempDir(), nil)
	admin, err := us.Setup(ctx, users.NewUser{Name: "admin", Password: "admin password"})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := us.Login(ctx, "admin", "admin password", "::1")
	if err != nil {
		t.Fatal(err)
	}
	tokenUser := api.Principal{User: store.User{ID: 77, Name: "api"}, Admin: true}
	auth := &ui.SessionAuth{Users: us, Token: &api.TokenAuth{Token: "0123456789abcdef0123", Principal: tokenUser}}
	req := func(method string, cookie, csrf, bearer string) *http.Request {
		r := httptest.NewRequest(method, "https://faxbox/api/messages", nil)
		if cookie != "" {
			r.AddCookie(&http.Cookie{Name: users.CookieName, Value: cookie})
		}
		if csrf != "" {
			r.Header.Set(users.CSRFHeader, csrf)
		}
		if bearer != "" {
			r.Header.Set("Authorization", "Bearer "+bearer)
		}
		return r
	}
	for _, tc := range []struct {
		name      string
		r         *http.Request
		wantID    int64
		wantError error
	}{
		{"no credentials", req("GET", "", "", ""), 0, users.ErrNoSession},
		{"unknown cookie", req("GET", strings.Repeat("A", 43), "", ""), 0, users.ErrNoSession},
		{"session GET", req("GET", sess.Token, "", ""), admin.ID, nil},
		{"session POST without CSRF", req("POST", sess.Token, "", ""), 0, users.ErrCSRF},
		{"session POST with another token", req("POST", sess.Token, sess.Token, ""), 0, users.ErrCSRF},
		{"session POST with CSRF", req("POST", sess.Token, sess.CSRF, ""), admin.ID, nil},
		{"session DELETE with CSRF", req("DELETE", sess.Token, sess.CSRF, ""), admin.ID, nil},
		{"bearer POST", req("POST", "", "", "0123456789abcdef0123"), 77, nil},
		{"wrong bearer with a good cookie", req("GET", sess.Token, "", "nope"), 0, api.ErrUnauthenticated},
	} {
		p, err := auth.Authenticate(tc.r)
		if tc.wantError != nil {
			if !errors.Is(err, tc.wantError) || !errors.Is(err, api.ErrUnauthenticated) {
				t.Errorf("%s: %v, want %v wrapping api.ErrUnauthenticated", tc.name, err, tc.wantError)
			}
			continue
		}
		if err != nil || p.User.ID != tc.wantID {
			t.Errorf("%s: %+v, %v; want user %d", tc.name, p, err, tc.wantID)
		}
	}
	noToken := &ui.SessionAuth{Users: us}
	if _, err := noToken.Authenticate(req("GET", "", "", "anything")); !errors.Is(err, api.ErrUnauthenticated) {
		t.Errorf("bearer without a configured token: %v", err)
	}
}
