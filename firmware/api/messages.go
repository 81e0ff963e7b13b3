package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"faxbox/firmware/billing"
	"faxbox/firmware/numbers"
	"faxbox/firmware/store"
	"faxbox/internal/datadir"
	"faxbox/pages/render"
	"faxbox/pages/render/sandbox"
)

// invalidNumber is one number of a submitted message that was refused.
type invalidNumber struct {
	Field  string `json:"field"`  // "to", "cc" or "bcc"
	Input  string `json:"input"`  // as typed
	Reason string `json:"reason"` // what is wrong and how to write it
}

// recipient is a parsed recipient of a submission.
type recipient struct {
	store.Recipient
	number numbers.Number
	count  int // pages of its copy
}

// createMessage implements POST /api/messages.
func (s *Server) createMessage(w http.ResponseWriter, r *http.Request) {
	defer removeForm(r)
	d, ok := s.readDraft(w, r)
	if !ok {
		return
	}
	res, err := s.submit(r.Context(), principal(r), d)
	if err != nil {
		var re *renderError
		if errors.As(err, &re) {
			s.renderFailed(w, r, re.err)
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
		Pages    int    `json:"pages"`
		Estimate string `json:"estimate"`
	}{messageView(m), res.Pages, s.money(res.Estimate)})
}

// Submission is a message to queue as another way in than the compose
// form gives it: fax by e-mail.
type Submission struct {
	Sender        Principal
	To, Cc, Bcc   []numbers.Number
	Subject, Body string
	Attachments   []render.Attachment
}

// Submitted is a queued message.
type Submitted struct {
	Message  store.Message
	Pages    int            // of one copy
	Estimate billing.Amount // for every copy
}

// Submit queues a message exactly as POST /api/messages does: one
// rendered copy per recipient (a number named twice gets one), priced,
// checked against the credit rules, stored with one job per recipient.
// Errors wrap render's, billing's and the store's.
func (s *Server) Submit(ctx context.Context, sub Submission) (Submitted, error) {
	d := &draft{atts: sub.Attachments, subject: sub.Subject, body: sub.Body}
	seen := map[string]bool{}
	for _, f := range []struct {
		field store.Field
		nums  []numbers.Number
	}{{store.To, sub.To}, {store.Cc, sub.Cc}, {store.Bcc, sub.Bcc}} {
		for _, n := range f.nums {
			if !seen[n.E164] {
				seen[n.E164] = true
				d.rcpts = append(d.rcpts, &recipient{Recipient: store.Recipient{Field: f.field, Number: n.E164}, number: n})
			}
		}
	}
	if len(d.rcpts) == 0 {
		return Submitted{}, fmt.Errorf("%w: no recipient", store.ErrInvalid)
	}
	res, err := s.submit(ctx, sub.Sender, d)
	var re *renderError
	if errors.As(err, &re) {
		err = re.err
	}
	return res, err
}

// renderError marks a submission's error as the renderer's.
type renderError struct{ err error }

func (e *renderError) Error() string { return e.err.Error() }
func (e *renderError) Unwrap() error { return e.err }

// submit renders, prices, checks, draws and stores a message d from p.
func (s *Server) submit(ctx context.Context, p Principal, d *draft) (Submitted, error) {
	from := s.from(p)
	rcpts := d.rcpts
	// One copy per recipient: each shows only its own recipient, so Bcc
	// recipients appear on no one else's page. The message's own pages
	// are for the archive and the sender's view: the first recipient's
	// copy, unless that would show a Bcc recipient to the others.
	now := s.cfg.Now()
	job := sandbox.Job{User: p.User.Name, Attachments: d.atts, Output: sandbox.FaxPages}
	for _, rc := range rcpts {
		job.Copies = append(job.Copies, render.Message{From: from,
			To: render.Party{Fax: rc.number.International()}, Subject: d.subject, Body: d.body, Time: now})
	}
	sharedCopy := rcpts[0].Field == store.Bcc && len(rcpts) > 1
	if sharedCopy {
		job.Copies = append(job.Copies, render.Message{From: from,
			To: render.Party{Name: "undisclosed recipients"}, Subject: d.subject, Body: d.body, Time: now})
	}
	dir, err := s.spoolDir()
	if err != nil {
		return Submitted{}, err
	}
	stored := false
	defer func() {
		if !stored {
			os.RemoveAll(filepath.Join(s.cfg.Store.Dir(), dir))
		}
	}()
	sink := &spoolSink{s: s, ctx: ctx, user: p.User.Name, rcpts: rcpts, dir: dir, files: make([][]store.PageFile, len(job.Copies))}
	if err := s.cfg.Renderer.Render(ctx, job, sink); err != nil {
		if sink.err != nil && errors.Is(err, sink.err) {
			return Submitted{}, err
		}
		return Submitted{}, &renderError{err}
	}
	for i, rc := range rcpts {
		rc.Pages = sink.files[i]
	}
	shared := rcpts[0].Pages
	if sharedCopy {
		shared = sink.files[len(rcpts)]
	}
	nm := store.NewMessage{Sender: p.User.ID, Subject: d.subject, Body: d.body, Pages: shared, MaxAttempts: s.cfg.MaxAttempts}
	for _, rc := range rcpts {
		nm.Recipients = append(nm.Recipients, rc.Recipient)
	}
	m, err := s.cfg.Store.CreateMessage(ctx, nm)
	if err != nil {
		return Submitted{}, err
	}
	stored = true // the store refers to the files now
	s.log.Info("message submitted", "message", m.ID, "recipients", len(rcpts), "pages", rcpts[0].count,
		"estimate", s.cfg.Ledger.Currency().Format(sink.total))
	return Submitted{Message: m, Pages: rcpts[0].count, Estimate: sink.total}, nil
}

// spoolSink prices a submission's copies once their pages are counted,
// applies the submission rules (the 10 EUR rule) before any page is
// drawn, then stores the pages as they come, one TIFF-F file a page.
type spoolSink struct {
	s     *Server
	ctx   context.Context
	user  string
	rcpts []*recipient
	dir   string // relative to the store
	files [][]store.PageFile
	total billing.Amount
	err   error // the sink's own, not the renderer's
}

func (k *spoolSink) Planned(p sandbox.Plan) error {
	for i, rc := range k.rcpts {
		rc.count = p.Pages[i]
	}
	k.total, k.err = k.s.priceCopies(k.ctx, k.rcpts, func(rc *recipient) int { return rc.count })
	if k.err == nil {
		k.err = k.s.cfg.Ledger.CheckSubmit(k.ctx, k.user, k.total)
	}
	return k.err
}

func (k *spoolSink) Page(c, n int, data []byte) error {
	sub := "shared"
	if c < len(k.rcpts) {
		sub = fmt.Sprintf("r%d", c+1)
	}
	rel := filepath.Join(k.dir, sub, fmt.Sprintf("page-%03d.tif", n))
	if k.err = os.MkdirAll(filepath.Dir(filepath.Join(k.s.cfg.Store.Dir(), rel)), datadir.DirMode); k.err != nil {
		return k.err
	}
	_, sum, err := store.WriteFile(filepath.Join(k.s.cfg.Store.Dir(), rel), bytes.NewReader(data), datadir.FileMode)
	if k.err = err; err != nil {
		return err
	}
	k.files[c] = append(k.files[c], store.PageFile{Index: n, Path: rel, SHA256: sum})
	return nil
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

// spoolDir makes a new directory for a message's pages and returns it
// relative to the store's directory.
func (s *Server) spoolDir() (string, error) {
	rel := filepath.Join("messages", s.cfg.Now().UTC().Format("20060102-150405")+"-"+rand.Text()[:8])
	if err := os.MkdirAll(filepath.Join(s.cfg.Store.Dir(), rel), datadir.DirMode); err != nil {
		return "", err
	}
	return rel, nil
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
	writeJSON(w, http.StatusOK, messageView(m))
}
