package pages_test

import (
	"bytes"
	"testing"

	"faxbox/pages"
)

// TestWriteTIFF: what WriteTIFF writes, ReadTIFF reads back page for
// page, in each coding.
func TestWriteTIFF(t *testing.T) {
	var doc []*pages.Page
	for i := range 3 {
		p, err := pages.NewPage(1728, 40+i)
		if err != nil {
			t.Fatal(err)
		}
		for x := 0; x < p.Width; x += 3 + i {
			p.Set(x, x%p.Height, true)
		}
		doc = append(doc, p)
	}
	for _, c := range []pages.Coding{pages.MH, pages.MR, pages.MMR} {
		var b bytes.Buffer
		if err := pages.WriteTIFF(&b, doc, pages.EncoderOptions{Coding: c}); err != nil {
			t.Fatal(err)
		}
		got, _, err := pages.ReadTIFF(b.Bytes())
		if err != nil || len(got) != len(doc) {
			t.Fatalf("%v: %d pages, %v", c, len(got), err)
		}
		for i := range doc {
			if !got[i].Equal(doc[i]) {
				t.Errorf("%v: page %d differs", c, i+1)
			}
		}
	}
}
