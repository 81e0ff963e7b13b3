package t38_test

import (
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"faxbox/t38"
)

// captureConn records every datagram a PacketConn sends and receives.
type captureConn struct {
	net.PacketConn
	mu   sync.Mutex
	recs []t38.PcapRecord
}

func (c *captureConn) ReadFrom(p []byte) (int, net.Addr, error) {
	n, a, err := c.PacketConn.ReadFrom(p)
	if err == nil {
		c.add(p[:n], false)
	}
	return n, a, err
}

func (c *captureConn) WriteTo(p []byte, a net.Addr) (int, error) {
	c.add(p, true)
	return c.PacketConn.WriteTo(p, a)
}

func (c *captureConn) add(p []byte, out bool) {
	c.mu.Lock()
	c.recs = append(c.recs, t38.PcapRecord{Data: append([]byte(nil), p...), Out: out})
	c.mu.Unlock()
}

// spandspEmptySigEnd is what Wireshark 4.0's T.38 reassembly says of a
// t4-non-ecm-sig-end without data, which spandsp sends at the end of page
// data (T.38 7.4 allows it; Faxbox puts the last data in it instead).
const spandspEmptySigEnd = "[RECEIVED END OF FRAGMENT W/OUT ANY FRAGMENT DATA]"

func (c *captureConn) records(sentOnly bool) []t38.PcapRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	var recs []t38.PcapRecord
	for _, r := range c.recs {
		if r.Out || !sentOnly {
			recs = append(recs, r)
		}
	}
	return recs
}

// decodes writes recs as a pcap file and has Wireshark's dissector decode
// it: no malformed packet or error but those allowed, and every datagram
// seen as UDPTL.
func decodes(t testing.TB, recs []t38.PcapRecord, pre bool, allow ...string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "call.pcap")
	t38.WritePcap(t, path, recs)
	out := t38.Tshark(t, path, pre, allow...)
	if n := strings.Count(out, "UDPTLPacket"); n != len(recs) {
		t.Errorf("tshark decoded %d of %d datagrams as UDPTL", n, len(recs))
	}
}

// checkTshark has Wireshark decode a call between two Faxbox lines, as
// one of them captured it (both directions).
func (c *captureConn) checkTshark(t testing.TB, pre bool) {
	t.Helper()
	recs := c.records(false)
	decodes(t, recs, pre)
	t.Logf("tshark decoded the call's %d datagrams without error", len(recs))
}

// checkTsharkWithSpandsp has Wireshark decode what Faxbox sent (c), with
// no error at all, and what spandsp sent (theirs, captured before any
// loss), with no error but spandspEmptySigEnd.
func (c *captureConn) checkTsharkWithSpandsp(t testing.TB, pre bool, theirs *captureConn) {
	t.Helper()
	ours, peer := c.records(true), theirs.records(true)
	decodes(t, ours, pre)
	decodes(t, peer, pre, spandspEmptySigEnd)
	t.Logf("tshark decoded the %d datagrams Faxbox sent without error, and spandsp's %d", len(ours), len(peer))
}
