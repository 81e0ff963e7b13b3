package t38_test

import (
	"net"
	"sync"
	"testing"

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
