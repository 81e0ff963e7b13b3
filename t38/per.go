package t38

// A minimal ASN.1 aligned PER (ITU-T X.691) bit writer and reader, with
// just what the T.38 Annex A types need: single bits, small fixed-width
// fields, octet alignment and whole octets. Bits are written most
// significant first (X.691).

type bitWriter struct {
	buf  []byte
	nbit uint // bits used in the last octet of buf (0 means none open)
}

// bits appends the low n bits of v, most significant first.
func (w *bitWriter) bits(v uint32, n uint) {
	for i := int(n) - 1; i >= 0; i-- {
		if w.nbit == 0 {
			w.buf = append(w.buf, 0)
		}
		if v>>uint(i)&1 != 0 {
			w.buf[len(w.buf)-1] |= 0x80 >> w.nbit
		}
		w.nbit = (w.nbit + 1) % 8
	}
}

// align pads with zero bits to the next octet boundary (X.691, aligned variant).
func (w *bitWriter) align() { w.nbit = 0 }

// octets appends whole octets after aligning.
func (w *bitWriter) octets(p []byte) {
	w.align()
	w.buf = append(w.buf, p...)
}

type bitReader struct {
	buf []byte
	pos uint // bit position
}

// bits reads n bits as an unsigned value.
func (r *bitReader) bits(n uint) (uint32, error) {
	if r.pos+n > uint(len(r.buf))*8 {
		return 0, errTruncated
	}
	var v uint32
	for range n {
		b := r.buf[r.pos/8] >> (7 - r.pos%8) & 1
		v = v<<1 | uint32(b)
		r.pos++
	}
	return v, nil
}

func (r *bitReader) align() { r.pos = (r.pos + 7) &^ 7 }

// octets returns the next n whole octets after aligning.
func (r *bitReader) octets(n int) ([]byte, error) {
	r.align()
	start := int(r.pos / 8)
	if n < 0 || start+n > len(r.buf) {
		return nil, errTruncated
	}
	r.pos += uint(n) * 8
	return r.buf[start : start+n], nil
}

// used returns the octets consumed, a partial last octet counting as one.
func (r *bitReader) used() int { return int((r.pos + 7) / 8) }

// smallNumber writes a normally small non-negative whole number
// (X.691), as the extension additions of an ENUMERATED use.
func (w *bitWriter) smallNumber(v uint32) {
	w.bits(0, 1)
	w.bits(v, 6)
}

func (r *bitReader) smallNumber() (uint32, error) {
	big, err := r.bits(1)
	if err != nil {
		return 0, err
	}
	if big != 0 {
		// Values of 64 and more never occur in T.38.
		return 0, errBadValue
	}
	return r.bits(6)
}
