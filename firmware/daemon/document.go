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

// check opens every page's file, so that a missing or corrupt file fails
// the attempt before dialling rather than in the middle of a call.
func (d *document) check() error {
	for i := range d.pages {
		if _, err := d.Page(i); err != nil {
			return err
		}
	}
	return nil
}
