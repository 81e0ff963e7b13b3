package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	"faxbox/firmware/numbers"
	"faxbox/firmware/submission"
	"faxbox/pages/render"
	"faxbox/pages/render/sandbox"
)

// invalidNumber is one number of a submitted message that was refused.
type invalidNumber struct {
	Field  string `json:"field"`  // "to", "cc" or "bcc"
	Input  string `json:"input"`  // as typed
	Reason string `json:"reason"` // what is wrong and how to write it
	// Unchecked, when no such number is known to exist, is the number
	// (E.164) to give in the form's "unchecked" field to send anyway.
	Unchecked string `json:"unchecked,omitempty"`
}

// createMessage implements POST /api/messages.
func (s *Server) createMessage(w http.ResponseWriter, r *http.Request) {
	defer removeForm(r)
	d, ok := s.readDraft(w, r)
	if !ok {
		return
	}
	p := principal(r)
	res, err := s.sub.Submit(r.Context(), submission.Message{Sender: p.User, From: s.from(p), Recipients: d.rcpts,
		Subject: d.subject, Body: d.body, Attachments: d.atts, NoCover: d.noCover, Resolution: d.resolution})
	if err != nil {
		var re *submission.RenderError
		if errors.As(err, &re) {
			s.renderFailed(w, r, re.Err)
			return
		}
		s.fail(w, r, err)
		return
	}
	m := res.Message
	if full, err := s.cfg.Store.GetMessage(r.Context(), m.ID); err == nil {
		m = full
	}
	w.Header().Set("Location", fmt.Sprintf("/api/messages/%d", m.ID))
	writeJSON(w, http.StatusCreated, struct {
		messageJSON
		Pages     int          `json:"pages"`
		Estimate  string       `json:"estimate"`
		Estimates estimateJSON `json:"estimates"` // per recipient and per page
	}{messageView(m), res.Pages, s.money(res.Estimate), s.estimateView(res.Lines)})
}

// numberReason is a NumberError's message without its package prefix.
func numberReason(err error) string {
	var ne *numbers.NumberError
	if errors.As(err, &ne) {
		if ne.Hint != "" {
			return ne.Msg + ": " + ne.Hint
		}
		return ne.Msg
	}
	return trim(err)
}

// attachments returns the uploaded files: by path those the form parser
// keeps in temporary files (removed by removeForm), by content the small
// ones it keeps in memory.
func attachments(r *http.Request) ([]render.Attachment, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var atts []render.Attachment
	for _, fh := range r.MultipartForm.File["files"] {
		f, err := fh.Open()
		if err != nil {
			return nil, fmt.Errorf("attachment %q: %v", fh.Filename, err)
		}
		a := render.Attachment{Name: fh.Filename, ContentType: fh.Header.Get("Content-Type")}
		if osf, ok := f.(*os.File); ok {
			a.Path = osf.Name()
		} else if a.Data, err = io.ReadAll(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("attachment %q: %v", fh.Filename, err)
		}
		f.Close()
		if a.Data == nil && a.Path == "" {
			a.Data = []byte{}
		}
		atts = append(atts, a)
	}
	return atts, nil
}

// renderFailed answers a message that cannot be rendered: each
// attachment refused by its name and the plain reason.
func (s *Server) renderFailed(w http.ResponseWriter, r *http.Request, err error) {
	code := http.StatusBadRequest
	switch {
	case errors.Is(err, sandbox.ErrBusy):
		w.Header().Set("Retry-After", "10")
		writeError(w, http.StatusTooManyRequests, "your other documents are still being rendered: try again in a few seconds")
		return
	case errors.Is(err, render.ErrNoRasteriser):
		code = http.StatusServiceUnavailable
	case errors.Is(err, render.ErrLimit):
		code = http.StatusRequestEntityTooLarge
	case errors.Is(err, render.ErrUnsupported):
		code = http.StatusUnsupportedMediaType
	case errors.Is(err, context.Canceled):
		return
	}
	var ae *render.AttachmentError
	var rf *sandbox.Refusal
	if !errors.As(err, &ae) && !errors.Is(err, render.ErrLimit) && (!errors.As(err, &rf) || rf.Kind == sandbox.Failed) {
		// Not the user's input: a disk or a bug.
		s.fail(w, r, err)
		return
	}
	writeError(w, code, sandbox.Message(err))
}

// listMessages implements GET /api/messages.
func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) {
	o, ok := listOptions(w, r) // inbox.go
	if !ok {
		return
	}
	if p := principal(r); !p.Admin {
		o.Sender = p.User.ID
	}
	ms, err := s.cfg.Store.ListMessages(r.Context(), o)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]messageJSON, 0, len(ms))
	for _, m := range ms {
		out = append(out, messageView(m))
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": out})
}

// getMessage implements GET /api/messages/{id}.
func (s *Server) getMessage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	m, err := s.ownMessage(r.Context(), principal(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := messageView(m)
	s.nameRecipients(r.Context(), &v)
	s.explainWaits(r.Context(), principal(r), &v) // waits.go
	writeJSON(w, http.StatusOK, v)
}
