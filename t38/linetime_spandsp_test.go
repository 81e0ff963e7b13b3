//go:build spandsp

package t38_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	msp "faxbox/modem/spandsp"
	"faxbox/t30"
	"faxbox/t38"
	"faxbox/t38/spandsp"
)

// BenchmarkT38LineTime sends ITU charts 2 and 6 at fine resolution (full
// A4 pages) over T.38 to spandsp's T.38 terminal and reports the connected
// seconds, for comparison with the modem path's BenchmarkLineTime in t30
// (same charts, rates and codings). Real time, about 40 s a case.
func BenchmarkT38LineTime(b *testing.B) {
	doc := t30.Pages{chart(b, 2, 0), chart(b, 6, 0)}
	for _, tc := range []struct {
		name string
		rate int
		opts t30.Options
		comp msp.Compression
		ecm  bool
	}{
		{"14400-ecm-mmr", 14400, t30.Options{}, msp.MH | msp.MR | msp.MMR, true},
		{"14400-mr", 14400, t30.Options{NoECM: true}, msp.MH | msp.MR, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var connected float64
			for range b.N {
				connected += t38LineTime(b, doc, tc.rate, tc.opts, tc.comp, tc.ecm)
			}
			b.ReportMetric(connected/float64(b.N), "connected-s")
			b.ReportMetric(connected/float64(b.N)/2, "s/page")
		})
	}
}

func t38LineTime(b *testing.B, doc t30.Pages, rate int, o t30.Options, comp msp.Compression, ecm bool) float64 {
	lk := &link{ours: listenUDP(b), theirs: listenUDP(b)}
	lk.oursTo, lk.theirsTo = lk.theirs.LocalAddr(), lk.ours.LocalAddr()
	term, err := spandsp.StartTerminal(lk.theirs, lk.theirsTo, spandsp.TerminalConfig{
		Fax:     msp.FaxConfig{Role: msp.Receive, File: filepath.Join(b.TempDir(), "rx.tif"), ECM: ecm, Compressions: comp},
		Version: 3, Redundancy: 2,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer term.Close()
	p := t38.Default()
	p.Version = 3
	line, err := t38.NewLine(lk.ours, lk.oursTo, t38.Config{Params: p})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	o.Ident = "+32 2 555 01 01"
	res := t30.Send(ctx, line, "", doc, o)
	sr, err := term.Wait(ctx)
	if err != nil || !res.OK() || res.Pages != 2 || !sr.OK() || res.BitRate != rate || res.ECM != ecm {
		b.Fatalf("%+v / %+v, %v", res, sr, err)
	}
	b.Logf("%d pages %v at %d bit/s: connected %.1f s", res.Pages, res.Coding, res.BitRate, res.Connected.Seconds())
	return res.Connected.Seconds()
}
