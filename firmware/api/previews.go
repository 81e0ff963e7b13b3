package api

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"faxbox/pages/render"
)

// Previews: POST /api/previews renders a message as its first recipient
// would get it and keeps the page images as temporary files for
// Config.PreviewTTL; GET /api/previews/{token}/{n}.png serves them to the
// user who asked, and to no one else.

const maxPreviews = 64 // kept at once; the oldest goes first

// previewCache is the previews kept, by token.
type previewCache struct {
	dir string // under the store's directory; emptied at start

	mu   sync.Mutex
	sets map[string]*previewSet
}

type previewSet struct {
	user    int64
	pages   int
	expires time.Time
}

func newPreviewCache(s *Server) *previewCache {
	if s.cfg.PreviewTTL <= 0 {
		s.cfg.PreviewTTL = 30 * time.Minute
	}
	c := &previewCache{dir: filepath.Join(s.cfg.Store.Dir(), "previews"), sets: map[string]*previewSet{}}
	os.RemoveAll(c.dir) // left by a previous run: their tokens are gone
	return c
}

// sweep removes the expired previews, and the oldest ones beyond keep.
func (c *previewCache) sweep(now time.Time, keep int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.sets) > 0 {
		var oldest string
		for tok, set := range c.sets {
			if oldest == "" || set.expires.Before(c.sets[oldest].expires) {
				oldest = tok
			}
		}
		if len(c.sets) <= keep && now.Before(c.sets[oldest].expires) {
			return
		}
		delete(c.sets, oldest)
		os.RemoveAll(filepath.Join(c.dir, oldest))
	}
}

// lookup returns the preview token of user, if it has not expired.
func (c *previewCache) lookup(token string, user int64, now time.Time) (*previewSet, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	set, ok := c.sets[token]
	if !ok || set.user != user || !now.Before(set.expires) {
		return nil, false
	}
	return set, true
}

// previewJSON is POST /api/previews' answer.
type previewJSON struct {
	Pages    int      `json:"pages"`
	Estimate string   `json:"estimate"` // for all recipients
	Currency string   `json:"currency"`
	Previews []string `json:"previews"` // the URLs of the page images
	Expires  string   `json:"expires"`  // RFC 3339
}

// createPreview implements POST /api/previews.
func (s *Server) createPreview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principal(r)
	defer removeForm(r)
	d, ok := s.readDraft(w, r)
	if !ok {
		return
	}
	rcpts, atts, subject, body := d.rcpts, d.atts, d.subject, d.body
	now := s.cfg.Now()
	doc, err := s.cfg.Renderer.Render(ctx, render.Message{From: s.from(p),
		To: render.Party{Fax: rcpts[0].Number.International()}, Subject: subject, Body: body, Time: now}, atts)
	if err != nil {
		s.renderFailed(w, r, err)
		return
	}
	// Every copy has the same pages but for its header: price them all.
	total, err := s.sub.Price(ctx, rcpts, func(int) int { return doc.NumPages() })
	if err != nil {
		s.fail(w, r, err)
		return
	}

	c := s.previews
	c.sweep(now, maxPreviews-1)
	token := rand.Text()
	dir := filepath.Join(c.dir, token)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		s.fail(w, r, err)
		return
	}
	v := previewJSON{Pages: doc.NumPages(), Estimate: s.money(total), Currency: string(s.cfg.Ledger.Currency()),
		Previews: []string{}, Expires: now.Add(s.cfg.PreviewTTL).UTC().Format(time.RFC3339)}
	i := 0
	for pg, err := range doc.Pages(ctx) {
		if err == nil {
			i++
			var buf bytes.Buffer
			if err = render.WriteThumbnailPNG(&buf, pg, pg.Width); err == nil {
				err = os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d.png", i)), buf.Bytes(), 0o600)
			}
		}
		if err != nil {
			os.RemoveAll(dir)
			s.renderFailed(w, r, err)
			return
		}
		v.Previews = append(v.Previews, fmt.Sprintf("/api/previews/%s/%d.png", token, i))
	}
	c.mu.Lock()
	c.sets[token] = &previewSet{user: p.User.ID, pages: i, expires: now.Add(s.cfg.PreviewTTL)}
	c.mu.Unlock()
	writeJSON(w, http.StatusOK, v)
}

// getPreview implements GET /api/previews/{token}/{n}.png.
func (s *Server) getPreview(w http.ResponseWriter, r *http.Request) {
	now := s.cfg.Now()
	s.previews.sweep(now, maxPreviews)
	token := r.PathValue("token")
	set, ok := s.previews.lookup(token, principal(r).User.ID, now)
	if !ok {
		writeError(w, http.StatusNotFound, "no such preview: it may have expired; preview the message again")
		return
	}
	n, ok := pageNumber(w, r.PathValue("page"), set.pages)
	if !ok {
		return
	}
	png, err := os.ReadFile(filepath.Join(s.previews.dir, token, fmt.Sprintf("%d.png", n)))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writePNG(w, png)
}
