package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"faxbox/pages"
	"faxbox/pages/render"
)

// Output is what a job's pages become.
type Output uint8

const (
	// Thumbnails are grey PNG images of the pages at their full width and
	// true proportions (render.WriteThumbnailPNG): previews.
	Thumbnails Output = iota
	// FaxPages are one-page TIFF-F files coded MH with byte-aligned EOLs
	// and RTC, ready to send.
	FaxPages
)

// Job is a message to render: one document per copy, each with the same
// attachments.
type Job struct {
	// User is who asked; jobs are queued fairly between users.
	User string
	// Copies are the first pages of the copies to render (one per
	// recipient); at least one.
	Copies      []render.Message
	Attachments []render.Attachment
	Output      Output
	// Resolution, when not nil, replaces the renderer's own: the
	// resolution the message is sent at.
	Resolution *pages.Resolution
}

// Plan is what a job will produce: for each copy, its page count and
// where its pages come from.
type Plan struct {
	Pages   []int
	Sources [][]render.Source
}

// Sink receives a job's results, in order: Planned once, then every page
// of every copy, copy by copy.
type Sink interface {
	// Planned receives the page counts before any page is drawn; an error
	// stops the job and is returned by Render as it is.
	Planned(p Plan) error
	// Page receives page n (from 1) of copy c (from 0), coded as the job's
	// Output asked. data is the caller's to keep.
	Page(c, n int, data []byte) error
}

// Measure is what sending a page takes: its rows and vertical
// resolution, and its coded sizes, from which the line time follows (see
// t30/linetime.go).
type Measure struct {
	Rows  int
	YDPI  float64
	Coded pages.CodedSize
}

// Measurer is a Sink that also wants each page's Measure: Measured is
// called before Page for the same page.
type Measurer interface {
	Measured(c, n int, m Measure)
}

// Renderer renders jobs: *Pool in a child process, Direct in the caller.
type Renderer interface {
	Render(ctx context.Context, job Job, sink Sink) error
}

// events is how runJob reports: to a Sink directly, or as frames to the
// parent.
type events interface {
	planned(p Plan) error
	page(c, n int, data []byte, m Measure) error
}

// runJob renders job with r, reporting to ev. It returns render's errors
// as they are.
func runJob(ctx context.Context, r *render.Renderer, job Job, ev events) error {
	if len(job.Copies) == 0 {
		return errors.New("sandbox: a job with no copy")
	}
	if job.Resolution != nil {
		r = r.WithResolution(*job.Resolution)
	}
	docs := make([]*render.Document, len(job.Copies))
	var plan Plan
	for i, m := range job.Copies {
		d, err := r.Render(ctx, m, job.Attachments)
		if err != nil {
			return err
		}
		docs[i] = d
		plan.Pages = append(plan.Pages, d.NumPages())
		plan.Sources = append(plan.Sources, d.Sources)
	}
	if err := ev.planned(plan); err != nil {
		return err
	}
	for c, d := range docs {
		n := 0
		for p, err := range d.Pages(ctx) {
			if err != nil {
				return err
			}
			n++
			data, err := encode(p, job.Output, d.NumPages())
			if err != nil {
				return err
			}
			m, err := measure(p)
			if err != nil {
				return err
			}
			if err := ev.page(c, n, data, m); err != nil {
				return err
			}
		}
	}
	return nil
}

// measure codes p as T.6 and MH to measure it.
func measure(p *pages.Page) (Measure, error) {
	c, err := pages.MeasureCoded(p)
	if err != nil {
		return Measure{}, fmt.Errorf("sandbox: %w", err)
	}
	return Measure{Rows: p.Height, YDPI: p.YDPI, Coded: c}, nil
}

// encode codes one page as out asks.
func encode(p *pages.Page, out Output, total int) ([]byte, error) {
	var buf bytes.Buffer
	switch out {
	case Thumbnails:
		if err := render.WriteThumbnailPNG(&buf, p, p.Width); err != nil {
			return nil, err
		}
	case FaxPages:
		tw, err := pages.NewTIFFWriter(&buf, total)
		if err != nil {
			return nil, err
		}
		if err := tw.WritePage(p, pages.EncoderOptions{Coding: pages.MH, Width: p.Width, AlignEOL: true, RTC: true}); err != nil {
			return nil, err
		}
		if err := tw.Close(); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("sandbox: unknown output %d", out)
	}
	return buf.Bytes(), nil
}

// Direct renders jobs in the calling process, without limits beyond those
// of render.Limits and without a queue: for the command-line tools and
// for tests. Its errors are those of Pool: refusals in plain words.
type Direct struct {
	r *render.Renderer
}

// NewDirect returns a Direct renderer with the options.
func NewDirect(o render.Options) *Direct { return &Direct{r: render.New(o)} }

// Render implements Renderer.
func (d *Direct) Render(ctx context.Context, job Job, sink Sink) error {
	ev := &sinkEvents{sink: sink}
	err := runJob(ctx, d.r, job, ev)
	if err == nil || ev.sinkErr != nil && errors.Is(err, ev.sinkErr) {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return decodeError(encodeError(err, job), nil)
}

// sinkEvents passes runJob's results to a Sink, noting its errors so that
// they are returned unchanged.
type sinkEvents struct {
	sink    Sink
	sinkErr error
}

func (s *sinkEvents) planned(p Plan) error {
	s.sinkErr = s.sink.Planned(p)
	return s.sinkErr
}

func (s *sinkEvents) page(c, n int, data []byte, m Measure) error {
	if ms, ok := s.sink.(Measurer); ok {
		ms.Measured(c, n, m)
	}
	s.sinkErr = s.sink.Page(c, n, data)
	return s.sinkErr
}
