package daemon

import (
	"fmt"

	"faxbox/firmware/store"
	"faxbox/pages"
)

// document is the pages of a job still to send, as a t30.Document. Each
// page is read from its file (TIFF Class F) when the engine asks for it.
// The files were rendered with their header line ("page n of m") before
// the first attempt, so a retry that sends only the rest sends each page
// with the number it had in the first call.
type document struct {
	st    *store.Store // reads the page files
	pages []store.PageFile
	coded []pages.CodedSize // of each page, once measured
}

// remaining returns the pages of ps not yet confirmed.
func remaining(st *store.Store, ps []store.Page) *document {
	d := &document{st: st}
	for _, p := range ps {
		if !p.Confirmed {
			d.pages = append(d.pages, p.PageFile)
		}
	}
	return d
}

// Len implements t30.Document.
func (d *document) Len() int { return len(d.pages) }

// index returns the job's page number of the i-th page sent (1-based, as
// t30.PageConfirmed counts).
func (d *document) index(i int) int { return d.pages[i-1].Index }

// Page implements t30.Document. A file holding one page is that page; a
// file holding several (a whole document) gives its page Index.
func (d *document) Page(i int) (*pages.Page, error) {
	p, err := d.st.ReadPage(d.pages[i])
	if err != nil {
		return nil, fmt.Errorf("daemon: %w", err)
	}
	return p, nil
}

// measure opens every page's file, so that a missing or corrupt file
// fails the attempt before dialling rather than in the middle of a call,
// and measures each page's coded size for the call's line time (the
// engine codes each page afresh for the mode it negotiates, whatever the
// coding of its file).
func (d *document) measure() error {
	d.coded = d.coded[:0]
	for i := range d.pages {
		p, err := d.Page(i)
		if err != nil {
			return err
		}
		c, err := pages.MeasureCoded(p)
		if err != nil {
			return fmt.Errorf("daemon: page %d: %w", d.pages[i].Index, err)
		}
		d.coded = append(d.coded, c)
	}
	return nil
}
