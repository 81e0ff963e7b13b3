package api

import (
	"context"
	"strings"
	"time"

	"faxbox/firmware/daemon"
	"faxbox/firmware/store"
)

// Why a queued job waits: its next attempt is later (a busy number, a
// retry's back-off), or it is due and every line is in a call (and which
// calls), or no line is in service.

// waitJSON says why a queued or retry job has not been dialled yet.
type waitJSON struct {
	// Reason is "scheduled" (Until), "lines_busy" (Lines), "no_lines"
	// (none configured or in service: Lines says how they are) or
	// "starting" (due, and a line is free: it is being dialled).
	Reason string     `json:"reason"`
	Until  *time.Time `json:"until,omitempty"`
	Lines  []lineJSON `json:"lines,omitempty"`
	Text   string     `json:"text"` // in plain words, for scripts
}

// lineJSON is what a line is doing while a job waits for it.
type lineJSON struct {
	Name      string     `json:"name"`
	State     string     `json:"state"`               // daemon.ModemState in words
	Job       int64      `json:"job,omitempty"`       // the job in the call, if the principal may see it
	Message   int64      `json:"message,omitempty"`   // its message
	Recipient *whoJSON   `json:"recipient,omitempty"` // whom it is calling, if the principal may see it
	Since     *time.Time `json:"since,omitempty"`
}

// explainWaits fills in the Waiting of v's queued and retry jobs.
func (s *Server) explainWaits(ctx context.Context, p Principal, v *messageJSON) {
	var lines []lineJSON // looked up once, for the first job that is due
	for i := range v.Jobs {
		j := &v.Jobs[i]
		if j.State != store.Queued && j.State != store.Retry {
			continue
		}
		if j.NextAttempt != nil && j.NextAttempt.After(s.cfg.Now().Add(time.Second)) {
			j.Waiting = &waitJSON{Reason: "scheduled", Until: j.NextAttempt,
				Text: "next attempt at " + j.NextAttempt.In(s.location()).Format("15:04")}
			continue
		}
		if lines == nil {
			lines = s.lines(ctx, p)
		}
		j.Waiting = waitFor(lines)
	}
}

// waitFor says why a due job waits for lines.
func waitFor(lines []lineJSON) *waitJSON {
	w := &waitJSON{Lines: lines}
	var busy []string
	for _, l := range lines {
		switch l.State {
		case daemon.ModemIdle.String():
			return &waitJSON{Reason: "starting", Text: "a line is free: the call starts"}
		case daemon.ModemCalling.String(), daemon.ModemReceiving.String(), daemon.ModemRinging.String():
			what := l.Name + " is " + l.State
			if l.Recipient != nil {
				what += " " + strings.TrimSpace(l.Recipient.Label+" "+l.Recipient.Display)
			}
			busy = append(busy, what)
		}
	}
	if len(busy) == 0 {
		w.Reason, w.Text = "no_lines", "no fax line is in service"
		return w
	}
	w.Reason, w.Text = "lines_busy", "all lines are busy: "+strings.Join(busy, "; ")
	return w
}

// lines returns what each line does, naming the calls p may see.
func (s *Server) lines(ctx context.Context, p Principal) []lineJSON {
	out := []lineJSON{}
	if s.cfg.Modems == nil {
		return out
	}
	for _, m := range s.cfg.Modems() {
		l := lineJSON{Name: m.Name, State: m.State.String(), Since: ts(m.Since)}
		if m.State == daemon.ModemCalling && m.Job != 0 && s.ownJob(ctx, p, m.Job) == nil {
			if j, err := s.cfg.Store.GetJob(ctx, m.Job); err == nil {
				w := s.who(ctx, j.Recipient.Number)
				if w.Label == "" && j.Recipient.Name != "" {
					w.Label = j.Recipient.Name
				}
				l.Job, l.Message, l.Recipient = j.ID, j.Message, &w
			}
		}
		out = append(out, l)
	}
	return out
}

// location is the time zone of times in words.
func (s *Server) location() *time.Location {
	if s.cfg.Location != nil {
		return s.cfg.Location
	}
	return time.UTC
}
