package modem

import "bytes"

// Transparency characters of the T.31 data states (T.31 8.3.2, 8.3.3).
const (
	dle = 0x10 // data link escape
	etx = 0x03 // <DLE><ETX>: end of data
	sub = 0x1a // <DLE><SUB>: two DLE data bytes
	can = 0x18 // aborts a receive command
)

// AppendStuffed appends src to dst with every DLE doubled, as the DTE must
// send data after CONNECT (T.31 8.3.2). It does not add <DLE><ETX>.
func AppendStuffed(dst, src []byte) []byte {
	for len(src) > 0 {
		i := bytes.IndexByte(src, dle)
		if i < 0 {
			return append(dst, src...)
		}
		dst = append(dst, src[:i+1]...)
		dst = append(dst, dle)
		src = src[i+1:]
	}
	return dst
}

// Unstuffer decodes the DCE-to-DTE data stream of +FRH and +FRM (T.31
// 8.3.3): <DLE><DLE> and <DLE><SUB> give one and two DLEs, <DLE>q and
// <DLE>s give DC1 and DC3 (modems that escape XON/XOFF), <DLE><ETX> ends
// the stream, and any other <DLE>x pair is dropped. It keeps a DLE split
// across calls. The zero value is ready to use.
type Unstuffer struct {
	pending bool // the last byte seen was a DLE
}

// Reset forgets a pending DLE.
func (u *Unstuffer) Reset() { u.pending = false }

// Decode appends the decoded bytes of src to dst. It returns dst, the
// number of src bytes consumed and whether <DLE><ETX> was seen; bytes after
// <DLE><ETX> are not consumed.
func (u *Unstuffer) Decode(dst, src []byte) (out []byte, n int, end bool) {
	for n < len(src) {
		if u.pending {
			u.pending = false
			c := src[n]
			n++
			switch c {
			case dle:
				dst = append(dst, dle)
			case sub:
				dst = append(dst, dle, dle)
			case etx:
				return dst, n, true
			case 'q', 'Q':
				dst = append(dst, 0x11)
			case 's', 'S':
				dst = append(dst, 0x13)
			}
			continue
		}
		i := bytes.IndexByte(src[n:], dle)
		if i < 0 {
			return append(dst, src[n:]...), len(src), false
		}
		dst = append(dst, src[n:n+i]...)
		n += i + 1
		u.pending = true
	}
	return dst, n, false
}

// FCS returns the HDLC frame check sequence of p (ITU-T V.42 8.1.1.6.1,
// the CRC-16 of ISO 3309 that T.30 5.3.7 uses: CRC-16/X.25), to be sent
// low byte first. The T.30 engine uses it for the ECM frames it frames
// itself; the simulator for the frames it carries.
func FCS(p []byte) uint16 {
	crc := uint16(0xffff)
	for _, b := range p {
		crc ^= uint16(b)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0x8408
			} else {
				crc >>= 1
			}
		}
	}
	return ^crc
}
