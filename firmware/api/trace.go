package api

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"

	"faxbox/firmware/store"
)

// attemptTrace implements GET /api/attempts/{id}/trace: the call's trace
// (the T.30 frames and events and the modem's wire log) as text, for the
// sender of the attempt's job or an administrator.
func (s *Server) attemptTrace(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	a, err := s.cfg.Store.GetAttempt(ctx, id)
	if err == nil {
		if err = s.ownJob(ctx, principal(r), a.Job); errors.Is(err, store.ErrNotFound) {
			err = fmt.Errorf("%w: attempt %d", store.ErrNotFound, id)
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if a.TracePath == "" {
		writeError(w, http.StatusNotFound, fmt.Sprintf("attempt %d kept no trace (the number was not dialled)", id))
		return
	}
	name := a.TracePath
	if !filepath.IsAbs(name) {
		name = filepath.Join(s.cfg.Store.Dir(), name)
	}
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("the trace of attempt %d has been deleted", id))
		return
	}
	if err != nil {
		s.fail(w, r, fmt.Errorf("api: trace of attempt %d: %w", id, err))
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if _, err := io.Copy(w, f); err != nil {
		s.log.Warn("api: sending a trace", "attempt", id, "err", err)
	}
}
