package pages

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
)

// rowsEqual counts the rows of got that equal want's.
func rowsEqual(got, want *Page) int {
	n := 0
	for y := 0; y < min(got.Height, want.Height); y++ {
		if bytes.Equal(got.Row(y), want.Row(y)) {
			n++
		}
	}
	return n
}

// rowsNear counts the rows of got that equal a row of want at most slack
// rows away.
func rowsNear(got, want *Page, slack int) int {
	n := 0
	for y := 0; y < got.Height; y++ {
		for d := -slack; d <= slack; d++ {
			if y+d >= 0 && y+d < want.Height && bytes.Equal(got.Row(y), want.Row(y+d)) {
				n++
				break
			}
		}
	}
	return n
}

// TestFlippedBits: a few bit errors in MH or MR data, as a noisy line
// makes them, damage a few rows; the decoder counts them, replaces them,
// and the rest of the page comes out intact.
func TestFlippedBits(t *testing.T) {
	p := chart(t, 1)
	for _, o := range []EncoderOptions{{Coding: MH, RTC: true}, {Coding: MR, K: 2, RTC: true}, {Coding: MR, K: 4, RTC: true, AlignEOL: true}} {
		for seed := uint64(1); seed <= 5; seed++ {
			t.Run(fmt.Sprintf("%s-seed%d", name(o), seed), func(t *testing.T) {
				data := mustEncode(t, p, o)
				rng := rand.New(rand.NewPCG(seed, 99))
				const flips = 10
				for i := 0; i < flips; i++ {
					bit := rng.IntN(len(data)*8-200) + 100 // not in the first EOL or RTC
					data[bit/8] ^= 0x80 >> (bit % 8)
				}
				got, st, err := Decode(bytes.NewReader(data), DecoderOptions{Coding: o.Coding, Width: p.Width})
				if err != nil {
					t.Fatal(err)
				}
				if st.BadRows == 0 {
					t.Fatalf("%d flipped bits went unnoticed: %+v", flips, st)
				}
				// Each flip damages its row and, for MR, the 2-D rows up to
				// the next 1-D row; resynchronisation saves everything else.
				k := max(o.K, 1)
				if o.Coding == MH {
					k = 1
				}
				// A flip inside an EOL merges two rows, so later rows may sit
				// one or two places off: compare with a little slack.
				same := rowsNear(got, p, 3)
				if worst := p.Height - flips*(k+2); same < worst {
					t.Fatalf("only %d of %d rows intact after %d flips (want at least %d); stats %+v", same, p.Height, flips, worst, st)
				}
				if got.Height < p.Height-flips || got.Height > p.Height+flips {
					t.Fatalf("%d rows decoded, page has %d", got.Height, p.Height)
				}
			})
		}
	}
}

// TestTruncated: data cut anywhere keeps the rows before the cut; with the
// height known, the missing rows are white and counted bad.
func TestTruncated(t *testing.T) {
	p := chart(t, 5)
	for _, o := range []EncoderOptions{{Coding: MH}, {Coding: MR, K: 4}, {Coding: MMR}} {
		data := mustEncode(t, p, o)
		for _, frac := range []float64{0, 0.001, 0.3, 0.5, 0.999} {
			cut := data[:int(float64(len(data))*frac)]
			got, st, err := Decode(bytes.NewReader(cut), DecoderOptions{Coding: o.Coding, Width: p.Width, Height: p.Height})
			if err != nil {
				t.Fatalf("%v cut at %.3f: %v", o.Coding, frac, err)
			}
			if got.Height != p.Height || st.Rows != p.Height {
				t.Fatalf("%v cut at %.3f: %d rows, want %d", o.Coding, frac, got.Height, p.Height)
			}
			intact := rowsEqual(got, p)
			if intact+st.BadRows < p.Height-1 && frac > 0 {
				t.Fatalf("%v cut at %.3f: %d intact + %d bad of %d", o.Coding, frac, intact, st.BadRows, p.Height)
			}
			// The rows before the cut are all there: the cut removes at
			// most a proportional share plus one row.
			if min := int(float64(p.Height)*frac) - p.Height/10; intact < min {
				t.Fatalf("%v cut at %.3f: only %d rows intact", o.Coding, frac, intact)
			}
			if frac < 0.999 && st.BadRows == 0 {
				t.Fatalf("%v cut at %.3f: no rows counted bad", o.Coding, frac)
			}
			// Without a known height the page simply ends.
			got2, st2, err := Decode(bytes.NewReader(cut), DecoderOptions{Coding: o.Coding, Width: p.Width})
			if err != nil || got2.Height > p.Height || st2.EndMarker {
				t.Fatalf("%v cut at %.3f, no height: %d rows, %+v, %v", o.Coding, frac, got2.Height, st2, err)
			}
		}
	}
}

// TestMMRDamageEndsPage: T.6 data cannot resynchronise; the rows before the
// damage are kept and the rest counted missing.
func TestMMRDamageEndsPage(t *testing.T) {
	p := chart(t, 3)
	data := mustEncode(t, p, EncoderOptions{Coding: MMR, RTC: true})
	data[len(data)/2] ^= 0xff
	got, st, err := Decode(bytes.NewReader(data), DecoderOptions{Coding: MMR, Width: p.Width, Height: p.Height})
	if err != nil {
		t.Fatal(err)
	}
	if st.BadRows == 0 || got.Height != p.Height {
		t.Fatalf("stats %+v, height %d", st, got.Height)
	}
	if rowsEqual(got, p) < p.Height/3 {
		t.Fatalf("only %d rows intact", rowsEqual(got, p))
	}
}

// TestRandomBytes: garbage is decoded without panic, hang or runaway
// growth, with the damage counted.
func TestRandomBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, c := range []Coding{MH, MR, MMR} {
		for i := 0; i < 50; i++ {
			data := make([]byte, rng.IntN(20000))
			for j := range data {
				data[j] = byte(rng.Uint32())
			}
			got, st, err := Decode(bytes.NewReader(data), DecoderOptions{Coding: c, Width: 1728})
			if err != nil {
				t.Fatalf("%v: %v", c, err)
			}
			if got.Height > len(data)*8/12+2 || st.Rows != got.Height {
				t.Fatalf("%v: %d rows from %d bytes", c, got.Height, len(data))
			}
		}
	}
}

// TestLimits: hostile streams stop at MaxHeight rows or MaxBytes bytes.
func TestLimits(t *testing.T) {
	// More tiny valid rows of width 1 than a page may have.
	var buf bytes.Buffer
	e, _ := NewEncoder(&buf, EncoderOptions{Coding: MH, Width: 1})
	for i := 0; i < MaxHeight+10; i++ {
		e.WriteRow([]byte{0})
	}
	e.Close()
	data := buf.Bytes()
	got, _, err := Decode(bytes.NewReader(data), DecoderOptions{Coding: MH, Width: 1})
	if err == nil || got.Height != MaxHeight {
		t.Fatalf("%d rows, err %v; want %d rows and an error", got.Height, err, MaxHeight)
	}
	// Endless zeros (fill) stop at MaxBytes.
	_, _, err = Decode(io.LimitReader(zeroReader{}, 1<<30), DecoderOptions{Coding: MH, Width: 1728, MaxBytes: 1 << 20})
	if err == nil {
		t.Fatal("1 GiB of fill decoded without error")
	}
	// A reader that returns nothing forever.
	_, _, err = Decode(stuckReader{}, DecoderOptions{Coding: MR, Width: 1728})
	if err == nil {
		t.Fatal("a reader that makes no progress gave no error")
	}
}

type zeroReader struct{}

func (zeroReader) Read(b []byte) (int, error) { clear(b); return len(b), nil }

type stuckReader struct{}

func (stuckReader) Read(b []byte) (int, error) { return 0, nil }

// TestCorruptTIFF: malformed files give a FormatError or UnsupportedError
// naming the problem, never a panic.
func TestCorruptTIFF(t *testing.T) {
	p := crop(chart(t, 2), 100)
	var buf bytes.Buffer
	tw, _ := NewTIFFWriter(&buf, 2)
	tw.WritePage(p, EncoderOptions{Coding: MR, K: 4})
	tw.WritePage(p, EncoderOptions{Coding: MMR})
	tw.Close()
	good := buf.Bytes()
	if _, _, err := ReadTIFF(good); err != nil {
		t.Fatal(err)
	}
	for nm, data := range map[string][]byte{
		"empty":     nil,
		"not tiff":  []byte("P4\n1 1\n\x00"),
		"bigtiff":   []byte("II+\x00\x08\x00\x00\x00"),
		"truncated": good[:len(good)/2],
		"bad ifd":   append(append([]byte{}, good[:4]...), 0xff, 0xff, 0xff, 0x7f),
		"loop":      loopTIFF(good),
	} {
		_, _, err := ReadTIFF(data)
		if err == nil {
			t.Errorf("%s: no error", nm)
			continue
		}
		var fe *FormatError
		var ue *UnsupportedError
		if !asErr(err, &fe) && !asErr(err, &ue) {
			t.Errorf("%s: error %v is not a FormatError or UnsupportedError", nm, err)
		}
	}
	// Every single-byte change in the header and IFDs decodes or fails
	// cleanly.
	for i := 0; i < 400; i++ {
		for _, v := range []byte{0, 0xff, 0x80} {
			d := append([]byte{}, good...)
			d[i] = v
			ReadTIFF(d)
		}
	}
}

// loopTIFF points the second page's next-IFD offset back at the first.
func loopTIFF(good []byte) []byte {
	d := append([]byte{}, good...)
	f, err := OpenTIFF(bytes.NewReader(d), int64(len(d)))
	if err != nil || len(f.Pages) != 2 {
		panic("loopTIFF needs a valid two-page file")
	}
	// Find the second IFD: the first IFD's next offset.
	n := int(d[8]) | int(d[9])<<8
	next := 10 + 12*n
	off := int(d[next]) | int(d[next+1])<<8 | int(d[next+2])<<16 | int(d[next+3])<<24
	n2 := int(d[off]) | int(d[off+1])<<8
	p := off + 2 + 12*n2
	d[p], d[p+1], d[p+2], d[p+3] = 8, 0, 0, 0
	return d
}
