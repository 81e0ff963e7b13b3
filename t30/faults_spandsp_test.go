//go:build spandsp

package t30

// Fault scenarios against spandsp 0.0.6 in real time: white noise on the
// line and a line cut in the middle of a page, faxd sending to spandsp's
// fax terminal. Small pages keep each call short; the calls run in
// parallel.

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"faxbox/modem/spandsp"
)

// spandspFaultSend sends doc from faxd to spandsp's receiving terminal
// over a line with opts; during, if set, sees faxd's events.
func spandspFaultSend(t *testing.T, opts spandsp.Options, o Options, doc Pages, during func(l *spandsp.Line, e Event)) (Result, spandsp.Result, string, *eventLog) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "rx.tif")
	l, err := spandsp.NewModemToFax(opts, spandsp.FaxConfig{Role: spandsp.Receive, File: out, Ident: "+1 555 0142", ECM: !o.NoECM})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	m := openDriver(t, l)
	t.Cleanup(func() { m.Close() })
	ev := &eventLog{}
	o.OnEvent = func(e Event) {
		if during != nil {
			during(l, e)
		}
		ev.add(e)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res := Send(ctx, m, "5550142", doc, o)
	sr, err := l.Wait(ctx)
	if err != nil {
		t.Fatalf("spandsp: %v; faxd %+v\n%s", err, res, ev.String())
	}
	return res, sr, out, ev
}

// TestSpandspFaultNoise: white noise at 35 dB SNR, with and without ECM.
// Each call either completes with identical pages (at whatever rate
// training settled on) or fails; faxd never counts a page spandsp did not
// confirm.
func TestSpandspFaultNoise(t *testing.T) {
	doc := Pages{chartPage(t, 1, 150)}
	for _, tc := range []struct {
		name   string
		snr    float64
		o      Options
		mustOK bool
	}{
		{"snr35-ecm", 35, Options{}, true},
		{"snr35-noecm", 35, Options{NoECM: true}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, sr, out, ev := spandspFaultSend(t, spandsp.Options{SNR: tc.snr, Seed: 5}, tc.o, doc, nil)
			t.Logf("%s: faxd %v %d pages at %d bit/s ECM %v (%v); spandsp %v %d pages at %d", tc.name,
				res.Reason, res.Pages, res.BitRate, res.ECM, res.Err, sr.Code, sr.Pages, sr.BitRate)
			if n := len(events[PageConfirmed](ev)); n != res.Pages {
				t.Errorf("faxd: %d pages, %d PageConfirmed events", res.Pages, n)
			}
			if res.Pages > sr.Pages {
				t.Fatalf("faxd counts %d pages, spandsp confirmed %d\n%s", res.Pages, sr.Pages, ev.String())
			}
			if tc.mustOK && !res.OK() {
				t.Fatalf("faxd: %+v\n%s", res, ev.String())
			}
			if !res.OK() {
				switch res.Reason {
				case ReasonTrainingFailed, ReasonNoResponse, ReasonPageRejected, ReasonLineDropped, ReasonNotFax, ReasonProtocol:
				default:
					t.Errorf("faxd ended with %v (%v)", res.Reason, res.Err)
				}
				return
			}
			if !sr.OK() || sr.Pages != len(doc) {
				t.Fatalf("faxd OK, spandsp %v with %d pages", sr.Code, sr.Pages)
			}
			if res.BitRate < 14400 {
				tr := events[Training](ev)
				t.Logf("fell back to %d bit/s: %v", res.BitRate, tr)
			}
			got := receivedTIFF(t, out)
			for i := range doc {
				if i >= len(got) || !got[i].Equal(doc[i]) {
					if !res.ECM {
						// Without ECM a noisy line may damage rows the
						// receiver still accepts (MCF/RTP); only ECM
						// guarantees identical pages.
						t.Logf("page %d not identical (non-ECM)", i+1)
						continue
					}
					t.Fatalf("page %d differs", i+1)
				}
			}
		})
	}
}

// TestSpandspFaultCut: the line is cut and the call dropped one second
// into page 2 (Line.Cut, as Options.CutAfter does, but timed from faxd's
// own PageStarted event so that it always lands in the page): faxd
// reports the line dropped during page 2 with page 1 confirmed, and
// spandsp's terminal agrees on one page.
func TestSpandspFaultCut(t *testing.T) {
	doc := Pages{chartPage(t, 1, 120), chartPage(t, 2, 600)}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			res, sr, _, ev := spandspFaultSend(t, spandsp.Options{}, mode.o, doc, func(l *spandsp.Line, e Event) {
				if p, ok := e.(PageStarted); ok && p.Page == 2 {
					time.AfterFunc(time.Second, func() { l.Cut(true) })
				}
			})
			t.Logf("faxd %v %d pages (%q, %v); spandsp %v %d pages", res.Reason, res.Pages, res.Text, res.Err, sr.Code, sr.Pages)
			if res.Pages > sr.Pages {
				t.Fatalf("faxd counts %d pages, spandsp confirmed %d\n%s", res.Pages, sr.Pages, ev.String())
			}
			if res.Reason != ReasonLineDropped || res.Pages != 1 || res.Text != "the line dropped during page 2" {
				t.Fatalf("faxd: %v with %d pages (%q, %v), want line-dropped during page 2 with 1\n%s", res.Reason, res.Pages, res.Text, res.Err, ev.String())
			}
			if sr.OK() || sr.Pages != 1 {
				t.Fatalf("spandsp: %v with %d pages, want a failure with 1", sr.Code, sr.Pages)
			}
		})
	}
}

// TestSpandspFaultNoiseFallback: at 31 dB SNR spandsp's receiver detects
// no training check at any rate (its log says "No TCF data received") and
// answers FTT only when its T2 runs out. faxd hears each late FTT, falls
// back through every rate of the ladder down to 2400, and ends with
// training-failed: the right reason, with no page counted.
func TestSpandspFaultNoiseFallback(t *testing.T) {
	t.Parallel() // a minute of real time: overlap it with the other calls
	doc := Pages{chartPage(t, 1, 60)}
	res, sr, _, ev := spandspFaultSend(t, spandsp.Options{SNR: 31, Seed: 7}, Options{NoECM: true}, doc, nil)
	var rates []int
	for _, e := range events[Training](ev) {
		if e.OK {
			t.Fatalf("training at %d succeeded at 31 dB; the scenario needs spandsp to fail it\n%s", e.BitRate, ev.String())
		}
		rates = append(rates, e.BitRate)
	}
	want := []int{14400, 12000, 9600, 7200, 4800, 2400}
	if fmt.Sprint(rates) != fmt.Sprint(want) {
		t.Fatalf("trained at %v, want the whole ladder %v\n%s", rates, want, ev.String())
	}
	if res.Reason != ReasonTrainingFailed || res.Pages != 0 || sr.Pages != 0 {
		t.Fatalf("faxd %v %d pages (%v); spandsp %v %d pages", res.Reason, res.Pages, res.Err, sr.Code, sr.Pages)
	}
}
