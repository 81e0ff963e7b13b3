package t38

import "faxbox/modem"

// ECM image frames (T.30 Annex A) reach a class 1 modem as a raw HDLC bit
// stream (flags, zero-bit insertion, FCS; ISO/IEC 13239), least
// significant bit first in each octet. T.38 carries them as frames
// instead: hdlc-data without the FCS, then hdlc-fcs-OK or hdlc-fcs-BAD
// (T.38 clause 7.4). A Line turns one form into the other.

const flag = 0x7e

// bitPacker appends bits to octets, least significant first.
type bitPacker struct {
	out  []byte
	acc  uint
	n    uint
	ones int
}

func (p *bitPacker) bit(b uint) {
	p.acc |= b << p.n
	if p.n++; p.n == 8 {
		p.out = append(p.out, byte(p.acc))
		p.acc, p.n = 0, 0
	}
}

func (p *bitPacker) flags(n int) {
	for range n {
		for i := range 8 {
			p.bit(flag >> i & 1)
		}
	}
	p.ones = 0
}

// stuffed appends c with a zero after every five ones.
func (p *bitPacker) stuffed(c byte) {
	for i := range 8 {
		b := uint(c >> i & 1)
		p.bit(b)
		p.ones = int(b) * (p.ones + 1)
		if p.ones == 5 {
			p.bit(0)
			p.ones = 0
		}
	}
}

// appendHDLC appends frame to the bit stream with its FCS, spoiled when
// good is false so that the T.30 engine sees the error, and a closing flag.
func (p *bitPacker) appendHDLC(frame []byte, good bool) {
	for _, c := range frame {
		p.stuffed(c)
	}
	fcs := modem.FCS(frame)
	if !good {
		fcs = ^fcs
	}
	p.stuffed(byte(fcs))
	p.stuffed(byte(fcs >> 8))
	p.flags(1)
}

// take returns the whole octets packed so far, padding a partial one with
// flag bits first when flush is set.
func (p *bitPacker) take(flush bool) []byte {
	for i := 0; flush && p.n != 0; i++ {
		p.bit(flag >> (i % 8) & 1)
	}
	out := p.out
	p.out = nil
	return out
}

// deframer finds HDLC frames in a bit stream.
type deframer struct {
	max   int
	frame []byte
	cur   uint
	nbits uint
	ones  int
	open  bool
	emit  func(frame []byte, fcsOK bool)
}

func (d *deframer) write(p []byte) {
	for _, c := range p {
		for i := range 8 {
			d.bit(uint(c >> i & 1))
		}
	}
}

func (d *deframer) bit(b uint) {
	if b == 1 {
		d.ones++
		if d.ones > 6 {
			d.open = false // abort or idle
		}
		d.push(1)
		return
	}
	switch d.ones {
	case 5: // stuffed zero
		d.ones = 0
		return
	case 6: // flag
		d.ones = 0
		d.closeFrame()
		d.open = true
		d.frame, d.cur, d.nbits = d.frame[:0], 0, 0
		return
	}
	d.ones = 0
	d.push(0)
}

func (d *deframer) push(b uint) {
	if !d.open {
		return
	}
	d.cur |= b << d.nbits
	if d.nbits++; d.nbits == 8 {
		if len(d.frame) < d.max+2 {
			d.frame = append(d.frame, byte(d.cur))
		}
		d.cur, d.nbits = 0, 0
	}
}

// closeFrame ends the frame at a flag; the flag's own six ones and first
// zero have gone into cur, which is dropped.
func (d *deframer) closeFrame() {
	if !d.open || len(d.frame) < 3 {
		return
	}
	n := len(d.frame) - 2
	got := uint16(d.frame[n]) | uint16(d.frame[n+1])<<8
	d.emit(d.frame[:n], got == modem.FCS(d.frame[:n]))
}
