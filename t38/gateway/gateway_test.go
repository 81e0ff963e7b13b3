//go:build spandsp

package gateway_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	msp "faxbox/modem/spandsp"
	"faxbox/pages"
	"faxbox/t30"
	"faxbox/t38"
	"faxbox/t38/gateway"
)

// chart returns ITU-T test chart n (jbigkit's testdata), cut to rows rows
// when rows > 0, at fine resolution.
func chart(t testing.TB, n, rows int) *pages.Page {
	t.Helper()
	out, err := exec.Command("jbgtopbm", fmt.Sprintf("/usr/share/jbigkit-testdata/ccitt%d.jbg", n)).Output()
	if err != nil {
		t.Fatalf("jbgtopbm: %v (make test installs jbigkit-bin and jbigkit-testdata)", err)
	}
	ps, err := pages.ReadPBMs(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	p := ps[0]
	if rows > 0 && rows < p.Height {
		q, _ := pages.NewPage(p.Width, rows)
		copy(q.Pix, p.Pix)
		p = q
	}
	p.XDPI, p.YDPI = 204, 196
	return p
}

func listenUDP(t testing.TB) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// call is one fax between faxd's T.38 line and the fax terminal behind
// spandsp's gateway.
type call struct {
	ecm     bool
	rate    int
	version int
}

func (c call) line(t testing.TB) (*t38.Line, *net.UDPConn, net.Addr, t30.Options) {
	ours, theirs := listenUDP(t), listenUDP(t)
	p := t38.Default()
	p.Version, p.MaxBitRate = c.version, c.rate
	cfg := t38.Config{Params: p}
	if os.Getenv("GWTRACE") != "" {
		cfg.Trace = func(e t38.TraceEntry) {
			t.Logf("%s sent=%v seq=%d %v rec=%v", e.At.Format("05.000"), e.Sent, e.Seq, e.Packet, e.Recovered)
		}
	}
	l, err := t38.NewLine(ours, theirs.LocalAddr(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	o := t30.Options{Ident: "+32 2 555 01 01", NoECM: !c.ecm, MaxRate: c.rate, Modulations: p.Modulations()}
	if os.Getenv("GWTRACE") != "" {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return l, theirs, ours.LocalAddr(), o
}

func (c call) fax(role msp.Role, file string) msp.FaxConfig {
	return msp.FaxConfig{Role: role, File: file, Ident: "+44 20 7946 0000", ECM: c.ecm, Modems: msp.V27ter | msp.V29 | msp.V17}
}

// send: faxd calls through the gateway to the fax terminal, which
// receives; it returns faxd's result and the pages the terminal stored.
func (c call) send(t testing.TB, doc t30.Pages) (t30.Result, gateway.Result, []*pages.Page) {
	l, theirs, ours, o := c.line(t)
	rx := filepath.Join(t.TempDir(), "rx.tif")
	g, err := gateway.Start(theirs, ours, gateway.Config{Fax: c.fax(msp.Receive, rx), Version: c.version, Redundancy: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res := t30.Send(ctx, l, "", doc, o)
	gr, err := g.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return res, gr, readTIFF(t, rx)
}

// receive: the fax terminal behind the gateway calls faxd and sends doc;
// it returns faxd's result, the gateway's and the pages faxd received.
func (c call) receive(t testing.TB, doc t30.Pages) (t30.Result, gateway.Result, []*pages.Page) {
	l, theirs, ours, o := c.line(t)
	tx := filepath.Join(t.TempDir(), "tx.tif")
	writeTIFF(t, tx, doc)
	g, err := gateway.Start(theirs, ours, gateway.Config{Fax: c.fax(msp.Send, tx), Calling: true, Version: c.version, Redundancy: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var got []*pages.Page
	o.OnPage = func(p t30.ReceivedPage) error { got = append(got, p.Page); return nil }
	res := t30.Receive(ctx, l, o)
	gr, err := g.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return res, gr, got
}

func writeTIFF(t testing.TB, path string, doc t30.Pages) {
	t.Helper()
	var b bytes.Buffer
	if err := pages.WriteTIFF(&b, doc, pages.EncoderOptions{Coding: pages.MH}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func check(t *testing.T, c call, res t30.Result, gr gateway.Result, got []*pages.Page, want t30.Pages) {
	t.Helper()
	if !res.OK() || res.Pages != len(want) || !gr.OK() || gr.Pages != len(want) {
		t.Fatalf("faxd: %+v\ngateway's fax terminal: %+v", res, gr)
	}
	if res.BitRate != c.rate || gr.BitRate != c.rate || res.ECM != c.ecm || gr.ECM != c.ecm {
		t.Fatalf("faxd %d bit/s ECM %v, fax terminal %d bit/s ECM %v; want %d, %v", res.BitRate, res.ECM, gr.BitRate, gr.ECM, c.rate, c.ecm)
	}
	if res.RemoteIdent != "+44 20 7946 0000" {
		t.Fatalf("remote ident %q", res.RemoteIdent)
	}
	if len(got) != len(want) {
		t.Fatalf("%d pages, want %d", len(got), len(want))
	}
	for i := range want {
		if !got[i].Equal(want[i]) {
			x, y, _ := got[i].FirstDifference(want[i])
			t.Fatalf("page %d differs at (%d,%d)", i+1, x, y)
		}
	}
	t.Logf("%d pages at %d bit/s ECM %v in %.1f s; gateway counted %d pages, sent %d and received %d IFP packets",
		res.Pages, res.BitRate, res.ECM, res.Connected.Seconds(), gr.GatewayPages, gr.Sent, gr.Received)
}

// TestThroughGateway: faxd's T.38 line calls spandsp's T.38 gateway with
// spandsp's audio fax terminal behind it, as a fax machine behind a VoIP
// gateway, ECM on and off; pages pixel-identical.
func TestThroughGateway(t *testing.T) {
	doc := t30.Pages{chart(t, 1, 350), chart(t, 2, 250)}
	for _, c := range []call{{ecm: true, rate: 14400, version: 0}, {rate: 9600, version: 3}} {
		name := fmt.Sprintf("%d-ecm-%v-v%d", c.rate, c.ecm, c.version)
		t.Run("faxd-sends/"+name, func(t *testing.T) {
			t.Parallel()
			res, gr, got := c.send(t, doc)
			check(t, c, res, gr, got, doc)
		})
		// The gateway sends the end of the V.21 signal before the TCF
		// on its own (hdlc-sig-end after the DCS's frames).
		t.Run("faxd-receives/"+name, func(t *testing.T) {
			t.Parallel()
			res, gr, got := c.receive(t, doc)
			check(t, c, res, gr, got, doc)
		})
	}
}

func readTIFF(t testing.TB, path string) []*pages.Page {
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
