package sip

import "encoding/binary"

// rtpHeaderLen is the fixed RTP header without CSRCs (RFC 3550 5.1).
const rtpHeaderLen = 12

// rtpPacketizer builds RTP packets of one stream (RFC 3550 5.1).
type rtpPacketizer struct {
	pt     byte
	seq    uint16
	ts     uint32
	ssrc   uint32
	marked bool
}

// packet returns an RTP packet carrying payload, which covers samples
// sampling periods; the marker bit is set on the first packet (RFC 3551 4.1).
func (p *rtpPacketizer) packet(payload []byte, samples int) []byte {
	b := make([]byte, rtpHeaderLen, rtpHeaderLen+len(payload))
	b[0] = 2 << 6 // version 2, no padding, no extension, no CSRC
	b[1] = p.pt & 0x7f
	if !p.marked {
		b[1] |= 0x80
		p.marked = true
	}
	binary.BigEndian.PutUint16(b[2:], p.seq)
	binary.BigEndian.PutUint32(b[4:], p.ts)
	binary.BigEndian.PutUint32(b[8:], p.ssrc)
	p.seq++
	p.ts += uint32(samples)
	return append(b, payload...)
}
