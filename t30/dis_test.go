package t30_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"

	"faxbox/t30"
)

func TestParseDISShort(t *testing.T) {
	for _, fif := range [][]byte{nil, {0}, {0, 0xee}} {
		if _, err := t30.ParseDIS(fif); !errors.Is(err, t30.ErrMalformed) {
			t.Errorf("ParseDIS(% x) = %v", fif, err)
		}
		if _, err := t30.ParseDCS(fif); !errors.Is(err, t30.ErrMalformed) {
			t.Errorf("ParseDCS(% x) = %v", fif, err)
		}
	}
}

// TestParseDISExtend checks the extend bits (T.30 Table 2 bits 24, 32,
// 40, ...): an octet after a clear extend bit is ignored; a missing octet
// the extend bit announces reads as zero.
func TestParseDISExtend(t *testing.T) {
	// Octet 4 has ECM (bit 27), but bit 24 is clear: ignored.
	c, err := t30.ParseDIS([]byte{0x00, 0x02, 0x00, 0x04})
	if err != nil || c.ECM {
		t.Errorf("ECM after clear extend bit: %+v %v", c, err)
	}
	// Bit 24 set, octet 4 missing: padded.
	c, err = t30.ParseDIS([]byte{0x00, 0x02, 0x80})
	if err != nil || c.ECM || !c.ReadyToReceive {
		t.Errorf("truncated: %+v %v", c, err)
	}
	// Octet 6 (bits 41-48) reached through two extend bits; bit 46.
	c, err = t30.ParseDIS([]byte{0x00, 0x02, 0x80, 0x80, 0x80, 0x20 | 0x01})
	if err != nil || !c.HalfScanTime || !c.Resolutions.Has(t30.ResSuperfine) || c.Resolutions.Has(t30.ResFine) {
		t.Errorf("octet 6: %+v %v", c, err)
	}
	// A long FIF of ones parses; unknown bits are dropped.
	c, err = t30.ParseDIS(bytes.Repeat([]byte{0xff}, 20))
	if err != nil || c.MaxWidth != t30.WidthA3 || c.MaxLength != t30.LengthA4 || c.Modems != 0xF {
		t.Errorf("all ones: %+v %v", c, err)
	}
}

// TestCapabilitiesMarshalMinimal checks that Marshal drops trailing zero
// octets and sets the extend bit on every octet but the last.
func TestCapabilitiesMarshalMinimal(t *testing.T) {
	tests := []struct {
		c    t30.Capabilities
		want []byte
	}{
		{t30.Capabilities{}, []byte{0x00, 0x00, 0x00}},
		{t30.Capabilities{ReadyToReceive: true, Modems: t30.ModemsV27terV29V17, MR: true, Resolutions: 3}, []byte{0x00, 0xee, 0x00}},
		{t30.Capabilities{ECM: true}, []byte{0x00, 0x00, 0x80, 0x04}},
		{t30.Capabilities{MMR: true, ECM: true, HalfScanTime: true}, []byte{0x00, 0x00, 0x80, 0xc4, 0x80, 0x20}},
		{t30.Capabilities{Resolutions: 1 << t30.Res400, Legal: true}, []byte{0x00, 0x00, 0x80, 0x80, 0x80, 0x84, 0x80, 0x80, 0x80, 0x10}},
		{t30.Capabilities{MaxWidth: t30.WidthB4, MaxLength: t30.LengthUnlimited, ScanTime: t30.ScanCap10Half}, []byte{0x00, 0x00, 0x69}},
	}
	for _, tt := range tests {
		got := tt.c.Marshal()
		if !bytes.Equal(got, tt.want) {
			t.Errorf("%+v: Marshal = % x, want % x", tt.c, got, tt.want)
		}
		back, err := t30.ParseDIS(got)
		if err != nil {
			t.Fatal(err)
		}
		want := tt.c
		want.Resolutions = want.Resolutions.With(t30.ResStandard)
		if back != want {
			t.Errorf("ParseDIS(% x) = %+v, want %+v", got, back, want)
		}
	}
}

func TestParamsMarshal(t *testing.T) {
	tests := []struct {
		p    t30.Params
		want []byte
	}{
		{t30.Params{Receive: true, Rate: t30.Rate14400V17, Resolution: t30.ResFine, Coding: t30.CodingMR, Length: t30.LengthUnlimited, ScanTime: t30.Scan0}, []byte{0x00, 0xe2, 0x78}},
		{t30.Params{Receive: true, Rate: t30.Rate12000V17, Coding: t30.CodingMMR, ECM: true, Frame64: true, ScanTime: t30.Scan0}, []byte{0x00, 0x2a, 0xf0, 0x4c}},
		{t30.Params{Receive: true, Rate: t30.Rate7200V17, Resolution: t30.ResSuperfine, Inch: true}, []byte{0x00, 0x2e, 0x80, 0x80, 0x80, 0x09}},
		{t30.Params{Receive: true, Rate: t30.Rate2400V27ter, Resolution: t30.Res300, Width: t30.WidthA3, Length: t30.LengthB4, ScanTime: t30.Scan40}, []byte{0x00, 0x02, 0xc6, 0x80, 0x80, 0x02}},
	}
	for _, tt := range tests {
		got := tt.p.Marshal()
		if !bytes.Equal(got, tt.want) {
			t.Errorf("%v: Marshal = % x, want % x", tt.p, got, tt.want)
		}
		back, err := t30.ParseDCS(got)
		if err != nil || back != tt.p {
			t.Errorf("ParseDCS(% x) = %+v, %v; want %+v", got, back, err, tt.p)
		}
	}
	// Both coding bits: MMR wins; several resolution bits: the highest.
	p, err := t30.ParseDCS([]byte{0x00, 0xc2, 0x80, 0xc0, 0x80, 0x03})
	if err != nil || p.Coding != t30.CodingMMR || p.Resolution != t30.Res300 {
		t.Errorf("ParseDCS = %+v, %v", p, err)
	}
}

func TestBitRates(t *testing.T) {
	tests := []struct {
		m    t30.Modems
		want []t30.BitRate
	}{
		{t30.ModemsV27terFallback, []t30.BitRate{t30.Rate2400V27ter}},
		{t30.ModemsV27ter, []t30.BitRate{t30.Rate4800V27ter, t30.Rate2400V27ter}},
		{t30.ModemsV29, []t30.BitRate{t30.Rate9600V29, t30.Rate7200V29, t30.Rate2400V27ter}},
		{t30.ModemsV27terV29, []t30.BitRate{t30.Rate9600V29, t30.Rate7200V29, t30.Rate4800V27ter, t30.Rate2400V27ter}},
		{t30.ModemsV27terV29V17, []t30.BitRate{t30.Rate14400V17, t30.Rate12000V17, t30.Rate9600V17, t30.Rate9600V29,
			t30.Rate7200V17, t30.Rate7200V29, t30.Rate4800V27ter, t30.Rate2400V27ter}},
		{0x7, []t30.BitRate{t30.Rate9600V29, t30.Rate7200V29, t30.Rate4800V27ter, t30.Rate2400V27ter}}, // 1996: V.33
	}
	for _, tt := range tests {
		c := t30.Capabilities{Modems: tt.m}
		if got := c.BitRates(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%v: %v, want %v", tt.m, got, tt.want)
		}
	}
	for _, r := range []struct {
		r    t30.BitRate
		bps  int
		name string
	}{
		{t30.Rate14400V17, 14400, "V.17 14400"}, {t30.Rate9600V29, 9600, "V.29 9600"},
		{t30.Rate2400V27ter, 2400, "V.27ter 2400"}, {0x5, 0, "BitRate(0x5)"},
	} {
		if r.r.BitsPerSecond() != r.bps || r.r.String() != r.name {
			t.Errorf("%#x: %d %q", uint8(r.r), r.r.BitsPerSecond(), r.r.String())
		}
	}
}

// TestMinScanTime checks T.30 Table 2 bits 21-23 and 46 against spandsp's
// translation table (t30.c set_min_scan_time: normal, fine, and superfine
// with T15.4 = 1/2 T7.7).
func TestMinScanTime(t *testing.T) {
	tests := []struct {
		cap                    t30.ScanTimeCap
		std, fine, superfine   t30.ScanTime
		superfineNoHalf, r400h t30.ScanTime
	}{
		{t30.ScanCap20, t30.Scan20, t30.Scan20, t30.Scan10, t30.Scan20, t30.Scan10},
		{t30.ScanCap5, t30.Scan5, t30.Scan5, t30.Scan5, t30.Scan5, t30.Scan5},
		{t30.ScanCap10, t30.Scan10, t30.Scan10, t30.Scan5, t30.Scan10, t30.Scan5},
		{t30.ScanCap20Half, t30.Scan20, t30.Scan10, t30.Scan5, t30.Scan10, t30.Scan5},
		{t30.ScanCap40, t30.Scan40, t30.Scan40, t30.Scan20, t30.Scan40, t30.Scan20},
		{t30.ScanCap40Half, t30.Scan40, t30.Scan20, t30.Scan10, t30.Scan20, t30.Scan10},
		{t30.ScanCap10Half, t30.Scan10, t30.Scan5, t30.Scan5, t30.Scan5, t30.Scan5},
		{t30.ScanCap0, t30.Scan0, t30.Scan0, t30.Scan0, t30.Scan0, t30.Scan0},
	}
	for _, tt := range tests {
		half := t30.Capabilities{ScanTime: tt.cap, HalfScanTime: true}
		full := t30.Capabilities{ScanTime: tt.cap}
		got := []t30.ScanTime{half.MinScanTime(t30.ResStandard), half.MinScanTime(t30.ResFine),
			half.MinScanTime(t30.ResSuperfine), full.MinScanTime(t30.ResSuperfine), half.MinScanTime(t30.Res400)}
		want := []t30.ScanTime{tt.std, tt.fine, tt.superfine, tt.superfineNoHalf, tt.r400h}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%v: %v, want %v", tt.cap, got, want)
		}
	}
	for s, d := range map[t30.ScanTime]time.Duration{t30.Scan0: 0, t30.Scan5: 5 * time.Millisecond,
		t30.Scan10: 10 * time.Millisecond, t30.Scan20: 20 * time.Millisecond, t30.Scan40: 40 * time.Millisecond, 6: 10 * time.Millisecond} {
		if s.Duration() != d {
			t.Errorf("%d: %v, want %v", s, s.Duration(), d)
		}
	}
}

func TestMinLineBytes(t *testing.T) {
	tests := []struct {
		s     t30.ScanTime
		r     t30.BitRate
		bits  int
		bytes int
	}{
		{t30.Scan10, t30.Rate14400V17, 144, 18}, // "Minimum bits per row will be 144"
		{t30.Scan20, t30.Rate9600V29, 192, 24},
		{t30.Scan5, t30.Rate7200V17, 36, 5},
		{t30.Scan40, t30.Rate2400V27ter, 96, 12},
		{t30.Scan0, t30.Rate14400V17, 0, 0},
		{t30.Scan20, 0x5, 0, 0},
	}
	for _, tt := range tests {
		if b, by := t30.MinLineBits(tt.s, tt.r), t30.MinLineBytes(tt.s, tt.r); b != tt.bits || by != tt.bytes {
			t.Errorf("%v at %v: %d bits %d bytes, want %d %d", tt.s, tt.r, b, by, tt.bits, tt.bytes)
		}
	}
}

func TestWidthPels(t *testing.T) {
	for w, n := range map[t30.Width]int{t30.WidthA4: 1728, t30.WidthB4: 2048, t30.WidthA3: 2432, t30.WidthInvalid: 0} {
		if w.Pels() != n {
			t.Errorf("%v: %d", w, w.Pels())
		}
	}
	p := t30.Params{ECM: true}
	if p.FrameSize() != 256 || (t30.Params{ECM: true, Frame64: true}).FrameSize() != 64 || (t30.Params{}).FrameSize() != 0 {
		t.Error("FrameSize")
	}
}
