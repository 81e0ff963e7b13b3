package t30

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

type gotFrame struct {
	b   []byte
	err error
}

func decodeAll(data []byte, max int) []gotFrame {
	var out []gotFrame
	d := newHDLCDecoder(max, func(f []byte, err error) {
		out = append(out, gotFrame{append([]byte(nil), f...), err})
	})
	d.Write(data)
	return out
}

func TestHDLCRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var frames [][]byte
	var e hdlcEncoder
	e.flags(20)
	for i := 0; i < 200; i++ {
		n := 3 + rng.IntN(260)
		f := make([]byte, n)
		for j := range f {
			switch i % 3 {
			case 0:
				f[j] = byte(rng.Uint32())
			case 1:
				f[j] = 0xff // worst case for stuffing
			default:
				f[j] = hdlcFlag
			}
		}
		frames = append(frames, f)
		e.frame(f)
		if i%7 == 0 {
			e.flags(3)
		}
	}
	data := e.bytes()
	got := decodeAll(data, 300)
	if len(got) != len(frames) {
		t.Fatalf("%d frames decoded, %d sent", len(got), len(frames))
	}
	for i := range frames {
		if got[i].err != nil || !bytes.Equal(got[i].b, frames[i]) {
			t.Fatalf("frame %d: %v", i, got[i].err)
		}
	}
	// Any single bit error inside a frame is caught by the FCS or framing,
	// and never yields a wrong frame reported as good.
	for trial := 0; trial < 300; trial++ {
		d := append([]byte(nil), data...)
		bit := 20*8 + rng.IntN(len(d)*8-20*8)
		d[bit/8] ^= 1 << (bit % 8)
		for i, g := range decodeAll(d, 300) {
			if g.err == nil && i < len(frames) && !bytes.Equal(g.b, frames[i]) {
				found := false
				for _, f := range frames {
					if bytes.Equal(f, g.b) {
						found = true
					}
				}
				if !found {
					t.Fatalf("bit %d: a damaged frame passed as good", bit)
				}
			}
		}
	}
}

func TestHDLCAbortAndLimits(t *testing.T) {
	var e hdlcEncoder
	e.flags(2)
	e.frame(bytes.Repeat([]byte{1}, 400))
	e.frame([]byte{1, 2, 3})
	got := decodeAll(e.bytes(), 300)
	if len(got) != 2 || got[0].err != errHDLCLong || got[1].err != nil || !bytes.Equal(got[1].b, []byte{1, 2, 3}) {
		t.Fatalf("got %+v", got)
	}
	// Idle ones (a carrier with no data) and garbage decode to nothing good.
	for _, g := range decodeAll(bytes.Repeat([]byte{0xff}, 100), 300) {
		if g.err == nil {
			t.Fatal("a frame from idle ones")
		}
	}
}

func FuzzHDLCDecoder(f *testing.F) {
	var e hdlcEncoder
	e.flags(2)
	e.frame([]byte{0xff, 0x03, 0x60, 1, 2, 3})
	f.Add(e.bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, g := range decodeAll(data, 64) {
			if len(g.b) > 66 {
				t.Fatalf("frame of %d bytes over the limit", len(g.b))
			}
			if g.err == nil {
				var e hdlcEncoder
				e.flags(1)
				e.frame(g.b)
				again := decodeAll(e.bytes(), 64)
				if len(again) != 1 || again[0].err != nil || !bytes.Equal(again[0].b, g.b) {
					t.Fatal("re-encoded frame does not decode")
				}
			}
		}
	})
}
