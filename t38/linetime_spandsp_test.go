//go:build spandsp

package t38_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
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

// BenchmarkT38Concurrent places 16 T.38 calls at once, Faxbox sending to
// as many spandsp T.38 terminals in this process (ECM, 14400 bit/s, two
// chart pages each), checks every page, and reports the process's CPU
// time per call (Faxbox and spandsp together), its peak RSS, and the
// longest call.
func BenchmarkT38Concurrent(b *testing.B) {
	const calls = 16
	doc := t30.Pages{chart(b, 1, 350), chart(b, 2, 250)}
	tc := callCase{name: "concurrent", rate: 14400, ecm: true, version: 3}
	for range b.N {
		cs := make([]*sendCall, calls)
		for i := range cs {
			cs[i] = startSend(b, tc)
		}
		cpu0 := cpuTime(b)
		var wg sync.WaitGroup
		for _, c := range cs {
			wg.Go(func() { c.run(doc) })
		}
		wg.Wait()
		cpu := cpuTime(b) - cpu0
		longest := 0.0
		for _, c := range cs {
			c.check(b, doc)
			longest = max(longest, c.res.Connected.Seconds())
		}
		b.ReportMetric(cpu.Seconds()/calls, "cpu-s/call")
		b.ReportMetric(peakRSS(b)/(1<<20), "peak-RSS-MiB")
		b.ReportMetric(longest, "longest-call-s")
	}
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS is the process's high-water resident set (VmHWM), in bytes.
func peakRSS(b *testing.B) float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) == 3 && f[0] == "VmHWM:" {
			kb, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb * 1024
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}
