package api

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/submission"
	"faxbox/pages/render"
	"faxbox/pages/render/sandbox"
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
	// Estimates is the estimate per recipient and per page.
	Estimates estimateJSON `json:"estimates"`
}

// createPreview implements POST /api/previews.
func (s *Server) createPreview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principal(r)
	defer removeForm(r)
	now := s.cfg.Now()
	if wait := s.previewRate.take(p.User.ID, now); wait > 0 {
		secs := int(wait.Round(time.Second) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		writeError(w, http.StatusTooManyRequests, fmt.Sprintf("too many previews: at most %d a minute; try again in %d s", s.previewRate.perMinute, max(secs, 1)))
		return
	}
	d, ok := s.readDraft(w, r)
	if !ok {
		return
	}
	c := s.previews
	c.sweep(now, maxPreviews-1)
	token := rand.Text()
	sink := &previewSink{s: s, ctx: ctx, rcpts: d.rcpts, dir: filepath.Join(c.dir, token)}
	defer func() {
		if !sink.kept {
			os.RemoveAll(sink.dir)
		}
	}()
	res, _ := s.sub.Resolution(d.resolution) // checked by readDraft
	job := sandbox.Job{User: p.User.Name, Attachments: d.atts, Output: sandbox.Thumbnails, Resolution: &res,
		Copies: []render.Message{{From: s.from(p), To: render.Party{Name: d.rcpts[0].Name, Organisation: d.rcpts[0].Organisation, Fax: d.rcpts[0].Number.International()},
			Addressees: submission.Addressees(d.rcpts, 0), Subject: d.subject, Body: d.body, Time: now, NoCover: d.noCover}}}
	if err := s.cfg.Renderer.Render(ctx, job, sink); err != nil {
		if sink.err != nil && errors.Is(err, sink.err) {
			s.fail(w, r, err)
		} else {
			s.renderFailed(w, r, err)
		}
		return
	}
	est, err := s.sub.Estimate(ctx, d.rcpts, res, sink.measured)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := previewJSON{Pages: sink.pages, Estimate: s.money(est.Total), Currency: string(s.cfg.Ledger.Currency()), Estimates: s.estimateView(est),
		Previews: []string{}, Expires: now.Add(s.cfg.PreviewTTL).UTC().Format(time.RFC3339)}
	for i := range sink.pages {
		v.Previews = append(v.Previews, fmt.Sprintf("/api/previews/%s/%d.png", token, i+1))
	}
	c.mu.Lock()
	c.sets[token] = &previewSet{user: p.User.ID, pages: sink.pages, expires: now.Add(s.cfg.PreviewTTL)}
	c.mu.Unlock()
	sink.kept = true
	writeJSON(w, http.StatusOK, v)
}

// previewSink prices the preview's copies (every copy has the same pages
// but for its header) and keeps its page images as files.
type previewSink struct {
	measured []sandbox.Measure // of the pages in order
	s        *Server
	ctx      context.Context
	rcpts    []submission.Recipient
	dir      string
	pages    int
	total    billing.Amount
	err      error // the sink's own, not the renderer's
	kept     bool
}

func (k *previewSink) Planned(p sandbox.Plan) error {
	k.total, k.err = k.s.sub.Price(k.ctx, k.rcpts, func(int) int { return p.Pages[0] })
	if k.err == nil {
		k.err = os.MkdirAll(k.dir, 0o700)
	}
	return k.err
}

// Measured implements sandbox.Measurer.
func (k *previewSink) Measured(_, _ int, m sandbox.Measure) { k.measured = append(k.measured, m) }

func (k *previewSink) Page(_, n int, data []byte) error {
	k.err = os.WriteFile(filepath.Join(k.dir, fmt.Sprintf("%d.png", n)), data, 0o600)
	if k.err == nil {
		k.pages = n
	}
	return k.err
}

// previewRate is a token bucket per user: perMinute previews at once,
// then one every minute/perMinute.
type previewRate struct {
	perMinute int
	mu        sync.Mutex
	users     map[int64]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newPreviewRate(perMinute int) *previewRate {
	if perMinute <= 0 {
		perMinute = 10
	}
	return &previewRate{perMinute: perMinute, users: map[int64]*bucket{}}
}

// take spends one of user's previews at now, or says how long to wait
// for the next.
func (l *previewRate) take(user int64, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := float64(l.perMinute)
	b, ok := l.users[user]
	if !ok {
		b = &bucket{tokens: n, at: now}
		l.users[user] = b
	}
	b.tokens = min(n, b.tokens+now.Sub(b.at).Minutes()*n)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return time.Duration((1 - b.tokens) / n * float64(time.Minute))
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
