//go:build spandsp

package t30

// Interoperability with spandsp 0.0.6: its T.31 software modem on a
// pseudo-terminal, driven by faxbox/modem exactly as hardware is, audio-
// linked in real time to spandsp's own T.30 fax terminal.

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"faxbox/modem"
	"faxbox/modem/spandsp"
	"faxbox/pages"
)

// openDriver opens the pty of modem 0 as a serial port and resets it.
func openDriver(t *testing.T, l *spandsp.Line) *modem.Modem {
	t.Helper()
	m, err := modem.Open(modem.PortConfig{Device: l.SlavePath(0), Baud: 115200}, modem.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.Reset(ctx); err != nil {
		m.Close()
		t.Fatal(err)
	}
	return m
}

// receivedTIFF reads what spandsp's terminal received.
func receivedTIFF(t *testing.T, path string) []*pages.Page {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ps, _, err := pages.ReadTIFF(data)
	if err != nil {
		t.Fatalf("spandsp's TIFF: %v", err)
	}
	return ps
}

// TestSpandspReceives: faxd sends, spandsp's fax terminal receives; every
// page arrives pixel-identical and both ends agree on the outcome.
func TestSpandspReceives(t *testing.T) {
	doc := Pages{chartPage(t, 1, 350), chartPage(t, 2, 250)}
	for _, tc := range []struct {
		name    string
		ecm     bool
		maxRate int
		comp    spandsp.Compression
		wantBPS int
	}{
		{"v17-14400-mr", false, 0, spandsp.MH | spandsp.MR, 14400},
		{"v29-9600-mh", false, 9600, spandsp.MH, 9600},
		{"v27-4800-mr", false, 4800, spandsp.MH | spandsp.MR, 4800},
		{"v17-12000-mh", false, 12000, spandsp.MH, 12000},
		{"v27-2400-mr", false, 2400, spandsp.MH | spandsp.MR, 2400},
		{"ecm-v17-14400-mmr", true, 0, spandsp.MH | spandsp.MR | spandsp.MMR, 14400},
		{"ecm-v29-7200-mr", true, 7200, spandsp.MH | spandsp.MR, 7200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "rx.tif")
			l, err := spandsp.NewModemToFax(spandsp.Options{}, spandsp.FaxConfig{
				Role: spandsp.Receive, File: out, Ident: "+1 555 0142", Compressions: tc.comp, ECM: tc.ecm,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			m := openDriver(t, l)
			defer m.Close()
			var ev eventLog
			ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
			defer cancel()
			res := Send(ctx, m, "5550142", doc, Options{Ident: "+32 2 555 01 01", MaxRate: tc.maxRate, OnEvent: ev.add})
			sr, err := l.Wait(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !res.OK() || res.Pages != len(doc) || !sr.OK() || sr.Pages != len(doc) {
				t.Fatalf("faxd: %+v\nspandsp: %v %d pages\nevents:\n%s", res, sr.Code, sr.Pages, ev.String())
			}
			if res.BitRate != tc.wantBPS || sr.BitRate != tc.wantBPS || res.RemoteIdent != "+1 555 0142" || sr.RemoteIdent != "+32 2 555 01 01" {
				t.Fatalf("rate %d/%d, idents %q/%q", res.BitRate, sr.BitRate, res.RemoteIdent, sr.RemoteIdent)
			}
			if res.ECM != tc.ecm || sr.ECM != tc.ecm {
				t.Fatalf("ECM %v/%v, want %v", res.ECM, sr.ECM, tc.ecm)
			}
			got := receivedTIFF(t, out)
			if len(got) != len(doc) {
				t.Fatalf("spandsp stored %d pages", len(got))
			}
			for i := range doc {
				if !got[i].Equal(doc[i]) {
					x, y, _ := got[i].FirstDifference(doc[i])
					t.Fatalf("page %d differs at (%d,%d), %dx%d", i+1, x, y, got[i].Width, got[i].Height)
				}
			}
			t.Logf("%s: %d pages in %.1f s connected", tc.name, res.Pages, res.Connected.Seconds())
		})
	}
}

// writeTIFF stores pages as a TIFF-F file for spandsp to send.
func writeTIFF(t *testing.T, path string, doc Pages) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw, err := pages.NewTIFFWriter(f, len(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range doc {
		if err := tw.WritePage(p, pages.EncoderOptions{Coding: pages.MH}); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestSpandspSends: spandsp's fax terminal calls and sends a multipage
// TIFF; faxd answers and receives identical pages.
func TestSpandspSends(t *testing.T) {
	doc := Pages{chartPage(t, 3, 300), chartPage(t, 5, 200), chartPage(t, 7, 150)}
	for _, tc := range []struct {
		name string
		comp spandsp.Compression
		opts Options
		ecm  bool
	}{
		{"mr-14400", spandsp.MH | spandsp.MR, Options{NoECM: true}, false},
		{"mh-9600", spandsp.MH | spandsp.MR, Options{NoECM: true, NoMR: true, Modulations: []modem.Modulation{24, 48, 72, 96}}, false},
		{"ecm-mmr-14400", spandsp.MH | spandsp.MR | spandsp.MMR, Options{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := filepath.Join(t.TempDir(), "tx.tif")
			writeTIFF(t, in, doc)
			l, err := spandsp.NewModemToFax(spandsp.Options{}, spandsp.FaxConfig{
				Role: spandsp.Send, File: in, Ident: "+44 20 7946 0000", Compressions: tc.comp, ECM: tc.ecm,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			m := openDriver(t, l)
			defer m.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
			defer cancel()
			if _, err := m.WaitRing(ctx); err != nil {
				t.Fatal(err)
			}
			var ev eventLog
			var got []*pages.Page
			o := tc.opts
			o.Ident = "+32 2 555 01 01"
			o.OnEvent = ev.add
			o.OnPage = func(p ReceivedPage) error { got = append(got, p.Page); return nil }
			res := Receive(ctx, m, o)
			sr, err := l.Wait(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !res.OK() || res.Pages != len(doc) || !sr.OK() || sr.Pages != len(doc) {
				t.Fatalf("faxd: %+v\nspandsp: %v %d pages\nevents:\n%s", res, sr.Code, sr.Pages, ev.String())
			}
			if res.RemoteIdent != "+44 20 7946 0000" || sr.RemoteIdent != "+32 2 555 01 01" {
				t.Fatalf("idents %q / %q", res.RemoteIdent, sr.RemoteIdent)
			}
			if res.ECM != tc.ecm || sr.ECM != tc.ecm {
				t.Fatalf("ECM %v/%v, want %v", res.ECM, sr.ECM, tc.ecm)
			}
			for i := range doc {
				if !got[i].Equal(doc[i]) {
					x, y, _ := got[i].FirstDifference(doc[i])
					t.Fatalf("page %d differs at (%d,%d), %dx%d", i+1, x, y, got[i].Width, got[i].Height)
				}
			}
			t.Logf("%s: %d pages at %d bit/s %v in %.1f s", tc.name, res.Pages, res.BitRate, res.Coding, res.Connected.Seconds())
		})
	}
}

// TestFaxdToFaxdThroughSpandsp: faxd sends and faxd receives, each through
// its own spandsp T.31 modem, audio-linked; both directions of the line
// carry what a real pair of modems would.
func TestFaxdToFaxdThroughSpandsp(t *testing.T) {
	doc := Pages{chartPage(t, 8, 300), chartPage(t, 4, 200)}
	for _, tc := range []struct {
		name     string
		opts     Options
		ecm      bool
		from, to int // which modem of the pair sends
	}{
		{"ecm-mmr", Options{}, true, 0, 1},
		{"mr-reverse", Options{NoECM: true}, false, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l, err := spandsp.NewModemPair(spandsp.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			open := func(i int) *modem.Modem {
				m, err := modem.Open(modem.PortConfig{Device: l.SlavePath(i)}, modem.Config{})
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if err := m.Reset(ctx); err != nil {
					t.Fatal(err)
				}
				return m
			}
			a, b := open(tc.from), open(tc.to)
			defer a.Close()
			defer b.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			var got []*pages.Page
			var rres Result
			done := make(chan struct{})
			go func() {
				defer close(done)
				if _, err := b.WaitRing(ctx); err != nil {
					rres.Err = err
					return
				}
				rres = Receive(ctx, b, Options{Ident: "+1 555 0199", OnPage: func(p ReceivedPage) error {
					got = append(got, p.Page)
					return nil
				}})
			}()
			o := tc.opts
			o.Ident = "+32 2 555 01 01"
			sres := Send(ctx, a, "5550199", doc, o)
			<-done
			if !sres.OK() || sres.Pages != 2 || !rres.OK() || rres.Pages != 2 || sres.ECM != tc.ecm {
				t.Fatalf("send %+v\nreceive %+v", sres, rres)
			}
			for i := range doc {
				if !got[i].Equal(doc[i]) {
					t.Fatalf("page %d differs", i+1)
				}
			}
			t.Logf("%s: %d pages at %d bit/s %v in %.1f s", tc.name, sres.Pages, sres.BitRate, sres.Coding, sres.Connected.Seconds())
		})
	}
}
