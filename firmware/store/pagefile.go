package store

import (
	"fmt"
	"os"
	"path/filepath"

	"faxbox/pages"
)

// ReadPage decodes a stored page file: a TIFF of one page, or page Index
// of a TIFF that holds the whole document. A relative path is read from
// the data directory.
func (s *Store) ReadPage(pf PageFile) (*pages.Page, error) {
	name := pf.Path
	if !filepath.IsAbs(name) {
		name = filepath.Join(s.Dir(), name)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("store: page %d: %w", pf.Index, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("store: page %d: %w", pf.Index, err)
	}
	tf, err := pages.OpenTIFF(f, fi.Size())
	if err != nil {
		return nil, fmt.Errorf("store: page %d (%s): %w", pf.Index, name, err)
	}
	i := 0
	if len(tf.Pages) > 1 {
		i = pf.Index - 1
		if i < 0 || i >= len(tf.Pages) {
			return nil, fmt.Errorf("store: page %d: %s has %d pages", pf.Index, name, len(tf.Pages))
		}
	}
	if len(tf.Pages) == 0 {
		return nil, fmt.Errorf("store: page %d (%s): no page in the file", pf.Index, name)
	}
	pg, _, err := tf.Decode(i)
	if err != nil {
		return nil, fmt.Errorf("store: page %d (%s): %w", pf.Index, name, err)
	}
	return pg, nil
}
