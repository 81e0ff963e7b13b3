package t30_test

import (
	"testing"
	"time"

	"faxbox/pages"
	"faxbox/t30"
)

// TestLineTime: a destination never reached is modelled at 14400 bit/s
// with ECM, one that worked at its rate and ECM, both capped by the
// call's options; a page's time is its T.6 size with 3% of framing with
// ECM, its MH size without, plus the post-page exchange.
func TestLineTime(t *testing.T) {
	size := pages.CodedSize{MMR: 18000, MH: 36000}
	for _, c := range []struct {
		name string
		l    t30.LineTime
		rate int
		page time.Duration
	}{
		{"never reached", t30.Expected(0, false), 14400, t30.PageOverhead + 10300*time.Millisecond},
		{"9600 with ECM", t30.Expected(9600, true), 9600, t30.PageOverhead + 15450*time.Millisecond},
		{"9600 without ECM", t30.Expected(9600, false), 9600, t30.PageOverhead + 30*time.Second},
		{"capped at 4800", t30.Expected(9600, true).Within(t30.Options{MaxRate: 4800}), 4800, t30.PageOverhead + 30900*time.Millisecond},
		{"not raised by MaxRate", t30.Expected(7200, true).Within(t30.Options{MaxRate: 14400}), 7200, t30.PageOverhead + 20600*time.Millisecond},
		{"ECM off by option", t30.LineTime{}.Within(t30.Options{NoECM: true}), 14400, t30.PageOverhead + 20*time.Second},
	} {
		if got := c.l.BitRate(); got != c.rate {
			t.Errorf("%s: rate %d, want %d", c.name, got, c.rate)
		}
		if got := c.l.Page(size); got != c.page {
			t.Errorf("%s: page %v, want %v", c.name, got, c.page)
		}
		if got, want := c.l.Call([]pages.CodedSize{size, size}), t30.SetupTime+2*c.page; got != want {
			t.Errorf("%s: call %v, want %v", c.name, got, want)
		}
	}
	// A photo page of 150000 octets of T.6 takes three ECM blocks of at
	// most 65536 octets: two more block exchanges than a page of one.
	big := pages.CodedSize{MMR: 150000, MH: 300000}
	if got, want := (t30.LineTime{}).Page(big), t30.PageOverhead+2*t30.BlockOverhead+85833333333*time.Nanosecond; got != want {
		t.Errorf("a page of three ECM blocks: %v, want %v", got, want)
	}
	if got, want := t30.Expected(9600, false).Page(big), t30.PageOverhead+250*time.Second; got != want {
		t.Errorf("the same page without ECM: %v, want %v", got, want)
	}
}
