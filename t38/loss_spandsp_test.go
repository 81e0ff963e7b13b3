//go:build spandsp

package t38_test

import (
	"testing"

	"faxbox/t30"
)

// nonECMLossyCases lose and reorder 10 % of datagrams both ways without
// ECM: what UDPTL redundancy cannot rebuild is gone from the page data.
// Without redundancy from spandsp, every page loses some: Faxbox answers
// RTN and spandsp gives up after its tries.
var nonECMLossyCases = []callCase{
	{name: "loss10-9600-v3", rate: 9600, version: 3, loss: 0.10, swap: 0.10},
	{name: "loss10-bare-14400-v0", rate: 14400, version: 0, loss: 0.10, swap: 0.10, bare: true},
}

// TestSpandspT38LossyNonECM: spandsp sends without ECM through 10 % loss;
// Faxbox never confirms a page short of rows. Each page it confirms
// (MCF or RTP, T.30 5.3.6.2.6) has its rows, the ones lost on the line
// counted as bad and put back; a page that lost more gets RTN and comes
// again, or the call fails it.
func TestSpandspT38LossyNonECM(t *testing.T) {
	doc := t30.Pages{chart(t, 1, 350), chart(t, 2, 250)}
	for _, tc := range nonECMLossyCases {
		t.Run("faxd-receives/"+tc.name, func(t *testing.T) {
			t.Parallel()
			c := receiveFromSpandsp(t, tc, doc)
			rtn := 0
			for _, pr := range c.judged {
				want := doc[pr.Page-1].Height
				t.Logf("page %d: %d rows (of %d), %d bad, run %d, %v", pr.Page, pr.Stats.Rows, want, pr.Stats.BadRows, pr.Stats.MaxConsecutiveBad, pr.Quality)
				if pr.Quality == t30.QualityBad {
					rtn++
					continue
				}
				// Rows put back for a hole are an estimate: a few
				// rows either way, never the hole's rows missing.
				if d := pr.Stats.Rows - want; d < -want/50 || d > want/50 {
					t.Errorf("page %d confirmed with %d rows, want %d", pr.Page, pr.Stats.Rows, want)
				}
			}
			if len(c.got) != c.res.Pages {
				t.Errorf("%d pages handed over, result says %d", len(c.got), c.res.Pages)
			}
			if c.res.OK() != (c.res.Pages == len(doc)) {
				t.Errorf("result %+v with %d of %d pages", c.res, c.res.Pages, len(doc))
			}
			report(t, tc, c.res, c.stats, c.sr, c.lk)
			t.Logf("%d pages confirmed, %d rejected (RTN); spandsp %+v", c.res.Pages, rtn, c.sr)
		})
	}
}
