//go:build spandsp && interopfull

package t30

// The full interoperability matrix with spandsp (make interop-full): every
// rate, coding and ECM setting, both directions. make test runs a subset
// (spandsp_test.go) within its time budget.

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"faxbox/modem"
	"faxbox/modem/spandsp"
	"faxbox/pages"
)

func TestInteropFull(t *testing.T) {
	doc := Pages{chartPage(t, 1, 300), chartPage(t, 7, 200)}
	type cfg struct {
		rate   int
		coding string
		ecm    bool
	}
	var sends, recvs []cfg
	for _, rate := range []int{14400, 12000, 9600, 7200, 4800, 2400} {
		for _, c := range []string{"mh", "mr", "mmr"} {
			for _, ecm := range []bool{false, true} {
				if c == "mmr" && !ecm {
					continue
				}
				sends = append(sends, cfg{rate, c, ecm})
				if rate == 14400 || rate == 9600 || rate == 4800 {
					recvs = append(recvs, cfg{rate, c, ecm})
				}
			}
		}
	}
	opts := func(c cfg) Options {
		return Options{MaxRate: c.rate, NoECM: !c.ecm, NoMR: c.coding == "mh", NoMMR: c.coding != "mmr"}
	}
	wantCoding := map[string]pages.Coding{"mh": pages.MH, "mr": pages.MR, "mmr": pages.MMR}
	for _, c := range sends {
		t.Run(fmt.Sprintf("send-%d-%s-ecm%v", c.rate, c.coding, c.ecm), func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "rx.tif")
			l, err := spandsp.NewModemToFax(spandsp.Options{}, spandsp.FaxConfig{Role: spandsp.Receive, File: out, ECM: true,
				Compressions: spandsp.MH | spandsp.MR | spandsp.MMR})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			m := openDriver(t, l)
			defer m.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
			defer cancel()
			res := Send(ctx, m, "5550142", doc, opts(c))
			sr, err := l.Wait(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !res.OK() || res.Pages != 2 || !sr.OK() || res.BitRate != c.rate || res.Coding != wantCoding[c.coding] || res.ECM != c.ecm {
				t.Fatalf("faxd %+v; spandsp %v %d", res, sr.Code, sr.Pages)
			}
			for i, p := range receivedTIFF(t, out) {
				if !p.Equal(doc[i]) {
					t.Fatalf("page %d differs", i+1)
				}
			}
			t.Logf("%.1f s", res.Connected.Seconds())
		})
	}
	for _, c := range recvs {
		t.Run(fmt.Sprintf("receive-%d-%s-ecm%v", c.rate, c.coding, c.ecm), func(t *testing.T) {
			t.Parallel()
			in := filepath.Join(t.TempDir(), "tx.tif")
			writeTIFF(t, in, doc)
			l, err := spandsp.NewModemToFax(spandsp.Options{}, spandsp.FaxConfig{Role: spandsp.Send, File: in, ECM: true,
				Compressions: spandsp.MH | spandsp.MR | spandsp.MMR})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			m := openDriver(t, l)
			defer m.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
			defer cancel()
			if _, err := m.WaitRing(ctx); err != nil {
				t.Fatal(err)
			}
			o := opts(c)
			switch c.rate {
			case 9600:
				o.Modulations = []modem.Modulation{24, 48, 72, 96}
			case 4800:
				o.Modulations = []modem.Modulation{24, 48}
			}
			var got []*pages.Page
			o.OnPage = func(p ReceivedPage) error { got = append(got, p.Page); return nil }
			res := Receive(ctx, m, o)
			sr, err := l.Wait(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !res.OK() || res.Pages != 2 || !sr.OK() || res.BitRate != c.rate || res.Coding != wantCoding[c.coding] || res.ECM != c.ecm {
				t.Fatalf("faxd %+v; spandsp %v %d", res, sr.Code, sr.Pages)
			}
			for i := range doc {
				if !got[i].Equal(doc[i]) {
					t.Fatalf("page %d differs", i+1)
				}
			}
			t.Logf("%.1f s", res.Connected.Seconds())
		})
	}
}
