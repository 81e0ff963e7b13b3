package t30

import (
	"testing"

	"faxbox/pages"
)

// TestSentResolution: a fine page sent to a receiver without fine is
// sent at standard with its rows merged, and the call's result says so;
// a standard page is not counted as merged.
func TestSentResolution(t *testing.T) {
	fine, err := pages.NewPage(pages.WidthA4, 2200)
	if err != nil {
		t.Fatal(err)
	}
	fine.XDPI, fine.YDPI = pages.Fine.DPI()
	std, err := pages.NewPage(pages.WidthA4, 1100)
	if err != nil {
		t.Fatal(err)
	}
	std.XDPI, std.YDPI = pages.Standard.DPI()
	stdOnly := Capabilities{Resolutions: ResolutionSet(0).With(ResStandard), MaxWidth: WidthA4, MaxLength: LengthUnlimited}
	var o Options
	var r sentResolution
	for i, p := range []*pages.Page{fine, std} {
		ps, err := o.choose(stdOnly, 0, p)
		if err != nil {
			t.Fatal(err)
		}
		q, err := r.prepare(i, p, ps)
		if err != nil {
			t.Fatal(err)
		}
		if q.Height != 1100 {
			t.Errorf("page %d sent with %d rows, want 1100", i+1, q.Height)
		}
	}
	var res Result
	r.fill(&res)
	if res.MergedPages != 1 || res.LowestResolution != pages.Standard {
		t.Errorf("merged %d, lowest %v; want 1, standard", res.MergedPages, res.LowestResolution)
	}
	// A receiver with fine gets the fine page as it is.
	var r2 sentResolution
	both := stdOnly
	both.Resolutions = both.Resolutions.With(ResFine)
	ps, _ := o.choose(both, 0, fine)
	if q, _ := r2.prepare(0, fine, ps); q != fine {
		t.Error("a fine page to a fine receiver was changed")
	}
	res = Result{}
	r2.fill(&res)
	if res.MergedPages != 0 || res.LowestResolution != pages.Fine {
		t.Errorf("merged %d, lowest %v; want 0, fine", res.MergedPages, res.LowestResolution)
	}
}
