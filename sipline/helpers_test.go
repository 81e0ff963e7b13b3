package sipline_test

import (
	"testing"

	"faxbox/pages"
)

// testPage is a fine page with a pattern of lines and slants.
func testPage(t *testing.T) *pages.Page {
	t.Helper()
	p, err := pages.NewPage(pages.WidthA4, 300)
	if err != nil {
		t.Fatal(err)
	}
	for y := 10; y < 290; y++ {
		for x := 60; x < pages.WidthA4-60; x++ {
			if (x/9+y/4)%4 == 0 || y%50 == 0 {
				p.Set(x, y, true)
			}
		}
	}
	p.XDPI, p.YDPI = pages.Fine.DPI()
	return p
}
