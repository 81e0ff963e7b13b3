package t30

import (
	"fmt"
	"strings"
	"time"
)

// fifOctets is the number of FIF octets this package models: bits 1 to
// 80 of T.30 Table 2. Later octets are read past and ignored.
const fifOctets = 10

// fifBits holds a DIS/DTC/DCS FIF with the extend bits cleared; bit n of
// Table 2 is bit (n-1)%8 of octet (n-1)/8.
type fifBits [fifOctets]byte

func (f *fifBits) bit(n int) bool { return f[(n-1)/8]&(1<<((n-1)%8)) != 0 }

func (f *fifBits) set(n int, v bool) {
	if v {
		f[(n-1)/8] |= 1 << ((n - 1) % 8)
	}
}

// field returns bits n to n+w-1 as a number whose least significant bit
// is bit n (the first on the line).
func (f *fifBits) field(n, w int) uint8 {
	var v uint8
	for i := range w {
		if f.bit(n + i) {
			v |= 1 << i
		}
	}
	return v
}

func (f *fifBits) setField(n, w int, v uint8) {
	for i := range w {
		f.set(n+i, v&(1<<i) != 0)
	}
}

// decodeFIF reads a Table 2 FIF the way T.30 5.3.6.2.1 and spandsp's
// analyze_rx_dis_dtc do: at least 3 octets; from the third octet on, bit 8
// of an octet (bits 24, 32, 40, ...) says another octet follows. Octets
// after one whose extend bit is clear are ignored; octets the extend bits
// announce but the frame lacks read as zeros; the extend bits are masked.
func decodeFIF(fcf FCF, b []byte) (fifBits, error) {
	var f fifBits
	if len(b) < 3 {
		return f, malformed(fcf, fmt.Sprintf("FIF of %d octets, Table 2 needs at least 3", len(b)))
	}
	for i := 0; i < len(b) && i < len(f); i++ {
		f[i] = b[i]
		if i >= 2 && b[i]&0x80 == 0 {
			break
		}
	}
	for i := 2; i < len(f); i++ {
		f[i] &^= 0x80
	}
	return f, nil
}

// appendFIF appends the shortest FIF that carries f: at least 3 octets,
// no trailing octets without a set bit, each octet from the third to the
// one before last with its extend bit set (T.30 5.3.6.2.1, Table 2
// bits 24, 32, 40, ...).
func (f *fifBits) appendFIF(dst []byte) []byte {
	last := 2
	for i := len(f) - 1; i > 2; i-- {
		if f[i]&0x7F != 0 {
			last = i
			break
		}
	}
	for i := 0; i <= last; i++ {
		o := f[i]
		if i >= 2 {
			o &^= 0x80
			if i < last {
				o |= 0x80
			}
		}
		dst = append(dst, o)
	}
	return dst
}

// Bit numbers of T.30 Table 2 (2007 edition and later).
const (
	bitT37             = 1  // T.37 simple mode Internet fax
	bitT38             = 3  // T.38 real-time Internet fax
	bitV8              = 6  // V.8 capabilities (DIS/DTC)
	bitPrefer64        = 7  // 64-octet ECM frames preferred (DIS/DTC)
	bitReadyToTransmit = 9  // document ready to be polled (DIS/DTC)
	bitReceive         = 10 // DIS/DTC: can receive; DCS: receive mode
	bitRate            = 11 // bits 11-14: data signalling rate
	bitFine            = 15 // R8 x 7.7 l/mm and/or 200 x 200 pel/25.4 mm
	bitMR              = 16 // two-dimensional coding (T.4 MR)
	bitWidth           = 17 // bits 17-18: recording width
	bitLength          = 19 // bits 19-20: recording length
	bitScanTime        = 21 // bits 21-23: minimum scan line time
	bitUncompressed    = 26 // uncompressed mode
	bitECM             = 27 // error correction mode
	bitFrame64         = 28 // DCS: 64-octet ECM frames
	bitMMR             = 31 // T.6 coding
	bitSuperfine       = 41 // R8 x 15.4 l/mm (and 200 x 400 pel/25.4 mm)
	bitRes300          = 42 // 300 x 300 pel/25.4 mm
	bitRes400          = 43 // R16 x 15.4 l/mm and/or 400 x 400 pel/25.4 mm
	bitInch            = 44 // DIS: inch preferred; DCS: inch-based resolution
	bitMetric          = 45 // DIS: metric preferred
	bitHalfScanTime    = 46 // DIS: T15.4 = 1/2 T7.7
	bitSelPolling      = 47 // DIS: selective polling
	bitSubaddress      = 49 // DIS: subaddressing; DCS: SUB follows
	bitPassword        = 50 // DIS: password; DCS: SID follows
	bitLetter          = 76 // North American Letter
	bitLegal           = 77 // North American Legal
)

// Modulation is a high-speed modem for phase C (T.30 Table 2, bits 11
// to 14).
type Modulation uint8

// Modulations of T.30 Table 2.
const (
	V27ter Modulation = iota // ITU-T V.27 ter: 2400 and 4800 bit/s
	V29                      // ITU-T V.29: 7200 and 9600 bit/s
	V17                      // ITU-T V.17: 7200 to 14400 bit/s
)

// String returns "V.27ter", "V.29" or "V.17".
func (m Modulation) String() string {
	switch m {
	case V27ter:
		return "V.27ter"
	case V29:
		return "V.29"
	case V17:
		return "V.17"
	}
	return fmt.Sprintf("Modulation(%d)", uint8(m))
}

// BitRate is a data signalling rate as DCS selects it (T.30 Table 2, bits
// 11 to 14). Its value is the 4-bit code with bit 11 as the least
// significant bit, so the zero value is V.27 ter at 2400 bit/s. A code
// Table 2 reserves is kept as received; [BitRate.Valid] reports it.
type BitRate uint8

// Bit rates of DCS (T.30 Table 2, bits 11 to 14 in DCS).
const (
	Rate2400V27ter BitRate = 0x0 // 0000
	Rate4800V27ter BitRate = 0x2 // 0100
	Rate9600V29    BitRate = 0x1 // 1000
	Rate7200V29    BitRate = 0x3 // 1100
	Rate14400V17   BitRate = 0x8 // 0001
	Rate12000V17   BitRate = 0xA // 0101
	Rate9600V17    BitRate = 0x9 // 1001
	Rate7200V17    BitRate = 0xB // 1101
)

// Valid reports whether r is a bit rate T.30 Table 2 defines for DCS.
func (r BitRate) Valid() bool { return r.BitsPerSecond() != 0 }

// BitsPerSecond returns the bit rate in bit/s, or 0 for a reserved code.
func (r BitRate) BitsPerSecond() int {
	switch r {
	case Rate2400V27ter:
		return 2400
	case Rate4800V27ter:
		return 4800
	case Rate7200V29, Rate7200V17:
		return 7200
	case Rate9600V29, Rate9600V17:
		return 9600
	case Rate12000V17:
		return 12000
	case Rate14400V17:
		return 14400
	}
	return 0
}

// Modulation returns the modem of r; for a reserved code, V27ter.
func (r BitRate) Modulation() Modulation {
	switch r {
	case Rate9600V29, Rate7200V29:
		return V29
	case Rate14400V17, Rate12000V17, Rate9600V17, Rate7200V17:
		return V17
	}
	return V27ter
}

// String returns, for example, "V.17 14400".
func (r BitRate) String() string {
	if !r.Valid() {
		return fmt.Sprintf("BitRate(%#x)", uint8(r))
	}
	return fmt.Sprintf("%v %d", r.Modulation(), r.BitsPerSecond())
}

// allRates lists every bit rate, fastest first, V.17 before V.29 at the
// same speed.
var allRates = [...]BitRate{
	Rate14400V17, Rate12000V17, Rate9600V17, Rate9600V29,
	Rate7200V17, Rate7200V29, Rate4800V27ter, Rate2400V27ter,
}

// Modems is the set of modems a DIS or DTC offers (T.30 Table 2, bits 11
// to 14 in DIS/DTC). Its value is the 4-bit code with bit 11 as the least
// significant bit; a reserved code is kept as received.
type Modems uint8

// Modem sets of DIS/DTC (T.30 Table 2).
const (
	ModemsV27terFallback Modems = 0x0 // 0000: V.27 ter fall-back mode, 2400 bit/s only
	ModemsV27ter         Modems = 0x2 // 0100: V.27 ter
	ModemsV29            Modems = 0x1 // 1000: V.29
	ModemsV27terV29      Modems = 0x3 // 1100: V.27 ter and V.29
	ModemsV27terV29V17   Modems = 0xB // 1101: V.27 ter, V.29 and V.17
)

// Has reports whether m offers modulation mod. A reserved code is read by
// its bits: bit 11 offers V.29, bit 12 V.27 ter, bits 11, 12 and 14
// together V.17 (the 1996 codes 1110 and 1111 that offered V.33 read as
// V.27 ter and V.29). V.27 ter at 2400 bit/s is always offered.
func (m Modems) Has(mod Modulation) bool {
	switch mod {
	case V27ter:
		return true
	case V29:
		return m&0x1 != 0
	case V17:
		return m&0xB == 0xB
	}
	return false
}

// Rates returns the bit rates m allows, fastest first, V.17 before V.29
// at the same speed. ModemsV27terFallback allows 2400 bit/s only.
func (m Modems) Rates() []BitRate {
	var rs []BitRate
	for _, r := range allRates {
		switch {
		case r == Rate2400V27ter:
		case r == Rate4800V27ter && m&0x2 == 0:
			continue // fall-back mode, or V.29 alone
		case !m.Has(r.Modulation()):
			continue
		}
		rs = append(rs, r)
	}
	return rs
}

// String returns, for example, "V.27ter,V.29,V.17".
func (m Modems) String() string {
	switch m {
	case ModemsV27terFallback:
		return "V.27ter fall-back"
	case ModemsV27ter:
		return "V.27ter"
	case ModemsV29:
		return "V.29"
	case ModemsV27terV29:
		return "V.27ter,V.29"
	case ModemsV27terV29V17:
		return "V.27ter,V.29,V.17"
	}
	return fmt.Sprintf("Modems(%#x)", uint8(m))
}

// Width is a recording width (T.30 Table 2, bits 17 and 18): in DIS/DTC
// the widest the receiver takes (each includes the narrower ones), in DCS
// the width of the document. The value is the 2-bit code with bit 17 as
// the least significant bit.
type Width uint8

// Recording widths (T.30 Table 2; T.4 2.2).
const (
	WidthA4 Width = 0 // 215 mm, 1728 pels at R8
	WidthB4 Width = 1 // 255 mm, 2048 pels at R8
	WidthA3 Width = 2 // 303 mm, 2432 pels at R8
	// WidthInvalid is the code 11 that Table 2 marks invalid; ParseDIS
	// reads it as WidthA3, as HylaFAX does; ParseDCS keeps it.
	WidthInvalid Width = 3
)

// Pels returns the number of picture elements per line at 8 pels/mm
// (T.4 2.2), or 0 for WidthInvalid.
func (w Width) Pels() int {
	switch w {
	case WidthA4:
		return 1728
	case WidthB4:
		return 2048
	case WidthA3:
		return 2432
	}
	return 0
}

// String returns "A4", "B4", "A3" or "invalid".
func (w Width) String() string {
	switch w {
	case WidthA4:
		return "A4"
	case WidthB4:
		return "B4"
	case WidthA3:
		return "A3"
	}
	return "invalid"
}

// Length is a recording length (T.30 Table 2, bits 19 and 20): in DIS/DTC
// the longest page the receiver takes, in DCS the length of the document.
// The value is the 2-bit code with bit 19 as the least significant bit.
type Length uint8

// Recording lengths (T.30 Table 2).
const (
	LengthA4        Length = 0 // 297 mm
	LengthB4        Length = 1 // 364 mm (DIS: A4 and B4)
	LengthUnlimited Length = 2 // unlimited
	// LengthInvalid is the code 11 that Table 2 marks invalid; ParseDIS
	// reads it as LengthA4; ParseDCS keeps it.
	LengthInvalid Length = 3
)

// String returns "A4", "B4", "unlimited" or "invalid".
func (l Length) String() string {
	switch l {
	case LengthA4:
		return "A4"
	case LengthB4:
		return "B4"
	case LengthUnlimited:
		return "unlimited"
	}
	return "invalid"
}

// Resolution is a vertical (and horizontal) resolution (T.30 Table 2,
// bits 15, 41, 42, 43; T.4 2.3). Standard resolution is mandatory.
type Resolution uint8

// Resolutions of T.30 Table 2. In DCS, bit 44 ([Params.Inch]) selects
// the inch-based variant of those that have one.
const (
	ResStandard  Resolution = iota // R8 x 3.85 l/mm (inch: 200 x 100)
	ResFine                        // R8 x 7.7 l/mm (inch: 200 x 200), bit 15
	ResSuperfine                   // R8 x 15.4 l/mm (inch: 200 x 400), bit 41
	Res300                         // 300 x 300 pel/25.4 mm, bit 42
	Res400                         // R16 x 15.4 l/mm (inch: 400 x 400), bit 43
)

// String returns "standard", "fine", "superfine", "300x300" or "400x400".
func (r Resolution) String() string {
	switch r {
	case ResStandard:
		return "standard"
	case ResFine:
		return "fine"
	case ResSuperfine:
		return "superfine"
	case Res300:
		return "300x300"
	case Res400:
		return "400x400"
	}
	return fmt.Sprintf("Resolution(%d)", uint8(r))
}

// ResolutionSet is a set of resolutions, bit 1<<r for resolution r.
// [Capabilities.Resolutions] always holds ResStandard.
type ResolutionSet uint8

// Has reports whether s holds r.
func (s ResolutionSet) Has(r Resolution) bool { return s&(1<<r) != 0 }

// With returns s with r added.
func (s ResolutionSet) With(r Resolution) ResolutionSet { return s | 1<<r }

// String returns, for example, "standard,fine".
func (s ResolutionSet) String() string {
	var names []string
	for r := ResStandard; r <= Res400; r++ {
		if s.Has(r) {
			names = append(names, r.String())
		}
	}
	return strings.Join(names, ",")
}

// Coding is a one-page coding scheme (T.4 4.1, 4.2; T.6), selected in DCS
// by bits 16 (MR) and 31 (T.6).
type Coding uint8

// Codings.
const (
	CodingMH  Coding = iota // T.4 modified Huffman, one-dimensional
	CodingMR                // T.4 modified READ, two-dimensional (bit 16)
	CodingMMR               // T.6 modified modified READ (bit 31; ECM only)
)

// String returns "MH", "MR" or "MMR".
func (c Coding) String() string {
	switch c {
	case CodingMH:
		return "MH"
	case CodingMR:
		return "MR"
	case CodingMMR:
		return "MMR"
	}
	return fmt.Sprintf("Coding(%d)", uint8(c))
}

// ScanTimeCap is a receiver's minimum scan line time capability in
// DIS/DTC (T.30 Table 2, bits 21 to 23): the time at 3.85 l/mm, and
// whether 7.7 l/mm needs half of it. The value is the 3-bit code with bit
// 21 as the least significant bit.
type ScanTimeCap uint8

// Minimum scan line time capabilities (T.30 Table 2, DIS/DTC).
const (
	ScanCap20     ScanTimeCap = 0 // 000: 20 ms; T7.7 = T3.85
	ScanCap5      ScanTimeCap = 1 // 100: 5 ms; T7.7 = T3.85
	ScanCap10     ScanTimeCap = 2 // 010: 10 ms; T7.7 = T3.85
	ScanCap20Half ScanTimeCap = 3 // 110: 20 ms; T7.7 = 1/2 T3.85
	ScanCap40     ScanTimeCap = 4 // 001: 40 ms; T7.7 = T3.85
	ScanCap40Half ScanTimeCap = 5 // 101: 40 ms; T7.7 = 1/2 T3.85
	ScanCap10Half ScanTimeCap = 6 // 011: 10 ms; T7.7 = 1/2 T3.85
	ScanCap0      ScanTimeCap = 7 // 111: 0 ms
)

// standard returns the time at 3.85 l/mm in tenths of a millisecond and
// whether 7.7 l/mm takes half of it.
func (c ScanTimeCap) standard() (tenths int, half bool) {
	switch c & 7 {
	case ScanCap20:
		return 200, false
	case ScanCap5:
		return 50, false
	case ScanCap10:
		return 100, false
	case ScanCap20Half:
		return 200, true
	case ScanCap40:
		return 400, false
	case ScanCap40Half:
		return 400, true
	case ScanCap10Half:
		return 100, true
	}
	return 0, false
}

// String returns, for example, "20ms (fine 10ms)".
func (c ScanTimeCap) String() string {
	t, half := c.standard()
	if half {
		return fmt.Sprintf("%dms (fine %gms)", t/10, float64(t)/20)
	}
	return fmt.Sprintf("%dms", t/10)
}

// ScanTime is the minimum scan line time DCS selects (T.30 Table 2, bits
// 21 to 23 in DCS): the least time each coded line of the page takes at
// the selected resolution. The value is the 3-bit code with bit 21 as the
// least significant bit, so the zero value is 20 ms.
type ScanTime uint8

// Minimum scan line times of DCS (T.30 Table 2).
const (
	Scan20 ScanTime = 0 // 000: 20 ms
	Scan5  ScanTime = 1 // 100: 5 ms
	Scan10 ScanTime = 2 // 010: 10 ms
	Scan40 ScanTime = 4 // 001: 40 ms
	Scan0  ScanTime = 7 // 111: 0 ms
)

// Duration returns the scan line time. The codes 3, 5 and 6, which Table
// 2 defines only for DIS, give their (longer) 3.85 l/mm time: 20, 40 and
// 10 ms.
func (s ScanTime) Duration() time.Duration {
	t, _ := ScanTimeCap(s & 7).standard()
	return time.Duration(t) * time.Millisecond / 10
}

// String returns, for example, "10ms".
func (s ScanTime) String() string { return s.Duration().String() }

// scanTimeAtLeast returns the shortest DCS scan time no shorter than
// tenths/10 ms.
func scanTimeAtLeast(tenths int) ScanTime {
	switch {
	case tenths <= 0:
		return Scan0
	case tenths <= 50:
		return Scan5
	case tenths <= 100:
		return Scan10
	case tenths <= 200:
		return Scan20
	}
	return Scan40
}

// MinLineBits returns the fewest bits a coded line may take at rate r
// when the scan line time is s: r x s (T.4 4.1.3 fill, T.30 Table 2 note);
// 144 bits for 10 ms at 14400 bit/s.
func MinLineBits(s ScanTime, r BitRate) int {
	return int(int64(r.BitsPerSecond()) * int64(s.Duration()) / int64(time.Second))
}

// MinLineBytes returns [MinLineBits] rounded up to whole octets: the
// bytes per line a non-ECM encoder pads each line to.
func MinLineBytes(s ScanTime, r BitRate) int { return (MinLineBits(s, r) + 7) / 8 }

// Capabilities is the FIF of DIS and DTC (T.30 Table 2, 2007 edition and
// later): what the station that sends it can receive (DIS) or wants to
// receive (DTC). Bits this type does not model are ignored.
type Capabilities struct {
	T37 bool // bit 1: T.37 simple mode Internet fax
	T38 bool // bit 3: T.38 real-time Internet fax
	V8  bool // bit 6: V.8 capabilities

	// Prefer64 is bit 7: 64-octet ECM frames preferred.
	Prefer64 bool
	// ReadyToTransmit is bit 9: a document is ready to be polled.
	ReadyToTransmit bool
	// ReadyToReceive is bit 10: the station can receive a facsimile.
	ReadyToReceive bool

	// Modems is bits 11 to 14: the modems offered.
	Modems Modems
	// Resolutions is bits 15 (fine), 41 (superfine), 42 (300x300) and 43
	// (400x400); ResStandard is always set.
	Resolutions ResolutionSet
	// MR is bit 16: two-dimensional coding (T.4 MR).
	MR bool
	// MaxWidth is bits 17 and 18: the widest recording width.
	MaxWidth Width
	// MaxLength is bits 19 and 20: the longest recording length.
	MaxLength Length
	// ScanTime is bits 21 to 23: the minimum scan line time.
	ScanTime ScanTimeCap
	// Uncompressed is bit 26: uncompressed mode.
	Uncompressed bool
	// ECM is bit 27: error correction mode (T.30 Annex A).
	ECM bool
	// MMR is bit 31: T.6 coding (only with ECM).
	MMR bool
	// InchPreferred and MetricPreferred are bits 44 and 45.
	InchPreferred, MetricPreferred bool
	// HalfScanTime is bit 46: the minimum scan line time at 15.4 l/mm and
	// above is half that at 7.7 l/mm (T15.4 = 1/2 T7.7).
	HalfScanTime bool
	// SelectivePolling, Subaddressing and Password are bits 47, 49, 50.
	SelectivePolling, Subaddressing, Password bool
	// Letter and Legal are bits 76 and 77: North American Letter and
	// Legal paper.
	Letter, Legal bool
}

// ParseDIS parses the FIF of a DIS or DTC frame (T.30 Table 2). A FIF
// shorter than 3 octets is an error matching ErrMalformed; a FIF cut
// short of what its extend bits announce reads as padded with zeros;
// unknown bits and octets after the last extend bit are ignored; the
// invalid width code reads as A3, the invalid length code as A4.
func ParseDIS(fif []byte) (Capabilities, error) { return parseDIS(DIS, fif) }

func parseDIS(fcf FCF, fif []byte) (Capabilities, error) {
	f, err := decodeFIF(fcf, fif)
	if err != nil {
		return Capabilities{}, err
	}
	c := Capabilities{
		T37:              f.bit(bitT37),
		T38:              f.bit(bitT38),
		V8:               f.bit(bitV8),
		Prefer64:         f.bit(bitPrefer64),
		ReadyToTransmit:  f.bit(bitReadyToTransmit),
		ReadyToReceive:   f.bit(bitReceive),
		Modems:           Modems(f.field(bitRate, 4)),
		MR:               f.bit(bitMR),
		MaxWidth:         Width(f.field(bitWidth, 2)),
		MaxLength:        Length(f.field(bitLength, 2)),
		ScanTime:         ScanTimeCap(f.field(bitScanTime, 3)),
		Uncompressed:     f.bit(bitUncompressed),
		ECM:              f.bit(bitECM),
		MMR:              f.bit(bitMMR),
		InchPreferred:    f.bit(bitInch),
		MetricPreferred:  f.bit(bitMetric),
		HalfScanTime:     f.bit(bitHalfScanTime),
		SelectivePolling: f.bit(bitSelPolling),
		Subaddressing:    f.bit(bitSubaddress),
		Password:         f.bit(bitPassword),
		Letter:           f.bit(bitLetter),
		Legal:            f.bit(bitLegal),
	}
	if c.MaxWidth == WidthInvalid {
		c.MaxWidth = WidthA3
	}
	if c.MaxLength == LengthInvalid {
		c.MaxLength = LengthA4
	}
	c.Resolutions = ResolutionSet(0).With(ResStandard)
	for _, r := range [...]struct {
		bit int
		res Resolution
	}{{bitFine, ResFine}, {bitSuperfine, ResSuperfine}, {bitRes300, Res300}, {bitRes400, Res400}} {
		if f.bit(r.bit) {
			c.Resolutions = c.Resolutions.With(r.res)
		}
	}
	return c, nil
}

// AppendFIF appends the DIS/DTC FIF of c (T.30 Table 2): the shortest one,
// at least 3 octets, without trailing octets of zeros, with the extend
// bits set on every octet but the last from the third on.
func (c Capabilities) AppendFIF(dst []byte) []byte {
	var f fifBits
	f.set(bitT37, c.T37)
	f.set(bitT38, c.T38)
	f.set(bitV8, c.V8)
	f.set(bitPrefer64, c.Prefer64)
	f.set(bitReadyToTransmit, c.ReadyToTransmit)
	f.set(bitReceive, c.ReadyToReceive)
	f.setField(bitRate, 4, uint8(c.Modems))
	f.set(bitFine, c.Resolutions.Has(ResFine))
	f.set(bitMR, c.MR)
	f.setField(bitWidth, 2, uint8(c.MaxWidth))
	f.setField(bitLength, 2, uint8(c.MaxLength))
	f.setField(bitScanTime, 3, uint8(c.ScanTime))
	f.set(bitUncompressed, c.Uncompressed)
	f.set(bitECM, c.ECM)
	f.set(bitMMR, c.MMR)
	f.set(bitSuperfine, c.Resolutions.Has(ResSuperfine))
	f.set(bitRes300, c.Resolutions.Has(Res300))
	f.set(bitRes400, c.Resolutions.Has(Res400))
	f.set(bitInch, c.InchPreferred)
	f.set(bitMetric, c.MetricPreferred)
	f.set(bitHalfScanTime, c.HalfScanTime)
	f.set(bitSelPolling, c.SelectivePolling)
	f.set(bitSubaddress, c.Subaddressing)
	f.set(bitPassword, c.Password)
	f.set(bitLetter, c.Letter)
	f.set(bitLegal, c.Legal)
	return f.appendFIF(dst)
}

// Marshal returns the DIS/DTC FIF of c; see [Capabilities.AppendFIF].
func (c Capabilities) Marshal() []byte { return c.AppendFIF(nil) }

// BitRates returns the bit rates c allows, fastest first; see
// [Modems.Rates].
func (c Capabilities) BitRates() []BitRate { return c.Modems.Rates() }

// MinScanTime returns the minimum scan line time to select in DCS for
// pages at resolution r (T.30 Table 2 bits 21 to 23 and 46): T3.85 at
// standard resolution; T7.7, which is T3.85 or half of it, at fine; and
// T15.4, which is T7.7 or (bit 46) half of it, at superfine, 300x300 and
// 400x400. A time DCS cannot express (2.5 ms) is rounded up. With ECM the
// scan line time does not apply; the caller then selects Scan0.
func (c Capabilities) MinScanTime(r Resolution) ScanTime {
	t, half := c.ScanTime.standard()
	if r == ResStandard {
		return scanTimeAtLeast(t)
	}
	if half {
		t /= 2
	}
	if r != ResFine && c.HalfScanTime {
		t /= 2
	}
	return scanTimeAtLeast(t)
}

// Params is the FIF of DCS (T.30 Table 2, 2007 edition and later): the
// mode the sender chose for the following message. Bits this type does
// not model are ignored.
type Params struct {
	// Receive is bit 10: the receiver shall set itself to receive.
	Receive bool
	// Rate is bits 11 to 14: the data signalling rate.
	Rate BitRate
	// Resolution is bits 15, 41, 42 and 43 (at most one is set).
	Resolution Resolution
	// Inch is bit 44: the resolution is the inch-based variant.
	Inch bool
	// Coding is bits 16 (MR) and 31 (MMR); MH when neither is set.
	Coding Coding
	// Width is bits 17 and 18: the recording width.
	Width Width
	// Length is bits 19 and 20: the recording length.
	Length Length
	// ScanTime is bits 21 to 23: the minimum scan line time.
	ScanTime ScanTime
	// Uncompressed is bit 26: uncompressed mode.
	Uncompressed bool
	// ECM is bit 27: error correction mode.
	ECM bool
	// Frame64 is bit 28: 64-octet ECM frames instead of 256 (valid only
	// with ECM).
	Frame64 bool
	// Subaddress and SenderID are bits 49 and 50: a SUB or SID frame
	// comes with the DCS.
	Subaddress, SenderID bool
	// Letter and Legal are bits 76 and 77: North American Letter and
	// Legal paper.
	Letter, Legal bool
}

// ParseDCS parses the FIF of a DCS frame (T.30 Table 2) with the rules of
// [ParseDIS]; reserved rate, width, length and scan time codes are kept
// as received. When more than one resolution bit is set the highest
// wins; when both bit 16 and bit 31 are set the coding is MMR.
func ParseDCS(fif []byte) (Params, error) { return parseDCS(DCS, fif) }

func parseDCS(fcf FCF, fif []byte) (Params, error) {
	f, err := decodeFIF(fcf, fif)
	if err != nil {
		return Params{}, err
	}
	p := Params{
		Receive:      f.bit(bitReceive),
		Rate:         BitRate(f.field(bitRate, 4)),
		Inch:         f.bit(bitInch),
		Width:        Width(f.field(bitWidth, 2)),
		Length:       Length(f.field(bitLength, 2)),
		ScanTime:     ScanTime(f.field(bitScanTime, 3)),
		Uncompressed: f.bit(bitUncompressed),
		ECM:          f.bit(bitECM),
		Frame64:      f.bit(bitFrame64),
		Subaddress:   f.bit(bitSubaddress),
		SenderID:     f.bit(bitPassword),
		Letter:       f.bit(bitLetter),
		Legal:        f.bit(bitLegal),
	}
	switch {
	case f.bit(bitRes400):
		p.Resolution = Res400
	case f.bit(bitRes300):
		p.Resolution = Res300
	case f.bit(bitSuperfine):
		p.Resolution = ResSuperfine
	case f.bit(bitFine):
		p.Resolution = ResFine
	}
	switch {
	case f.bit(bitMMR):
		p.Coding = CodingMMR
	case f.bit(bitMR):
		p.Coding = CodingMR
	}
	return p, nil
}

// AppendFIF appends the DCS FIF of p (T.30 Table 2), as short as
// [Capabilities.AppendFIF] makes it.
func (p Params) AppendFIF(dst []byte) []byte {
	var f fifBits
	f.set(bitReceive, p.Receive)
	f.setField(bitRate, 4, uint8(p.Rate))
	switch p.Resolution {
	case ResFine:
		f.set(bitFine, true)
	case ResSuperfine:
		f.set(bitSuperfine, true)
	case Res300:
		f.set(bitRes300, true)
	case Res400:
		f.set(bitRes400, true)
	}
	f.set(bitInch, p.Inch)
	switch p.Coding {
	case CodingMR:
		f.set(bitMR, true)
	case CodingMMR:
		f.set(bitMMR, true)
	}
	f.setField(bitWidth, 2, uint8(p.Width))
	f.setField(bitLength, 2, uint8(p.Length))
	f.setField(bitScanTime, 3, uint8(p.ScanTime))
	f.set(bitUncompressed, p.Uncompressed)
	f.set(bitECM, p.ECM)
	f.set(bitFrame64, p.Frame64)
	f.set(bitSubaddress, p.Subaddress)
	f.set(bitPassword, p.SenderID)
	f.set(bitLetter, p.Letter)
	f.set(bitLegal, p.Legal)
	return f.appendFIF(dst)
}

// Marshal returns the DCS FIF of p; see [Params.AppendFIF].
func (p Params) Marshal() []byte { return p.AppendFIF(nil) }

// FrameSize returns the ECM frame size p selects: 64 or 256 octets
// (Table 2 bit 28), or 0 without ECM.
func (p Params) FrameSize() int {
	switch {
	case !p.ECM:
		return 0
	case p.Frame64:
		return 64
	}
	return 256
}

// String returns a one-line summary, for example
// "V.17 14400 fine MR A4 unlimited 0s ECM256".
func (p Params) String() string {
	s := fmt.Sprintf("%v %v %v %v %v %v", p.Rate, p.Resolution, p.Coding, p.Width, p.Length, p.ScanTime)
	if p.ECM {
		s += fmt.Sprintf(" ECM%d", p.FrameSize())
	}
	return s
}

// String returns a one-line summary, for example
// "V.27ter,V.29,V.17 standard,fine MR MMR ECM A4 unlimited 0ms".
func (c Capabilities) String() string {
	s := fmt.Sprintf("%v %v", c.Modems, c.Resolutions)
	for _, o := range [...]struct {
		on   bool
		name string
	}{{c.MR, "MR"}, {c.MMR, "MMR"}, {c.ECM, "ECM"}} {
		if o.on {
			s += " " + o.name
		}
	}
	s += fmt.Sprintf(" %v %v %v", c.MaxWidth, c.MaxLength, c.ScanTime)
	if !c.ReadyToReceive {
		s += " not-receiving"
	}
	return s
}
