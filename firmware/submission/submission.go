// Package submission queues a fax message: it has one copy per recipient
// rendered (through a sandbox.Renderer, in child processes under limits),
// prices every copy with the tariff in force as soon as its pages are
// counted, applies the ledger's submission rules before any page is
// drawn, keeps the pages in the store's directory as TIFF-F and stores the
// message with one job per recipient. The JSON API's compose form and fax
// by e-mail both submit through it, so that a message is treated the same
// whichever way it came in.
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
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/numbers"
	"faxbox/firmware/store"
	"faxbox/internal/datadir"
	"faxbox/pages"
	"faxbox/pages/render"
	"faxbox/pages/render/sandbox"
)

// Config is what a Submitter works with.
type Config struct {
	Store    *store.Store     // required
	Ledger   *billing.Ledger  // required
	Renderer sandbox.Renderer // required: in child processes under limits, or sandbox.Direct
	// MaxAttempts per recipient; 0 means the store's default.
	MaxAttempts int
	// Now is the time shown on rendered pages; default time.Now.
	Now func() time.Time
	// Logger receives one line per submission. Default: discard.
	Logger *slog.Logger
	// Resolution is what a message is rendered and sent at when it does
	// not say (the appliance's render.resolution).
	Resolution pages.Resolution
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
	// Name and Organisation are the recipient's (from the address book)
	// as the cover pages show them; may be empty.
	Name, Organisation string
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
	// NoCover sends the attachments without the first page that carries
	// the addresses, subject and body.
	NoCover bool
	// Resolution is "standard", "fine" or "superfine"; "" means
	// Config.Resolution.
	Resolution string
}

// Result is a queued message.
type Result struct {
	Message  store.Message
	Pages    int            // of one copy
	Estimate billing.Amount // for every copy
	// Lines is the estimate per recipient and per page, from the line
	// time of the pages as rendered (linetime.go).
	Lines Estimate
}

// RenderError marks an error as the renderer's: the message, not the
// appliance, is at fault unless it wraps render.ErrNoRasteriser or a
// sandbox failure.
type RenderError struct{ Err error }

func (e *RenderError) Error() string { return e.Err.Error() }

// Unwrap returns the renderer's error.
func (e *RenderError) Unwrap() error { return e.Err }

// Submit renders, prices, checks, draws and stores m: one copy per
// recipient, each naming the To and Cc recipients and marking its own,
// and a Bcc recipient's naming itself besides them (Addressees), so that
// Bcc recipients appear on no one else's page. The copies are priced and the ledger's
// submission rules applied once their pages are counted, before any page
// is drawn. The message's own pages are for the archive and the sender's
// view: the first recipient's copy, unless that would show a Bcc
// recipient to the others. Errors are *RenderError, or wrap billing's
// and the store's.
func (s *Submitter) Submit(ctx context.Context, m Message) (Result, error) {
	if len(m.Recipients) == 0 {
		return Result{}, fmt.Errorf("%w: no recipient", store.ErrInvalid)
	}
	res, err := s.Resolution(m.Resolution)
	if err != nil {
		return Result{}, err
	}
	now := s.cfg.Now()
	job := sandbox.Job{User: m.Sender.Name, Attachments: m.Attachments, Output: sandbox.FaxPages, Resolution: &res}
	for i, rc := range m.Recipients {
		job.Copies = append(job.Copies, render.Message{From: m.From, To: party(rc),
			Addressees: Addressees(m.Recipients, i), Subject: m.Subject, Body: m.Body, Time: now, NoCover: m.NoCover})
	}
	sharedCopy := m.Recipients[0].Field == store.Bcc && len(m.Recipients) > 1
	if sharedCopy {
		job.Copies = append(job.Copies, render.Message{From: m.From,
			To: render.Party{Name: "undisclosed recipients"}, Addressees: Addressees(m.Recipients, -1),
			Subject: m.Subject, Body: m.Body, Time: now, NoCover: m.NoCover})
	}
	dir, err := s.spoolDir()
	if err != nil {
		return Result{}, err
	}
	stored := false
	defer func() {
		if !stored {
			os.RemoveAll(filepath.Join(s.cfg.Store.Dir(), dir))
		}
	}()
	sink := &spoolSink{s: s, ctx: ctx, user: m.Sender.Name, rcpts: m.Recipients, dir: dir, files: make([][]store.PageFile, len(job.Copies))}
	if err := s.cfg.Renderer.Render(ctx, job, sink); err != nil {
		if sink.err != nil && errors.Is(err, sink.err) {
			return Result{}, err
		}
		return Result{}, &RenderError{err}
	}
	if err := s.keepAttachments(dir, m.Attachments); err != nil {
		return Result{}, err
	}
	shared := sink.files[0]
	if sharedCopy {
		shared = sink.files[len(m.Recipients)]
	}
	est, err := s.estimate(ctx, m.Recipients, res, &sink.measures)
	if err != nil {
		return Result{}, err
	}
	nm := store.NewMessage{Sender: m.Sender.ID, Subject: m.Subject, Body: m.Body, Pages: shared, MaxAttempts: s.cfg.MaxAttempts,
		Resolution: res.String()}
	for i, rc := range m.Recipients {
		nm.Recipients = append(nm.Recipients, store.Recipient{Field: rc.Field, Number: rc.Number.E164, Name: rc.Name, Pages: sink.files[i],
			Estimate: int64(est.Recipients[i].Cost), EstimateTime: est.Recipients[i].Duration})
	}
	msg, err := s.cfg.Store.CreateMessage(ctx, nm)
	if err != nil {
		return Result{}, err
	}
	stored = true // the store refers to the files now
	s.log.Info("message submitted", "message", msg.ID, "recipients", len(m.Recipients), "pages", sink.pages[0],
		"resolution", res, "estimate", s.cfg.Ledger.Currency().Format(est.Total))
	return Result{Message: msg, Pages: sink.pages[0], Estimate: est.Total, Lines: est}, nil
}

// spoolSink prices a submission's copies once their pages are counted,
// applies the submission rules before any page is drawn, then stores the
// pages as they come, one TIFF-F file a page.
type spoolSink struct {
	measures
	s     *Submitter
	ctx   context.Context
	user  string
	rcpts []Recipient
	dir   string // relative to the store
	pages []int  // of each recipient's copy
	files [][]store.PageFile
	total billing.Amount
	err   error // the sink's own, not the renderer's
}

// Planned implements sandbox.Sink.
func (k *spoolSink) Planned(p sandbox.Plan) error {
	k.pages = p.Pages
	k.total, k.err = k.s.Price(k.ctx, k.rcpts, func(i int) int { return p.Pages[i] })
	if k.err == nil {
		k.err = k.s.cfg.Ledger.CheckSubmit(k.ctx, k.user, k.total)
	}
	return k.err
}

// Page implements sandbox.Sink.
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
	if err := os.MkdirAll(filepath.Join(s.cfg.Store.Dir(), rel), datadir.DirMode); err != nil {
		return "", err
	}
	return rel, nil
}
