package modem_test

import (
	"bytes"
	"testing"

	"faxbox/modem"
)

// FuzzUnstuffer checks that stuffing then unstuffing gives the data back
// however the stream is split, and that arbitrary input decodes the same
// in one piece or two.
func FuzzUnstuffer(f *testing.F) {
	f.Add([]byte{}, uint(0))
	f.Add([]byte{0x10, 0x03, 0x10}, uint(1))
	f.Add([]byte{0x10, 0x10, 0x10, 0x1a, 0x03}, uint(3))
	f.Add([]byte("\xff\x13\x80\x00\xce\xf4"), uint(2))
	f.Fuzz(func(t *testing.T, data []byte, split uint) {
		st := append(modem.AppendStuffed(nil, data), 0x10, 0x03)
		k := int(split % uint(len(st)+1))
		var u modem.Unstuffer
		out, n1, end := u.Decode(nil, st[:k])
		if end && k != len(st) {
			t.Fatalf("end inside the data at %d of %d", n1, len(st))
		}
		if !end {
			var n2 int
			out, n2, end = u.Decode(out, st[k:])
			n1 += n2
		}
		if !end || n1 != len(st) || !bytes.Equal(out, data) {
			t.Fatalf("round trip: end %v n %d/%d, got % x want % x", end, n1, len(st), out, data)
		}

		k = int(split % uint(len(data)+1))
		var whole, parts modem.Unstuffer
		a, na, ea := whole.Decode(nil, data)
		b, nb, eb := parts.Decode(nil, data[:k])
		if !eb {
			var n int
			b, n, eb = parts.Decode(b, data[k:])
			nb += n
		}
		if ea != eb || na != nb || !bytes.Equal(a, b) {
			t.Fatalf("split at %d: (% x, %d, %v) vs (% x, %d, %v)", k, a, na, ea, b, nb, eb)
		}
	})
}

// FuzzParseResult checks that the result parser never panics and that a
// recognised code prints as a line that parses to the same code.
func FuzzParseResult(f *testing.F) {
	for _, s := range []string{"OK", "CONNECT 14400", "NO CARRIER", "+FCERROR", "NMBR = 5551234", "\x00\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		c := modem.ParseResult(line)
		if c != modem.CodeNone && modem.ParseResult([]byte(c.String())) != c {
			t.Fatalf("%q -> %v does not round-trip", line, c)
		}
	})
}

// FuzzWireLog checks that the log never panics and accounts for every
// byte it shows in hex.
func FuzzWireLog(f *testing.F) {
	f.Add([]byte("\r\nCONNECT\r\n\xff\x13\x10\x03\r\nOK\r\n"))
	f.Fuzz(func(t *testing.T, p []byte) {
		var b bytes.Buffer
		modem.NewWireLog(&b).Log(modem.FromModem, p)
		if len(p) > 0 && b.Len() == 0 && bytes.ContainsFunc(p, func(r rune) bool { return r != '\r' && r != '\n' }) {
			t.Fatalf("nothing logged for % x", p)
		}
	})
}
