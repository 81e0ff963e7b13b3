package t38_test

import (
	"bytes"
	"context"
	"net"
	"sync"
	"testing"

	"faxbox/modem"
	"faxbox/t30"
	"faxbox/t38"
)

// dropConn drops the t4-non-ecm-data packets from..from+n-1 of the
// signal'th high-speed data signal it sends (0 is the first TCF), and
// only those: a deterministic loss beyond any recovery.
type dropConn struct {
	net.PacketConn
	syn             t38.Syntax
	signal, from, n int

	mu      sync.Mutex
	signals int // high-speed data signals ended so far
	packets int // t4-non-ecm-data packets of the current signal
	dropped int
}

func (c *dropConn) WriteTo(p []byte, a net.Addr) (int, error) {
	if c.drop(p) {
		return len(p), nil
	}
	return c.PacketConn.WriteTo(p, a)
}

func (c *dropConn) drop(p []byte) bool {
	dg, err := t38.ParseDatagram(p)
	if err != nil {
		return false
	}
	pk, err := c.syn.Unmarshal(dg.Primary)
	if err != nil || !pk.IsData || pk.Data == t38.V21 {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	drop := false
	for _, f := range pk.Fields {
		switch f.Type {
		case t38.T4NonECMData, t38.T4NonECMSigEnd:
			drop = drop || c.signals == c.signal && c.packets >= c.from && c.packets < c.from+c.n
			c.packets++
			if f.Type == t38.T4NonECMSigEnd {
				c.signals++
				c.packets = 0
			}
		}
	}
	if drop {
		c.dropped++
	}
	return drop
}

// TestLineNonECMLossGetsRTN: without ECM, page data lost for good (no
// redundancy, a run of packets dropped) is counted against the page's
// copy quality: the receiver answers RTN instead of confirming a page
// short of rows, the sender retrains and sends the page again, and it
// arrives whole.
func TestLineNonECMLossGetsRTN(t *testing.T) {
	doc := t30.Pages{chart(t, 1, 800)}
	p := t38.Default()
	p.ErrorCorrection = t38.ECNone
	p.MaxBitRate = 9600
	var rejected []t30.PageRejected
	so := t30.Options{NoECM: true, Ident: "SENDER", OnEvent: func(e t30.Event) {
		if r, ok := e.(t30.PageRejected); ok {
			rejected = append(rejected, r)
		}
	}}
	var dc *dropConn
	wrap := func(c net.PacketConn) net.PacketConn {
		dc = &dropConn{PacketConn: c, syn: t38.Syntax{Version: p.Version, PreCorrigendum: true}, signal: 1, from: 40, n: 12}
		return dc
	}
	c := runGoCallWrapped(t, doc, p, so, wrap)
	if dc.dropped != 12 {
		t.Fatalf("%d packets dropped, want 12", dc.dropped)
	}
	if c.recvStats.Lost != 12 {
		t.Errorf("receiver counted %d packets lost, want 12: %+v", c.recvStats.Lost, c.recvStats)
	}
	if len(rejected) != 1 || rejected[0].Page != 1 {
		t.Errorf("pages rejected (RTN): %+v, want page 1 once", rejected)
	}
	c.check(t, doc)
}

// TestLineReportsLostPageData: t4-non-ecm-data packets lost beyond
// redundancy are reported where they were, with an estimate of their
// octets; one the redundancy rebuilds is not.
func TestLineReportsLostPageData(t *testing.T) {
	withLine(t, func(ctx context.Context, l *t38.Line, p *peer) {
		var dgs [][]byte
		packet := func(pk t38.Packet) {
			ifp, err := p.syn.Marshal(pk)
			if err != nil {
				t.Fatal(err)
			}
			dgs = append(dgs, p.encode(ifp))
		}
		packet(t38.Packet{Indicator: t38.V17At14400ShortTraining})
		var page []byte
		for i := range 10 {
			chunk := bytes.Repeat([]byte{byte(i + 1)}, 8)
			page = append(page, chunk...)
			typ := t38.T4NonECMData
			if i == 9 {
				typ = t38.T4NonECMSigEnd
			}
			packet(t38.Packet{IsData: true, Data: t38.V17At14400, Fields: []t38.Field{{Type: typ, Data: lineOrder(chunk)}}})
		}
		packet(t38.Packet{Indicator: t38.NoSignal})
		// Datagrams 1 to 10 carry the data; each repeats the one before.
		// Losing those of chunks 4, 5 and 6 loses 4 and 5 for good.
		for i, dg := range dgs {
			if i < 5 || i > 7 {
				p.raw(dg)
			}
		}
		type hole struct{ at, octets int }
		var holes []hole
		var buf bytes.Buffer
		_, err := l.ReceiveDataReportingLoss(ctx, modem.V17At14400S, &buf, func(octets int) {
			holes = append(holes, hole{buf.Len(), octets})
		})
		if err != nil {
			t.Fatal(err)
		}
		want := append(append([]byte(nil), page[:32]...), page[48:]...)
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("data % x, want % x", buf.Bytes(), want)
		}
		if len(holes) != 1 || holes[0] != (hole{32, 16}) {
			t.Errorf("holes %+v, want 16 octets at 32", holes)
		}
		if s := l.Stats(); s.Lost != 2 || s.Recovered != 1 {
			t.Errorf("stats %+v", s)
		}
	})
}

// TestLineNonECMRandomLoss: through 1 % and 3 % random loss without
// redundancy or ECM, every page the receiver confirms has its height
// (within 2 %: the rows put back for a hole are an estimate), and the
// two ends agree on what was confirmed.
func TestLineNonECMRandomLoss(t *testing.T) {
	doc := t30.Pages{chart(t, 1, 800), chart(t, 2, 400)}
	for _, loss := range []float64{0.01, 0.03} {
		p := t38.Default()
		p.ErrorCorrection = t38.ECNone
		p.MaxBitRate = 9600
		var rejected int
		so := t30.Options{NoECM: true, Ident: "SENDER", OnEvent: func(e t30.Event) {
			if _, ok := e.(t30.PageRejected); ok {
				rejected++
			}
		}}
		c := runGoCall(t, doc, p, so, loss, 0)
		for i, pg := range c.got {
			want := doc[i].Height
			if d := pg.Height - want; d < -want/50 || d > want/50 {
				t.Errorf("loss %.2f: page %d confirmed with %d rows of %d", loss, i+1, pg.Height, want)
			}
		}
		if c.send.Pages != len(c.got) || c.recv.Pages != len(c.got) {
			t.Errorf("loss %.2f: sender %d pages, receiver %d, handed over %d", loss, c.send.Pages, c.recv.Pages, len(c.got))
		}
		t.Logf("loss %.2f: %d of %d pages confirmed, %d RTN; send %v; receiver %+v", loss, len(c.got), len(doc), rejected, c.send.Reason, c.recvStats)
	}
}
