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

// checkTshark writes the capture as pcap files and has Wireshark's
// dissector decode them: the datagrams sent with no error at all; when
// the peer is not Faxbox (peerIsFaxbox false), the peer's datagrams with
// no error but spandspEmptySigEnd. Every datagram must decode as UDPTL.
func (c *captureConn) checkTshark(t testing.TB, pre, peerIsFaxbox bool) {
	t.Helper()
	c.mu.Lock()
	all := append([]t38.PcapRecord(nil), c.recs...)
	c.mu.Unlock()
	var sent, got []t38.PcapRecord
	for _, r := range all {
		if r.Out {
			sent = append(sent, r)
		} else {
			got = append(got, r)
		}
	}
	check := func(recs []t38.PcapRecord, allow ...string) {
		path := filepath.Join(t.TempDir(), "call.pcap")
		t38.WritePcap(t, path, recs)
		out := t38.Tshark(t, path, pre, allow...)
		if n := strings.Count(out, "UDPTLPacket"); n != len(recs) {
			t.Errorf("tshark decoded %d of %d datagrams as UDPTL", n, len(recs))
		}
	}
	if peerIsFaxbox {
		check(all)
	} else {
		check(sent)
		check(got, spandspEmptySigEnd)
	}
	t.Logf("tshark decoded the call's %d datagrams (%d sent by Faxbox, without error)", len(all), len(sent))
}
