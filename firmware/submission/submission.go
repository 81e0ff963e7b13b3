// Package submission queues a fax message: it renders one copy per
// recipient, prices every copy with the tariff in force, applies the
// ledger's submission rules, draws the pages into the store's directory as
// TIFF-F and stores the message with one job per recipient. The JSON API's
// compose form and fax by e-mail both submit through it, so that a message
// is treated the same whichever way it came in.
//
// It does not parse numbers or read forms and mails (its callers do), nor
// send anything (the modem pool does).
package submission

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/numbers"
	"faxbox/firmware/store"
	"faxbox/pages"
	"faxbox/pages/render"
)

// Renderer lays out a message and its attachments as fax pages;
// *render.Renderer is one.
type Renderer interface {
	Render(ctx context.Context, m render.Message, atts []render.Attachment) (*render.Document, error)
}

// Config is what a Submitter works with.
type Config struct {
	Store    *store.Store    // required
	Ledger   *billing.Ledger // required
	Renderer Renderer        // required
	// MaxAttempts per recipient; 0 means the store's default.
	MaxAttempts int
	// Now is the time shown on rendered pages; default time.Now.
	Now func() time.Time
	// Logger receives one line per submission. Default: discard.
	Logger *slog.Logger
}

// Submitter queues messages.
type Submitter struct {
	cfg Config
	log *slog.Logger
}

// New checks cfg and returns a Submitter.
func New(cfg Config) (*Submitter, error) {
	if cfg.Store == nil || cfg.Ledger == nil || cfg.Renderer == nil {
		return nil, errors.New("submission: Store, Ledger and Renderer are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Submitter{cfg: cfg, log: log}, nil
}

// Recipient is one recipient of a message.
type Recipient struct {
	Field  store.Field
	Number numbers.Number
}

// Recipients lists to, cc and bcc as recipients, a number named twice
// once, in the first field that names it.
func Recipients(to, cc, bcc []numbers.Number) []Recipient {
	var out []Recipient
	seen := map[string]bool{}
	for _, f := range []struct {
		field store.Field
		nums  []numbers.Number
	}{{store.To, to}, {store.Cc, cc}, {store.Bcc, bcc}} {
		for _, n := range f.nums {
			if !seen[n.E164] {
				seen[n.E164] = true
				out = append(out, Recipient{Field: f.field, Number: n})
			}
		}
	}
	return out
}

// Message is a message to queue.
type Message struct {
	Sender store.User
	// From is the sender's side of the first page and the header line.
	From render.Party
	// Recipients are distinct numbers; see Recipients.
	Recipients    []Recipient
	Subject, Body string
	Attachments   []render.Attachment
}

// Result is a queued message.
type Result struct {
	Message  store.Message
	Pages    int            // of one copy
	Estimate billing.Amount // for every copy
}

// RenderError marks an error as the renderer's (or that of drawing its
// pages): the message, not the appliance, is at fault unless it wraps
// render.ErrNoRasteriser or a disk error.
type RenderError struct{ Err error }

func (e *RenderError) Error() string { return e.Err.Error() }

// Unwrap returns the renderer's error.
func (e *RenderError) Unwrap() error { return e.Err }

// copyOf is one recipient's copy.
type copyOf struct {
	Recipient
	doc   *render.Document
	pages []store.PageFile
}

// Submit renders, prices, checks, draws and stores m: one copy per
// recipient, each showing only its own recipient, so that Bcc recipients
// appear on no one else's page. Errors are *RenderError, or wrap
// billing's and the store's.
func (s *Submitter) Submit(ctx context.Context, m Message) (Result, error) {
	if len(m.Recipients) == 0 {
		return Result{}, fmt.Errorf("%w: no recipient", store.ErrInvalid)
	}
	now := s.cfg.Now()
	copies := make([]*copyOf, len(m.Recipients))
	for i, rc := range m.Recipients {
		doc, err := s.cfg.Renderer.Render(ctx, render.Message{From: m.From,
			To: render.Party{Fax: rc.Number.International()}, Subject: m.Subject, Body: m.Body, Time: now}, m.Attachments)
		if err != nil {
			return Result{}, &RenderError{err}
		}
		copies[i] = &copyOf{Recipient: rc, doc: doc}
	}
	// Price every copy and apply the submission rules before any page is
	// drawn.
	total, err := s.Price(ctx, m.Recipients, func(i int) int { return copies[i].doc.NumPages() })
	if err != nil {
		return Result{}, err
	}
	if err := s.cfg.Ledger.CheckSubmit(ctx, m.Sender.Name, total); err != nil {
		return Result{}, err
	}
	msg, err := s.store(ctx, m, copies, now)
	if err != nil {
		return Result{}, err
	}
	// Rendering took several page-sized bitmaps that are garbage now: on
	// a board with little memory, give them back to the system at once
	// rather than keep them through the calls that follow.
	debug.FreeOSMemory()
	pagesPerCopy := copies[0].doc.NumPages()
	s.log.Info("message submitted", "message", msg.ID, "recipients", len(copies), "pages", pagesPerCopy,
		"estimate", s.cfg.Ledger.Currency().Format(total))
	return Result{Message: msg, Pages: pagesPerCopy, Estimate: total}, nil
}

// store draws the copies' pages, one TIFF-F file a page, and stores the
// message; the files are removed again if it cannot be stored. Each job
// gets its recipient's copy in the transaction that creates it. The
// message's own pages are for the archive and the sender's view: the first
// recipient's copy, unless that would show a Bcc recipient to the others.
func (s *Submitter) store(ctx context.Context, m Message, copies []*copyOf, now time.Time) (store.Message, error) {
	dir, err := s.spoolDir()
	if err != nil {
		return store.Message{}, err
	}
	stored := false
	defer func() {
		if !stored {
			os.RemoveAll(filepath.Join(s.cfg.Store.Dir(), dir))
		}
	}()
	for i, c := range copies {
		if c.pages, err = s.writePages(ctx, filepath.Join(dir, fmt.Sprintf("r%d", i+1)), c.doc); err != nil {
			return store.Message{}, &RenderError{err}
		}
	}
	shared := copies[0].pages
	if copies[0].Field == store.Bcc && len(copies) > 1 {
		doc, err := s.cfg.Renderer.Render(ctx, render.Message{From: m.From,
			To: render.Party{Name: "undisclosed recipients"}, Subject: m.Subject, Body: m.Body, Time: now}, m.Attachments)
		if err == nil {
			shared, err = s.writePages(ctx, filepath.Join(dir, "shared"), doc)
		}
		if err != nil {
			return store.Message{}, &RenderError{err}
		}
	}
	nm := store.NewMessage{Sender: m.Sender.ID, Subject: m.Subject, Body: m.Body, Pages: shared, MaxAttempts: s.cfg.MaxAttempts}
	for _, c := range copies {
		nm.Recipients = append(nm.Recipients, store.Recipient{Field: c.Field, Number: c.Number.E164, Pages: c.pages})
	}
	msg, err := s.cfg.Store.CreateMessage(ctx, nm)
	if err != nil {
		return store.Message{}, err
	}
	stored = true // the store refers to the files now
	return msg, nil
}

// Price prices a copy of pages(i) pages to each recipient i with the
// tariff in force and returns the total; a destination without a price is
// an error wrapping billing.ErrNoRate that names it.
func (s *Submitter) Price(ctx context.Context, rcpts []Recipient, pages func(i int) int) (billing.Amount, error) {
	var total billing.Amount
	for i, rc := range rcpts {
		est, err := s.cfg.Ledger.Price(ctx, rc.Number.E164, pages(i))
		if err != nil {
			if errors.Is(err, billing.ErrNoRate) {
				return 0, fmt.Errorf("%w: %s %s", err, rc.Field, rc.Number.International())
			}
			return 0, err
		}
		total += est.Cost
	}
	return total, nil
}

// spoolDir makes a new directory for a message's pages and returns it
// relative to the store's directory.
func (s *Submitter) spoolDir() (string, error) {
	rel := filepath.Join("messages", s.cfg.Now().UTC().Format("20060102-150405")+"-"+rand.Text()[:8])
	if err := os.MkdirAll(filepath.Join(s.cfg.Store.Dir(), rel), 0o755); err != nil {
		return "", err
	}
	return rel, nil
}

// writePages draws doc's pages into dir (relative to the store), one
// TIFF-F file (MH, byte-aligned EOLs) a page.
func (s *Submitter) writePages(ctx context.Context, dir string, doc *render.Document) ([]store.PageFile, error) {
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
