package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"faxbox/pages"
)

// ReceivedPDF writes received fax rx to w as a PDF, one image a page, for
// the inbox's download and the forwarded mail.
func (s *Store) ReceivedPDF(ctx context.Context, w io.Writer, rx Received) error {
	title := "Fax"
	if from := strings.TrimSpace(rx.CallerIdent + " " + rx.CallerID); from != "" {
		title = "Fax from " + from
	}
	pw := pages.NewPDFWriter(w, pages.PDFInfo{Title: title, Subject: fmt.Sprintf("Faxbox received fax %d", rx.ID),
		Created: rx.At})
	for _, pf := range rx.Files {
		if err := ctx.Err(); err != nil {
			return err
		}
		pg, err := s.ReadPage(pf)
		if err != nil {
			return fmt.Errorf("received fax %d: %w", rx.ID, err)
		}
		if err := pw.AddPage(pg); err != nil {
			return fmt.Errorf("store: received fax %d page %d: %w", rx.ID, pf.Index, err)
		}
	}
	return pw.Close()
}

// ReceivedTIFF writes received fax rx to w as one multipage TIFF Class F
// with each page's data as it was coded on the line (MH, MR or MMR), not
// re-encoded.
func (s *Store) ReceivedTIFF(w io.Writer, rx Received) error {
	if len(rx.Files) == 0 {
		return fmt.Errorf("%w: received fax %d has no pages", ErrNotFound, rx.ID)
	}
	tw, err := pages.NewTIFFWriter(w, len(rx.Files))
	if err != nil {
		return err
	}
	for _, f := range rx.Files {
		name := f.Path
		if !filepath.IsAbs(name) {
			name = filepath.Join(s.Dir(), name)
		}
		data, err := os.ReadFile(name)
		if err != nil {
			return fmt.Errorf("store: received page %d: %w", f.Index, err)
		}
		tf, err := pages.OpenTIFF(bytes.NewReader(data), int64(len(data)))
		if err == nil && len(tf.Pages) == 0 {
			err = errors.New("no page in the file")
		}
		var coded []byte
		if err == nil {
			coded, err = tf.RawData(0)
		}
		if err == nil {
			err = tw.WriteCoded(coded, tf.Pages[0].PageInfo)
		}
		if err != nil {
			return fmt.Errorf("store: received page %d (%s): %w", f.Index, f.Path, err)
		}
	}
	return tw.Close()
}
