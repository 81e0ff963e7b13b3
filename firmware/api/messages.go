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
	"strconv"
	"strings"

	"faxbox/firmware/billing"
	"faxbox/firmware/numbers"
	"faxbox/firmware/store"
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
	pages  []store.PageFile
}

// createMessage implements POST /api/messages.
func (s *Server) createMessage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principal(r)
	from := s.from(p)
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the message is larger than %d bytes", mbe.Limit))
			return
		case errors.Is(err, http.ErrNotMultipart):
			if err := r.ParseForm(); err != nil {
				writeError(w, http.StatusBadRequest, "reading the form: "+err.Error())
				return
			}
		default:
			writeError(w, http.StatusBadRequest, "want a multipart/form-data body: "+err.Error())
			return
		}
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}

	// Recipients: every bad number is reported, and then nothing is done.
	var rcpts []*recipient
	var bad []invalidNumber
	seen := map[string]bool{}
	for _, f := range []store.Field{store.To, store.Cc, store.Bcc} {
		field := strings.Join(r.Form[f.String()], ",")
		for _, res := range s.cfg.Numbers.ParseList(field) {
			if res.Err != nil {
				bad = append(bad, invalidNumber{Field: f.String(), Input: res.Input, Reason: numberReason(res.Err)})
				continue
			}
			if seen[res.Number.E164] {
				continue // one fax per number, in the first field that names it
			}
			seen[res.Number.E164] = true
			rcpts = append(rcpts, &recipient{Recipient: store.Recipient{Field: f, Number: res.Number.E164}, number: res.Number})
		}
	}
	if len(bad) > 0 {
		msg := fmt.Sprintf("%d invalid number(s): ", len(bad))
		for i, b := range bad {
			if i > 0 {
				msg += "; "
			}
			msg += fmt.Sprintf("%s %q: %s", b.Field, b.Input, b.Reason)
		}
		writeJSON(w, http.StatusBadRequest, errorJSON{Error: msg, Invalid: bad})
		return
	}
	if len(rcpts) == 0 {
		writeError(w, http.StatusBadRequest, "no recipient: give at least one fax number in to, cc or bcc")
		return
	}

	atts, err := attachments(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	subject, body := r.FormValue("subject"), r.FormValue("body")
	if strings.TrimSpace(body) == "" && strings.TrimSpace(subject) == "" && len(atts) == 0 {
		writeError(w, http.StatusBadRequest, "nothing to send: give a subject, a body or files")
		return
	}

	// Lay out one copy per recipient: each shows only its own recipient,
	// so Bcc recipients appear on no one else's page.
	now := s.cfg.Now()
	for _, rc := range rcpts {
		rc.doc, err = s.cfg.Renderer.Render(ctx, render.Message{From: from,
			To: render.Party{Fax: rc.number.International()}, Subject: subject, Body: body, Time: now}, atts)
		if err != nil {
			s.renderFailed(w, r, err)
			return
		}
	}

	// Price every copy and apply the submission rules (the 10 EUR rule)
	// before any page is drawn.
	var total billing.Amount
	for _, rc := range rcpts {
		est, err := s.cfg.Ledger.Price(ctx, rc.Number, rc.doc.NumPages())
		if err != nil {
			if errors.Is(err, billing.ErrNoRate) {
				writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("%s %s: no tariff for this destination", rc.Field, rc.number.International()))
				return
			}
			s.fail(w, r, err)
			return
		}
		total += est.Cost
	}
	if err := s.cfg.Ledger.CheckSubmit(ctx, p.User.Name, total); err != nil {
		s.fail(w, r, err)
		return
	}

	// Draw and store the pages, one TIFF-F file a page.
	dir, err := s.spoolDir()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(filepath.Join(s.cfg.Store.Dir(), dir))
		}
	}()
	for i, rc := range rcpts {
		if rc.pages, err = s.writePages(ctx, filepath.Join(dir, fmt.Sprintf("r%d", i+1)), rc.doc); err != nil {
			s.renderFailed(w, r, err)
			return
		}
	}
	// The message's own pages are what a job sends until SetJobPages gives
	// it its copy. The store creates the jobs due at once, so a free modem
	// may claim one before that: the shared pages must not name a Bcc
	// recipient to anyone else.
	shared := rcpts[0].pages
	if rcpts[0].Field == store.Bcc && len(rcpts) > 1 {
		doc, err := s.cfg.Renderer.Render(ctx, render.Message{From: from,
			To: render.Party{Name: "undisclosed recipients"}, Subject: subject, Body: body, Time: now}, atts)
		if err == nil {
			shared, err = s.writePages(ctx, filepath.Join(dir, "shared"), doc)
		}
		if err != nil {
			s.renderFailed(w, r, err)
			return
		}
	}
	nm := store.NewMessage{Sender: p.User.ID, Subject: subject, Body: body, Pages: shared, MaxAttempts: s.cfg.MaxAttempts}
	for _, rc := range rcpts {
		nm.Recipients = append(nm.Recipients, rc.Recipient)
	}
	m, err := s.cfg.Store.CreateMessage(ctx, nm)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ok = true // the store refers to the files now
	for _, j := range m.Jobs {
		for _, rc := range rcpts {
			if j.Recipient.Field != rc.Field || j.Recipient.Number != rc.Number || sameFiles(rc.pages, shared) {
				continue
			}
			if err := s.cfg.Store.SetJobPages(ctx, j.ID, rc.pages); err != nil {
				// Claimed already by a modem: it sends the shared copy.
				s.log.Warn("api: job pages", "job", j.ID, "err", err)
			}
		}
	}
	s.log.Info("message submitted", "message", m.ID, "recipients", len(rcpts), "pages", rcpts[0].doc.NumPages(),
		"estimate", s.cfg.Ledger.Currency().Format(total))
	if full, err := s.cfg.Store.GetMessage(ctx, m.ID); err == nil {
		m = full
	}
	w.Header().Set("Location", fmt.Sprintf("/api/messages/%d", m.ID))
	v := messageView(m)
	writeJSON(w, http.StatusCreated, struct {
		messageJSON
		Pages    int    `json:"pages"`
		Estimate string `json:"estimate"`
	}{v, rcpts[0].doc.NumPages(), s.money(total)})
}

func sameFiles(a, b []store.PageFile) bool {
	return len(a) > 0 && len(b) > 0 && &a[0] == &b[0]
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
	if err := os.MkdirAll(filepath.Join(s.cfg.Store.Dir(), rel), 0o755); err != nil {
		return "", err
	}
	return rel, nil
}

// writePages draws doc's pages into dir (relative to the store), one
// TIFF-F file (MH, byte-aligned EOLs) a page.
func (s *Server) writePages(ctx context.Context, dir string, doc *render.Document) ([]store.PageFile, error) {
	if err := os.MkdirAll(filepath.Join(s.cfg.Store.Dir(), dir), 0o755); err != nil {
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
		_, sum, err := store.WriteFile(filepath.Join(s.cfg.Store.Dir(), rel), &buf, 0o644)
		if err != nil {
			return nil, err
		}
		out = append(out, store.PageFile{Index: i, Path: rel, SHA256: sum})
	}
	return out, nil
}

// listMessages implements GET /api/messages.
func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) {
	var o store.ListOptions
	for name, dst := range map[string]*int64{"before": &o.Before} {
		if v := r.URL.Query().Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				writeError(w, http.StatusBadRequest, fmt.Sprintf("%s=%q: want a message id", name, v))
				return
			}
			*dst = n
		}
	}
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit=%q: want 1 to 500", v))
			return
		}
		o.Limit = n
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
