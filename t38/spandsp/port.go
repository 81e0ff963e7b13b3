//go:build spandsp

package spandsp

import (
	"errors"
	"fmt"
	"net"

	"faxbox/t38"
)

// ReadDatagrams sends a copy of each datagram conn receives to in, until
// conn fails for good or finished or quit is closed; a read timeout (the
// deadline a Close sets to wake the read) is retried unless one of them
// is. It is the read loop of Terminal and of package gateway's harness.
func ReadDatagrams(conn net.PacketConn, in chan<- []byte, finished, quit <-chan struct{}) {
	buf := make([]byte, 65536)
	for {
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			select {
			case <-finished:
				return
			case <-quit:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		select {
		case in <- append([]byte(nil), buf[:n]...):
		case <-finished:
			return
		}
	}
}

// SendIFP sends one IFP packet b from spandsp to remote as a UDPTL
// datagram with redundancy earlier packets, count times (spandsp's own
// repetition of indicators), each copy the same datagram. It reports
// whether the packet was encoded, and the first error.
func SendIFP(conn net.PacketConn, remote net.Addr, enc *t38.Encoder, b []byte, redundancy, count int) (bool, error) {
	d, err := enc.Encode(b, redundancy)
	if err != nil {
		return false, fmt.Errorf("UDPTL encode: %w", err)
	}
	var first error
	for range max(count, 1) {
		if _, err := conn.WriteTo(d, remote); err != nil && first == nil {
			first = fmt.Errorf("send: %w", err)
		}
	}
	return true, first
}
