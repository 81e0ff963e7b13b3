package t38_test

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"testing"
	"testing/synctest"
	"time"

	"faxbox/pages"
	"faxbox/t30"
	"faxbox/t38"
)

// chart returns the top rows of ITU chart n at fine resolution, from
// Debian's jbigkit-testdata (make test installs it).
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

type goCall struct {
	send, recv t30.Result
	got        []*pages.Page
	sendStats  t38.LineStats
	recvStats  t38.LineStats
	capture    *captureConn // the sender's datagrams both ways
}

// runGoCall runs Faxbox's T.30 engine at both ends of a T.38 session over
// an in-memory network on fake time.
func runGoCall(t *testing.T, doc t30.Pages, params t38.Params, so t30.Options, loss, swap float64) goCall {
	t.Helper()
	return runGoCallOver(t, doc, params, so, loss, swap, nil)
}

// runGoCallWrapped is runGoCall without random loss, the sender's
// datagrams going through wrap (which may drop some).
func runGoCallWrapped(t *testing.T, doc t30.Pages, params t38.Params, so t30.Options, wrap func(net.PacketConn) net.PacketConn) goCall {
	t.Helper()
	return runGoCallOver(t, doc, params, so, 0, 0, wrap)
}

func runGoCallOver(t *testing.T, doc t30.Pages, params t38.Params, so t30.Options, loss, swap float64, wrap func(net.PacketConn) net.PacketConn) goCall {
	t.Helper()
	var c goCall
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		ca, cb := memPair(loss, swap, 30*time.Millisecond, 1)
		defer ca.Close()
		defer cb.Close()
		var out net.PacketConn = ca
		if wrap != nil {
			out = wrap(ca)
		}
		c.capture = &captureConn{PacketConn: out}
		a, err := t38.NewLine(c.capture, ca.peerAddr, t38.Config{Params: params})
		if err != nil {
			t.Fatal(err)
		}
		b, err := t38.NewLine(cb, cb.peerAddr, t38.Config{Params: params})
		if err != nil {
			t.Fatal(err)
		}
		so.Modulations = params.Modulations()
		ro := t30.Options{Modulations: params.Modulations(), Ident: "RECEIVER", Logger: so.Logger}
		ro.OnPage = func(p t30.ReceivedPage) error { c.got = append(c.got, p.Page); return nil }
		done := make(chan struct{})
		go func() {
			defer close(done)
			c.recv = t30.Receive(ctx, b, ro)
		}()
		c.send = t30.Send(ctx, a, "", doc, so)
		<-done
		c.sendStats, c.recvStats = a.Stats(), b.Stats()
	})
	return c
}

func (c goCall) check(t *testing.T, doc t30.Pages) {
	t.Helper()
	if !c.send.OK() || !c.recv.OK() {
		t.Fatalf("send %+v\nreceive %+v", c.send, c.recv)
	}
	if len(c.got) != len(doc) {
		t.Fatalf("%d pages received, want %d", len(c.got), len(doc))
	}
	for i, p := range c.got {
		if !p.Equal(doc[i]) {
			x, y, _ := p.FirstDifference(doc[i])
			t.Fatalf("page %d differs at (%d,%d)", i+1, x, y)
		}
	}
}

// TestLineFaxboxToFaxbox runs whole calls between two T.38 lines: ECM and
// not, at each family's top rate.
func TestLineFaxboxToFaxbox(t *testing.T) {
	doc := t30.Pages{chart(t, 1, 800), chart(t, 2, 400)}
	for _, tc := range []struct {
		name string
		rate int
		ecm  bool
	}{{"v17-ecm", 14400, true}, {"v17", 14400, false}, {"v29-ecm", 9600, true}, {"v29", 9600, false}, {"v27ter-ecm", 4800, true}, {"v27ter", 4800, false}, {"v27ter-2400", 2400, false}} {
		t.Run(tc.name, func(t *testing.T) {
			p := t38.Default()
			p.MaxBitRate = tc.rate
			c := runGoCall(t, doc, p, t30.Options{NoECM: !tc.ecm, Ident: "SENDER"}, 0, 0)
			c.check(t, doc)
			if c.send.BitRate != tc.rate || c.send.ECM != tc.ecm {
				t.Errorf("negotiated %d bit/s ECM %v", c.send.BitRate, c.send.ECM)
			}
			c.capture.checkTshark(t, p.Version == 0)
			t.Logf("%s: %v for %d pages; sent %+v", tc.name, c.send.Connected, c.send.Pages, c.sendStats)
		})
	}
}

// TestLineLossyECM: with 5 % of datagrams lost and some reordered both
// ways, redundancy (or parity, with FEC) fills the gaps and an ECM call
// delivers identical pages.
func TestLineLossyECM(t *testing.T) {
	doc := t30.Pages{chart(t, 1, 800)}
	for _, ec := range []t38.ErrorCorrection{t38.ECRedundancy, t38.ECFEC} {
		p := t38.Default()
		p.ErrorCorrection = ec
		c := runGoCall(t, doc, p, t30.Options{Ident: "SENDER"}, 0.05, 0.05)
		c.check(t, doc)
		if c.recvStats.Recovered == 0 {
			t.Errorf("nothing recovered: %+v", c.recvStats)
		}
		t.Logf("error correction %d: receiver %+v", ec, c.recvStats)
	}
}

// TestLineLocalTCF: with data rate management method 1 neither side sends
// or expects TCF data, and the call goes through.
func TestLineLocalTCF(t *testing.T) {
	doc := t30.Pages{chart(t, 2, 300)}
	for _, ecm := range []bool{false, true} {
		p := t38.Default()
		p.RateManagement = t38.LocalTCF
		c := runGoCall(t, doc, p, t30.Options{Ident: "SENDER", NoECM: !ecm}, 0, 0)
		c.check(t, doc)
		for _, r := range c.capture.records(true) {
			if bytes.Contains(r.Data, bytes.Repeat([]byte{0}, 64)) {
				t.Fatalf("ECM %v: TCF data sent: % x", ecm, r.Data[:16])
			}
		}
	}
}

func TestParamsValidate(t *testing.T) {
	if err := t38.Default().Validate(); err != nil {
		t.Fatal(err)
	}
	var pe *t38.ParamsError
	for _, p := range []t38.Params{{Version: 4}, {MaxBitRate: 300}, {MaxDatagram: 10}, {ErrorCorrection: 7}} {
		if _, err := t38.NewLine(nil, nil, t38.Config{Params: p}); !errors.As(err, &pe) {
			t.Errorf("%+v: %v", p, err)
		}
	}
	p := t38.Default()
	p.MaxBitRate = 9600
	for _, m := range p.Modulations() {
		if m.Rate() > 9600 {
			t.Errorf("modulation %d allowed at 9600 bit/s", m)
		}
	}
}
