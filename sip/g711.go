package sip

// G.711 encoders and decoders (ITU-T G.711 tables 1 and 2), for the CNG and
// CED tones sent while a call is still audio.

const (
	ulawBias = 0x84
	ulawClip = 32635
)

// ulawEncode returns the G.711 mu-law code of a 16-bit linear sample.
func ulawEncode(s int16) byte {
	x := int32(s)
	sign := byte(0)
	if x < 0 {
		x, sign = -x, 0x80
	}
	x = min(x, ulawClip) + ulawBias
	exp := byte(7)
	for mask := int32(0x4000); x&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	mant := byte(x>>(exp+3)) & 0x0f
	return ^(sign | exp<<4 | mant)
}

// ulawDecode returns the linear sample of a G.711 mu-law code.
func ulawDecode(c byte) int16 {
	c = ^c
	exp := (c >> 4) & 7
	x := (int32(c&0x0f)<<3 + ulawBias) << exp
	x -= ulawBias
	if c&0x80 != 0 {
		return int16(-x)
	}
	return int16(x)
}

// alawEncode returns the G.711 A-law code of a 16-bit linear sample.
func alawEncode(s int16) byte {
	x := int32(s) >> 3 // A-law works on 13 bits
	sign := byte(0x80)
	if x < 0 {
		x, sign = -x-1, 0
	}
	x = min(x, 0xfff)
	var code byte
	if x < 32 {
		code = byte(x >> 1)
	} else {
		exp := byte(1)
		for v := x >> 5; v > 1; v >>= 1 {
			exp++
		}
		code = exp<<4 | byte(x>>exp)&0x0f
	}
	return (sign | code) ^ 0x55
}

// alawDecode returns the linear sample of a G.711 A-law code.
func alawDecode(c byte) int16 {
	c ^= 0x55
	exp := (c >> 4) & 7
	x := int32(c&0x0f)<<4 + 8
	if exp > 0 {
		x = (x + 0x100) << (exp - 1)
	}
	if c&0x80 == 0 {
		return int16(-x)
	}
	return int16(x)
}

// g711Encode encodes samples for payload type pt (PayloadPCMU or PayloadPCMA).
func g711Encode(dst []byte, samples []int16, pt int) []byte {
	enc := ulawEncode
	if pt == PayloadPCMA {
		enc = alawEncode
	}
	for _, s := range samples {
		dst = append(dst, enc(s))
	}
	return dst
}
