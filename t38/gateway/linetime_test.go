//go:build spandsp

package gateway_test

import (
	"testing"

	"faxbox/t30"
)

// BenchmarkGatewayLineTime sends ITU charts 2 and 6 (full pages, fine)
// over T.38 through spandsp's T.38 gateway to spandsp's audio fax
// terminal at 14400 bit/s, MR, no ECM, and reports the connected seconds,
// for comparison with the modem path's BenchmarkLineTime/14400-mr in t30
// (same charts, rate and coding, through spandsp's T.31 modem). Real
// time, about 45 s.
func BenchmarkGatewayLineTime(b *testing.B) {
	doc := t30.Pages{chart(b, 2, 0), chart(b, 6, 0)}
	c := call{rate: 14400, version: 3}
	var s float64
	for range b.N {
		res, gr, got := c.send(b, doc)
		if !res.OK() || !gr.OK() || len(got) != 2 || res.BitRate != 14400 || res.Coding.String() != "mr" {
			b.Fatalf("%+v / %+v", res, gr)
		}
		s += res.Connected.Seconds()
	}
	b.ReportMetric(s/float64(b.N), "connected-s")
	b.ReportMetric(s/float64(b.N)/2, "s/page")
}
