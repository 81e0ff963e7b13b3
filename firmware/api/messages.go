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
	"runtime/debug"
	"strings"

	"faxbox/firmware/billing"
	"faxbox/firmware/numbers"
	"faxbox/firmware/store"
	"faxbox/internal/datadir"
	"faxbox/pages"
	"faxbox/pages/render"
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
	doc    *render.Document
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
	// Lay out one copy per recipient: each shows only its own recipient,
	// so Bcc recipients appear on no one else's page.
	now := s.cfg.Now()
	var err error
	for _, rc := range rcpts {
		rc.doc, err = s.cfg.Renderer.Render(ctx, render.Message{From: from,
			To: render.Party{Fax: rc.number.International()}, Subject: d.subject, Body: d.body, Time: now}, d.atts)
		if err != nil {
			return Submitted{}, &renderError{err}
		}
	}

	// Price every copy and apply the submission rules (the 10 EUR rule)
	// before any page is drawn.
	total, err := s.priceCopies(ctx, rcpts, func(rc *recipient) int { return rc.doc.NumPages() })
	if err != nil {
		return Submitted{}, err
	}
	if err := s.cfg.Ledger.CheckSubmit(ctx, p.User.Name, total); err != nil {
		return Submitted{}, err
	}

	// Draw and store the pages, one TIFF-F file a page.
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
	for i, rc := range rcpts {
		if rc.Pages, err = s.writePages(ctx, filepath.Join(dir, fmt.Sprintf("r%d", i+1)), rc.doc); err != nil {
			return Submitted{}, &renderError{err}
		}
	}
	// Each job gets its recipient's copy in the transaction that creates
	// it. The message's own pages are for the archive and the sender's
	// view: the first recipient's copy, unless that would show a Bcc
	// recipient to the others.
	shared := rcpts[0].Pages
	if rcpts[0].Field == store.Bcc && len(rcpts) > 1 {
		doc, err := s.cfg.Renderer.Render(ctx, render.Message{From: from,
			To: render.Party{Name: "undisclosed recipients"}, Subject: d.subject, Body: d.body, Time: now}, d.atts)
		if err == nil {
			shared, err = s.writePages(ctx, filepath.Join(dir, "shared"), doc)
		}
		if err != nil {
			return Submitted{}, &renderError{err}
		}
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
	// Rendering took several page-sized bitmaps that are garbage now: on
	// a board with little memory, give them back to the system at once
	// rather than keep them through the calls that follow.
	debug.FreeOSMemory()
	s.log.Info("message submitted", "message", m.ID, "recipients", len(rcpts), "pages", rcpts[0].doc.NumPages(),
		"estimate", s.cfg.Ledger.Currency().Format(total))
	return Submitted{Message: m, Pages: rcpts[0].doc.NumPages(), Estimate: total}, nil
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

// attachments reads the uploaded files.
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
		data, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("attachment %q: %v", fh.Filename, err)
		}
		atts = append(atts, render.Attachment{Name: fh.Filename, Data: data, ContentType: fh.Header.Get("Content-Type")})
	}
	return atts, nil
}

// renderFailed answers a message that cannot be rendered.
func (s *Server) renderFailed(w http.ResponseWriter, r *http.Request, err error) {
	code := http.StatusBadRequest
	switch {
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
	if !errors.As(err, &ae) && !errors.Is(err, render.ErrLimit) {
		// Not the user's input: a disk or a bug.
		s.fail(w, r, err)
		return
	}
	writeError(w, code, strings.ReplaceAll(trim(err), "\n", "; "))
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

// writePages draws doc's pages into dir (relative to the store), one
// TIFF-F file (MH, byte-aligned EOLs) a page.
func (s *Server) writePages(ctx context.Context, dir string, doc *render.Document) ([]store.PageFile, error) {
	if err := os.MkdirAll(filepath.Join(s.cfg.Store.Dir(), dir), datadir.DirMode); err != nil {
		return nil, err
	}
	var out []store.PageFile
	i := 0
	for p, err := range doc.Pages(ctx) {
		if err != nil {
			return nil, err
		}
		i++
		var buf bytes.Buffer
		tw, err := pages.NewTIFFWriter(&buf, doc.NumPages())
		if err != nil {
			return nil, err
		}
		if err := tw.WritePage(p, pages.EncoderOptions{Coding: pages.MH, Width: p.Width, AlignEOL: true, RTC: true}); err != nil {
			return nil, err
		}
		if err := tw.Close(); err != nil {
			return nil, err
		}
		rel := filepath.Join(dir, fmt.Sprintf("page-%03d.tif", i))
		_, sum, err := store.WriteFile(filepath.Join(s.cfg.Store.Dir(), rel), &buf, datadir.FileMode)
		if err != nil {
			return nil, err
		}
		out = append(out, store.PageFile{Index: i, Path: rel, SHA256: sum})
	}
	return out, nil
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
