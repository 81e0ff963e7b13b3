package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"faxbox/firmware/store"
	"faxbox/pages"
	"faxbox/pages/render"
)

// The pages of a stored message: GET /api/messages/{id}/pages/{n}.png
// and GET /api/messages/{id}/archive.pdf. Both show the copy of one
// recipient's job (?job=ID, default the message's first job): the sender
// may see every recipient, Bcc ones included, and staff see only their own
// messages.

// messageCopy returns the pages of the message's copy that the request
// asks for, after checking that the principal may see the message.
func (s *Server) messageCopy(w http.ResponseWriter, r *http.Request) (store.Message, []store.Page, bool) {
	id, ok := pathID(w, r)
	if !ok {
		return store.Message{}, nil, false
	}
	m, err := s.ownMessage(r.Context(), principal(r), id)
	if err != nil {
		s.fail(w, r, err)
		return m, nil, false
	}
	if len(m.Jobs) == 0 {
		writeError(w, http.StatusNotFound, fmt.Sprintf("message %d has no pages", id))
		return m, nil, false
	}
	job := m.Jobs[0].ID
	if v := r.URL.Query().Get("job"); v != "" {
		job = 0
		for _, j := range m.Jobs {
			if strconv.FormatInt(j.ID, 10) == v {
				job = j.ID
			}
		}
		if job == 0 {
			writeError(w, http.StatusNotFound, fmt.Sprintf("job=%q is not a job of message %d", v, id))
			return m, nil, false
		}
	}
	ps, err := s.cfg.Store.Pages(r.Context(), job)
	if err != nil {
		s.fail(w, r, err)
		return m, nil, false
	}
	return m, ps, true
}

// pageNumber reads a path segment "N.png" (1-based, at most n).
func pageNumber(w http.ResponseWriter, seg string, n int) (int, bool) {
	num, ok := strings.CutSuffix(seg, ".png")
	i, err := strconv.Atoi(num)
	if !ok || err != nil || i < 1 {
		writeError(w, http.StatusNotFound, fmt.Sprintf("%q: want a page as N.png", seg))
		return 0, false
	}
	if i > n {
		writeError(w, http.StatusNotFound, fmt.Sprintf("page %d: there are %d", i, n))
		return 0, false
	}
	return i, true
}

// messagePage implements GET /api/messages/{id}/pages/{n}.png: the page
// as the recipient gets it, in its true proportions.
func (s *Server) messagePage(w http.ResponseWriter, r *http.Request) {
	_, ps, ok := s.messageCopy(w, r)
	if !ok {
		return
	}
	n, ok := pageNumber(w, r.PathValue("page"), len(ps))
	if !ok {
		return
	}
	pg, err := s.loadPage(ps[n-1].PageFile)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := render.WriteThumbnailPNG(&buf, pg, pg.Width); err != nil {
		s.fail(w, r, err)
		return
	}
	writePNG(w, buf.Bytes())
}

// writePNG answers with a PNG that may be cached privately (its content
// never changes).
func writePNG(w http.ResponseWriter, png []byte) {
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	w.Header().Set("Content-Length", strconv.Itoa(len(png)))
	w.Write(png)
}

// messageArchive implements GET /api/messages/{id}/archive.pdf: the
// pages as a PDF whose images are their own MMR data.
func (s *Server) messageArchive(w http.ResponseWriter, r *http.Request) {
	m, ps, ok := s.messageCopy(w, r)
	if !ok {
		return
	}
	var buf bytes.Buffer
	pw := pages.NewPDFWriter(&buf, pages.PDFInfo{Title: m.Subject, Author: m.SenderName,
		Subject: fmt.Sprintf("Faxbox message %d", m.ID) + resolutionNote(m, r.URL.Query().Get("job")), Created: m.Created})
	if err := s.addPages(r.Context(), pw, ps); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := pw.Close(); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	setDownload(w, s.messageName(r.Context(), m, r.URL.Query().Get("job"), ".pdf"))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Write(buf.Bytes())
}

func (s *Server) addPages(ctx context.Context, pw *pages.PDFWriter, ps []store.Page) error {
	for _, p := range ps {
		if err := ctx.Err(); err != nil {
			return err
		}
		pg, err := s.loadPage(p.PageFile)
		if err != nil {
			return err
		}
		if err := pw.AddPage(pg); err != nil {
			return fmt.Errorf("api: archive page %d: %w", p.Index, err)
		}
	}
	return nil
}

// loadPage decodes a stored page file.
func (s *Server) loadPage(pf store.PageFile) (*pages.Page, error) { return s.cfg.Store.ReadPage(pf) }

// resolutionNote says what resolution the copy of job (its id, "" for
// the first job) was rendered at, and when a call sent pages at a lower
// one with their rows merged (the receiver lacked it), how many.
func resolutionNote(m store.Message, job string) string {
	if m.Resolution == "" || len(m.Jobs) == 0 {
		return ""
	}
	note := ", " + m.Resolution + " resolution"
	j := m.Jobs[0]
	for _, x := range m.Jobs {
		if strconv.FormatInt(x.ID, 10) == job {
			j = x
		}
	}
	for _, a := range j.History {
		if a.MergedPages > 0 {
			note += fmt.Sprintf("; %d page(s) sent at %s, rows merged (the receiver lacked %s)", a.MergedPages, a.Resolution, m.Resolution)
		}
	}
	return note
}
