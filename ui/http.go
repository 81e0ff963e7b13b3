package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"faxbox/firmware/api"
	"faxbox/firmware/users"
)

// setSecurityHeaders sets the headers of every answer. The server adds
// Strict-Transport-Security only with the installer's certificate: with a
// self-signed one it would stop browsers from letting the user accept the
// certificate.
func setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "+
		"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
}

// writeJSON writes v with status code.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// fail answers with the status code that err calls for.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := http.StatusInternalServerError
	var te *users.ThrottleError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &te):
		secs := int(te.RetryAfter.Seconds() + 0.999)
		w.Header().Set("Retry-After", fmt.Sprint(secs))
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": msg(err), "retry_after": secs})
		return
	case errors.As(err, &mbe):
		code, err = http.StatusRequestEntityTooLarge, fmt.Errorf("the request is larger than %d bytes", mbe.Limit)
	case errors.Is(err, users.ErrCSRF), errors.Is(err, users.ErrDisabled):
		code = http.StatusForbidden
	case errors.Is(err, api.ErrUnauthenticated), errors.Is(err, users.ErrNoSession), errors.Is(err, users.ErrBadCredentials):
		code = http.StatusUnauthorized
	case errors.Is(err, users.ErrInvalid):
		code = http.StatusBadRequest
	case errors.Is(err, users.ErrNotFound):
		code = http.StatusNotFound
	case errors.Is(err, users.ErrExists), errors.Is(err, users.ErrSetupDone), errors.Is(err, users.ErrLastAdmin):
		code = http.StatusConflict
	}
	if code >= 500 {
		s.log.Error("ui", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, code, "internal error (see the appliance's log)")
		return
	}
	writeError(w, code, msg(err))
}

// msg is an error's message for users, without the package prefix.
func msg(err error) string { return strings.TrimPrefix(err.Error(), "users: ") }

// readJSON decodes the request body into v, answering 400 or 413 itself.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.fail(w, r, err)
		} else {
			writeError(w, http.StatusBadRequest, "the body is not the JSON object expected: "+err.Error())
		}
		return false
	}
	return true
}

// cleanPath reports whether the request's path is free of tricks: it
// starts with "/", has no ".", ".." or empty segment, no backslash or NUL,
// and no encoded slash or backslash.
func cleanPath(r *http.Request) bool {
	p := r.URL.Path
	if p == "" || p[0] != '/' || strings.ContainsAny(p, "\\\x00") {
		return false
	}
	raw := strings.ToLower(r.URL.RawPath)
	if strings.Contains(raw, "%2f") || strings.Contains(raw, "%5c") {
		return false
	}
	segs := strings.Split(p[1:], "/")
	for i, seg := range segs {
		if seg == "." || seg == ".." || (seg == "" && i < len(segs)-1) {
			return false
		}
	}
	return true
}

// clientIP is the address of the request's connection (a header saying
// otherwise is not believed: Faxbox is not behind a proxy).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
