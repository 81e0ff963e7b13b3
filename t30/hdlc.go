package t30

import (
	"errors"

	"faxbox/modem"
)

// Class 1 modems frame HDLC themselves only at V.21 (AT+FTH=3). ECM image
// frames (T.30 Annex A) travel at high speed through AT+FTM and AT+FRM as
// raw bits, so the engine frames them itself: flags, zero-bit insertion and
// the frame check sequence of ISO/IEC 13239 (T.30 5.3.7). Bits go on the
// line least significant first within each octet, the order in which the
// modem sends the bytes it is given.

const hdlcFlag = 0x7e

// hdlcEncoder packs HDLC frames into the bytes handed to AT+FTM.
type hdlcEncoder struct {
	out  []byte
	acc  uint32 // bits not yet emitted, first bit in bit 0
	n    uint   // number of bits in acc
	ones int    // consecutive 1 bits in the frame content, for stuffing
}

func (e *hdlcEncoder) bit(b uint32) {
	e.acc |= b << e.n
	e.n++
	if e.n == 8 {
		e.out = append(e.out, byte(e.acc))
		e.acc, e.n = 0, 0
	}
}

// flags appends n flag octets (no stuffing).
func (e *hdlcEncoder) flags(n int) {
	for range n {
		for i := range 8 {
			e.bit(hdlcFlag >> i & 1)
		}
	}
	e.ones = 0
}

// frame appends one frame's content and FCS with zero-bit insertion,
// followed by a closing flag.
func (e *hdlcEncoder) frame(content []byte) {
	fcs := modem.FCS(content)
	put := func(c byte) {
		for i := range 8 {
			b := uint32(c >> i & 1)
			e.bit(b)
			if b == 1 {
				e.ones++
				if e.ones == 5 {
					e.bit(0)
					e.ones = 0
				}
			} else {
				e.ones = 0
			}
		}
	}
	for _, c := range content {
		put(c)
	}
	put(byte(fcs))
	put(byte(fcs >> 8))
	e.flags(1)
}

// bytes flushes a partial octet with flag bits and returns the output.
func (e *hdlcEncoder) bytes() []byte {
	for i := 0; e.n != 0; i++ {
		e.bit(hdlcFlag >> (i % 8) & 1)
	}
	return e.out
}

// errHDLCAbort and errHDLCFCS describe frames the decoder drops.
var (
	errHDLCFCS   = errors.New("t30: HDLC frame with a bad FCS")
	errHDLCShort = errors.New("t30: HDLC frame too short")
	errHDLCLong  = errors.New("t30: HDLC frame too long")
)

// hdlcDecoder finds frames in the bits that AT+FRM delivers. It calls
// onFrame with each complete frame (without FCS, and only when the FCS is
// right) or with an error for a damaged one.
type hdlcDecoder struct {
	max     int // longest frame content accepted
	onFrame func(frame []byte, err error)
	buf     []byte
	cur     byte // octet being assembled
	nbits   uint
	ones    int
	inFrame bool // a flag was seen: bits belong to a frame
}

func newHDLCDecoder(max int, onFrame func([]byte, error)) *hdlcDecoder {
	return &hdlcDecoder{max: max, onFrame: onFrame, buf: make([]byte, 0, max+2)}
}

// Write feeds received bytes; it never fails.
func (d *hdlcDecoder) Write(p []byte) (int, error) {
	for _, c := range p {
		for i := range 8 {
			d.bit(c >> i & 1)
		}
	}
	return len(p), nil
}

func (d *hdlcDecoder) bit(b byte) {
	if b == 1 {
		d.ones++
		if d.ones > 6 {
			// Abort or idle ones: drop any frame in progress.
			d.inFrame = false
			d.reset()
			return
		}
		d.push(1)
		return
	}
	switch d.ones {
	case 5:
		// A stuffed zero: discard it.
		d.ones = 0
		return
	case 6:
		// A flag (01111110): its leading 0 and six 1s are in the
		// assembler; close the frame that precedes it.
		d.ones = 0
		d.closeFrame()
		d.inFrame = true
		return
	}
	d.ones = 0
	d.push(0)
}

func (d *hdlcDecoder) push(b byte) {
	if !d.inFrame {
		return
	}
	d.cur |= b << d.nbits
	d.nbits++
	if d.nbits == 8 {
		if len(d.buf) > d.max+2 {
			d.onFrame(nil, errHDLCLong)
			d.inFrame = false
			d.reset()
			return
		}
		d.buf = append(d.buf, d.cur)
		d.cur, d.nbits = 0, 0
	}
}

// closeFrame ends the frame before a flag. The flag's own first seven bits
// (0111111) went through push: the 0 and six 1s; remove them.
func (d *hdlcDecoder) closeFrame() {
	// Undo the 7 flag bits pushed: total bits = 8*len(buf)+nbits.
	total := 8*len(d.buf) + int(d.nbits) - 7
	if d.inFrame && total >= 8*4 && total%8 == 0 {
		n := total / 8
		frame := d.buf[:n]
		got := uint16(frame[n-2]) | uint16(frame[n-1])<<8
		if modem.FCS(frame[:n-2]) == got {
			d.onFrame(frame[:n-2], nil)
		} else {
			d.onFrame(frame[:n-2], errHDLCFCS)
		}
	} else if d.inFrame && total > 0 {
		d.onFrame(nil, errHDLCShort)
	}
	d.reset()
}

func (d *hdlcDecoder) reset() {
	d.buf = d.buf[:0]
	d.cur, d.nbits = 0, 0
}
