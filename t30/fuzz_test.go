package t30_test

import (
	"reflect"
	"testing"

	"faxbox/t30"
)

// FuzzParse checks that Parse never panics and that whatever it accepts
// marshals and parses back to the same frame (parse, marshal, parse is
// stable). Seeds: every frame spandsp sent in testdata, plus edge cases.
func FuzzParse(f *testing.F) {
	for _, g := range readGolden(f) {
		f.Add(g.b)
	}
	for _, b := range [][]byte{
		nil, {0xff}, {0xff, 0x13}, {0xff, 0x13, 0x00}, {0xff, 0x13, 0x07, 0x01},
		{0xff, 0x13, 0x80, 0xff, 0xff, 0xff, 0xff}, {0xff, 0x13, 0xbf, 0x01, 0, 0, 0},
		{0xff, 0x13, 0x13, 0x00, 0xff}, {0xff, 0x03, 0x40, 0x00, ' ', 'a'},
	} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := t30.Parse(b)
		if err != nil {
			if fr != nil {
				t.Fatalf("Parse returned a frame and an error: %v", err)
			}
			return
		}
		m, err := t30.Marshal(fr)
		if err != nil {
			t.Fatalf("Marshal(%#v): %v", fr, err)
		}
		again, err := t30.Parse(m)
		if err != nil {
			t.Fatalf("Parse(Marshal) % x: %v", m, err)
		}
		if !reflect.DeepEqual(fr, again) {
			t.Fatalf("unstable:\n% x\n%#v\n% x\n%#v", b, fr, m, again)
		}
	})
}

// FuzzParseDIS checks ParseDIS and ParseDCS the same way.
func FuzzParseDIS(f *testing.F) {
	for _, g := range readGolden(f) {
		if len(g.b) > 3 && (g.b[2]&^1 == 0x80 || g.b[2]&^1 == 0x82) {
			f.Add(g.b[3:])
		}
	}
	f.Add([]byte{0, 0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0, 0, 0x80})
	f.Fuzz(func(t *testing.T, fif []byte) {
		if c, err := t30.ParseDIS(fif); err == nil {
			m := c.Marshal()
			again, err := t30.ParseDIS(m)
			if err != nil || again != c {
				t.Fatalf("DIS unstable: % x -> %+v -> % x -> %+v, %v", fif, c, m, again, err)
			}
			if len(m) > 3 && m[len(m)-1] == 0 {
				t.Fatalf("DIS % x ends with a zero octet", m)
			}
		} else if len(fif) >= 3 {
			t.Fatalf("ParseDIS(% x): %v", fif, err)
		}
		if p, err := t30.ParseDCS(fif); err == nil {
			m := p.Marshal()
			again, err := t30.ParseDCS(m)
			if err != nil || again != p {
				t.Fatalf("DCS unstable: % x -> %+v -> % x -> %+v, %v", fif, p, m, again, err)
			}
		}
	})
}
