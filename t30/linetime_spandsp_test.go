//go:build spandsp

package t30

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"faxbox/modem"
	"faxbox/modem/spandsp"
)

// floorSeconds is the least line time a call sending coded pages at rate
// could take: the image bits at the bit rate, plus the T.30 signals no
// call can skip (T.30 5.3.1, 5.3.2.4, Annex A): the NSF/CSI/DIS and
// TSI/DCS messages (1 s of V.21 flags each, then about 25 octets at 300
// bit/s), TCF (1.5 s) after the modem's long training, CFR, and per page
// the short training, the post-page command and its response (1 s of
// flags and a few octets each), and DCN. CED before the first V.21 flags
// is not counted: line time is measured from CONNECT, as it is billed.
func floorSeconds(coded []int, rate int) float64 {
	v21 := func(octets int) float64 { return 1.0 + float64(octets*8)/300 }
	long, short := 0.0, 0.0
	switch {
	case rate > 9600:
		long, short = 1.393, 0.142 // V.17 long and short training
	case rate >= 7200:
		long, short = 0.253, 0.253 // V.29
	default:
		long, short = 0.943, 0.943 // V.27ter 4800 (2400: 1.1 s)
	}
	s := v21(25) + v21(25) + long + 1.5 + v21(5) + v21(5)
	for _, n := range coded {
		s += float64(n*8)/float64(rate) + short + v21(9) + v21(5)
	}
	return s
}

// BenchmarkLineTime sends ITU charts 2 and 6 at fine resolution (full A4
// pages) to spandsp's fax terminal at each rate with ECM and MMR, and
// reports the connected seconds per page, the floor, and their ratio;
// at 14400 HylaFAX takes about 36 s for the same two pages. It runs in
// real time (about a minute per rate): make bench.
func BenchmarkLineTime(b *testing.B) {
	doc := Pages{chartPage(b, 2, 0), chartPage(b, 6, 0)}
	for _, tc := range []struct {
		name string
		rate int
		opts Options
		comp spandsp.Compression
		ecm  bool
	}{
		{"14400-ecm-mmr", 14400, Options{}, spandsp.MH | spandsp.MR | spandsp.MMR, true},
		{"14400-mr", 14400, Options{NoECM: true}, spandsp.MH | spandsp.MR, false},
		{"14400-mh", 14400, Options{NoECM: true, NoMR: true}, spandsp.MH, false},
		{"9600-ecm-mmr", 9600, Options{MaxRate: 9600}, spandsp.MH | spandsp.MR | spandsp.MMR, true},
		{"4800-ecm-mmr", 4800, Options{MaxRate: 4800}, spandsp.MH | spandsp.MR | spandsp.MMR, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var connected, floor float64
			for range b.N {
				l, err := spandsp.NewModemToFax(spandsp.Options{}, spandsp.FaxConfig{
					Role: spandsp.Receive, File: filepath.Join(b.TempDir(), "rx.tif"), Compressions: tc.comp, ECM: tc.ecm,
				})
				if err != nil {
					b.Fatal(err)
				}
				m, err := modem.Open(modem.PortConfig{Device: l.SlavePath(0)}, modem.Config{})
				if err != nil {
					b.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
				if err := m.Reset(ctx); err != nil {
					b.Fatal(err)
				}
				var coded []int
				o := tc.opts
				o.Ident = "+32 2 555 01 01"
				o.OnEvent = func(e Event) {
					if e, ok := e.(PageConfirmed); ok {
						coded = append(coded, e.Bytes)
					}
				}
				res := Send(ctx, m, "5550142", doc, o)
				sr, _ := l.Wait(ctx)
				cancel()
				m.Close()
				l.Close()
				if !res.OK() || res.Pages != 2 || !sr.OK() || res.BitRate != tc.rate {
					b.Fatalf("%+v / %v", res, sr.Code)
				}
				connected += res.Connected.Seconds()
				floor += floorSeconds(coded, res.BitRate)
			}
			n := float64(b.N)
			b.ReportMetric(connected/n, "connected-s")
			b.ReportMetric(connected/n/2, "s/page")
			b.ReportMetric(floor/n, "floor-s")
			b.ReportMetric(connected/floor, "ratio")
		})
	}
}
