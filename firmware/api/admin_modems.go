package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"faxbox/firmware/store"
)

// GET /api/modems/{name}/trace?lines=N (administrators): the newest call
// on the modem that kept a trace, {"modem", "attempt", "job", "started",
// "trace", "lines"}: "trace" is the path of the whole trace
// (GET /api/attempts/{id}/trace), "lines" its last N lines (default 20,
// at most 500; left out when Config.WireLog is nil). 404 when the modem
// has made no traced call. A SIP account's line is named "sip0/1": its
// name may come escaped in one segment or as two.

// Bounds of ?lines=.
const (
	defaultTraceLines = 20
	maxTraceLines     = 500
)

// lastTraceJSON is GET /api/modems/{name}/trace's answer.
type lastTraceJSON struct {
	Modem   string    `json:"modem"`
	Attempt int64     `json:"attempt"`
	Job     int64     `json:"job"`
	Started time.Time `json:"started"`
	Trace   string    `json:"trace"`
	Lines   []string  `json:"lines,omitempty"`
}

// modemTrace implements GET /api/modems/{name}/trace.
func (s *Server) modemTrace(w http.ResponseWriter, r *http.Request) {
	if _, ok := admin(w, r, "the modems' call traces"); !ok {
		return
	}
	name := lineName(r)
	n := defaultTraceLines
	if v := r.URL.Query().Get("lines"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 || n > maxTraceLines {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("lines=%q: want 1 to %d", v, maxTraceLines))
			return
		}
	}
	a, err := s.cfg.Store.LastTracedAttempt(r.Context(), name)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("modem %s has made no call with a trace yet", name))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := lastTraceJSON{Modem: name, Attempt: a.ID, Job: a.Job, Started: a.Started.UTC(),
		Trace: fmt.Sprintf("/api/attempts/%d/trace", a.ID)}
	if s.cfg.WireLog != nil {
		// The newest traced call: a call ending meanwhile makes these
		// lines a newer call's than the attempt above, never an older's.
		if v.Lines, err = s.cfg.WireLog(name, n); err != nil {
			s.fail(w, r, fmt.Errorf("api: the wire log of %s: %w", name, err))
			return
		}
	}
	writeJSON(w, http.StatusOK, v)
}

// lineName is the modem or line named in the path: {name} (a modem, or a
// SIP line's name escaped) or {account}/{line} (a SIP line's name as it
// is, "sip0/1").
func lineName(r *http.Request) string {
	if acct := r.PathValue("account"); acct != "" {
		return acct + "/" + r.PathValue("line")
	}
	return r.PathValue("name")
}
