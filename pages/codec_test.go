package pages

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

// variants are the encoder options every round trip is tried with.
var variants = []EncoderOptions{
	{Coding: MH},
	{Coding: MH, RTC: true, AlignEOL: true},
	{Coding: MH, MinLineBytes: 30, BitOrder: LSBFirst, RTC: true},
	{Coding: MR, K: 2},
	{Coding: MR, K: 4, RTC: true, AlignEOL: true},
	{Coding: MR, K: 1},
	{Coding: MR, K: 1000, MinLineBytes: 18, BitOrder: LSBFirst},
	{Coding: MMR},
	{Coding: MMR, RTC: true, BitOrder: LSBFirst},
}

func name(o EncoderOptions) string {
	return fmt.Sprintf("%v-k%d-rtc%v-align%v-min%d-lsb%v", o.Coding, o.K, o.RTC, o.AlignEOL, o.MinLineBytes, o.BitOrder == LSBFirst)
}

func roundTrip(t *testing.T, p *Page, o EncoderOptions) []byte {
	t.Helper()
	data := mustEncode(t, p, o)
	for _, h := range []int{0, p.Height} {
		got, st, err := Decode(bytes.NewReader(data), DecoderOptions{Coding: o.Coding, Width: p.Width, Height: h, BitOrder: o.BitOrder})
		if err != nil {
			t.Fatalf("%s: decode: %v", name(o), err)
		}
		samePage(t, name(o), got, p)
		if st.BadRows != 0 || st.Rows != p.Height {
			t.Fatalf("%s: stats %+v on clean data", name(o), st)
		}
		if st.EndMarker != o.RTC && h == 0 {
			t.Fatalf("%s: EndMarker %v, want %v", name(o), st.EndMarker, o.RTC)
		}
	}
	return data
}

func TestRoundTripCharts(t *testing.T) {
	for n := 1; n <= 8; n++ {
		p := chart(t, n)
		t.Run(fmt.Sprint("ccitt", n), func(t *testing.T) {
			t.Parallel()
			for _, o := range variants {
				roundTrip(t, p, o)
			}
		})
	}
}

func TestRoundTripEdgePages(t *testing.T) {
	for nm, p := range edgePages(t) {
		t.Run(nm, func(t *testing.T) {
			for _, o := range variants {
				roundTrip(t, p, o)
			}
		})
	}
}

// TestCodedSizes checks the coded sizes against libtiff 4.5.0's for the
// same choices (EOL before every row, no fill, no RTC; MR with K=4; MMR
// with EOFB), as tiffcp writes them, and against the sizes of MH with RTC.
func TestCodedSizes(t *testing.T) {
	libtiff := [9][3]int{{},
		{37414, 25958, 18103}, {34358, 19646, 10803}, {65025, 40788, 28706}, {108066, 81805, 69275},
		{68308, 44147, 32222}, {51162, 28235, 16651}, {106411, 81456, 69282}, {62792, 33004, 19099}}
	mhRTC := [9]int{0, 37423, 34367, 65034, 108075, 68317, 51171, 106420, 62801}
	for n := 1; n <= 8; n++ {
		p := chart(t, n)
		got := [3]int{
			len(mustEncode(t, p, EncoderOptions{Coding: MH})),
			len(mustEncode(t, p, EncoderOptions{Coding: MR, K: 4})),
			len(mustEncode(t, p, EncoderOptions{Coding: MMR, RTC: true})),
		}
		if got != libtiff[n] {
			t.Errorf("ccitt%d: MH/MR/MMR sizes %v, libtiff %v", n, got, libtiff[n])
		}
		if g := len(mustEncode(t, p, EncoderOptions{Coding: MH, RTC: true})); g != mhRTC[n] {
			t.Errorf("ccitt%d: MH with RTC %d bytes, want %d", n, g, mhRTC[n])
		}
	}
}

// eolPositions returns the bit offsets just past each EOL in MSB-first data.
func eolPositions(data []byte) []int {
	var out []int
	zeros := 0
	for i := 0; i < len(data)*8; i++ {
		if data[i/8]&(0x80>>(i%8)) == 0 {
			zeros++
			continue
		}
		if zeros >= 11 {
			out = append(out, i+1)
		}
		zeros = 0
	}
	return out
}

func TestAlignEOL(t *testing.T) {
	p := chart(t, 2)
	for _, c := range []Coding{MH, MR} {
		data := mustEncode(t, p, EncoderOptions{Coding: c, K: 4, AlignEOL: true, RTC: true})
		eols := eolPositions(data)
		if len(eols) != p.Height+6 {
			t.Fatalf("%v: %d EOLs, want %d", c, len(eols), p.Height+6)
		}
		for i, pos := range eols {
			if pos%8 != 0 {
				t.Fatalf("%v: EOL %d ends at bit %d, not on a byte boundary", c, i, pos)
			}
		}
	}
}

// TestMinLineBytes checks that every coded row, from its EOL to the next,
// takes at least the minimum (the receiver's minimum scan line time).
func TestMinLineBytes(t *testing.T) {
	p := chart(t, 1)
	for _, c := range []Coding{MH, MR} {
		for _, min := range []int{18, 36, 144} { // 14400 bit/s x 10, 20 and 80 ms / 8
			data := mustEncode(t, p, EncoderOptions{Coding: c, K: 2, MinLineBytes: min, RTC: true})
			eols := eolPositions(data)
			short := 0
			for i := 1; i < p.Height+1; i++ {
				// EOL i-1 ends where row i-1's data starts; the row with its
				// EOL spans from 12 bits before that to 12 bits before EOL i.
				if eols[i]-eols[i-1] < min*8 {
					short++
				}
			}
			if short > 0 {
				t.Errorf("%v min %d: %d rows shorter than the minimum", c, min, short)
			}
			if len(data) < p.Height*min {
				t.Errorf("%v min %d: %d bytes for %d rows", c, min, len(data), p.Height)
			}
		}
	}
}

func TestEncoderNoAllocPerRow(t *testing.T) {
	p := chart(t, 4)
	for _, c := range []Coding{MH, MR, MMR} {
		e, err := NewEncoder(io.Discard, EncoderOptions{Coding: c, Width: p.Width, K: 4})
		if err != nil {
			t.Fatal(err)
		}
		y := 0
		allocs := testing.AllocsPerRun(500, func() {
			if err := e.WriteRow(p.Row(y % p.Height)); err != nil {
				t.Fatal(err)
			}
			y++
		})
		if allocs != 0 {
			t.Errorf("%v: %.1f allocations per row", c, allocs)
		}
	}
}

func TestDecoderNoAllocPerRow(t *testing.T) {
	p := chart(t, 4)
	for _, c := range []Coding{MH, MR, MMR} {
		data := mustEncode(t, p, EncoderOptions{Coding: c, K: 4})
		d, err := NewDecoder(bytes.NewReader(data), DecoderOptions{Coding: c, Width: p.Width})
		if err != nil {
			t.Fatal(err)
		}
		row := make([]byte, p.Stride)
		allocs := testing.AllocsPerRun(1000, func() {
			if err := d.ReadRow(row); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%v: %.1f allocations per row", c, allocs)
		}
	}
}

func TestRawMultiPageStream(t *testing.T) {
	a, b := crop(chart(t, 3), 300), crop(chart(t, 8), 200)
	for _, c := range []Coding{MH, MR, MMR} {
		o := EncoderOptions{Coding: c, K: 4, RTC: true, AlignEOL: c != MMR}
		data := append(mustEncode(t, a, o), mustEncode(t, b, o)...)
		r := bytes.NewReader(data)
		d, _ := NewDecoder(r, DecoderOptions{Coding: c, Width: a.Width})
		got1 := decodeRows(t, d, a.Width)
		samePage(t, c.String()+" page 1", got1, a)
		off := d.Offset()
		d2, _ := NewDecoder(bytes.NewReader(data[off:]), DecoderOptions{Coding: c, Width: a.Width})
		got2 := decodeRows(t, d2, a.Width)
		samePage(t, c.String()+" page 2", got2, b)
		if !d2.Stats().EndMarker || d2.Offset() != int64(len(data)-int(off)) {
			t.Errorf("%v: page 2 ends at %d of %d, end marker %v", c, d2.Offset(), len(data)-int(off), d2.Stats().EndMarker)
		}
	}
}

func decodeRows(t *testing.T, d *Decoder, width int) *Page {
	t.Helper()
	p := &Page{Width: width, Stride: (width + 7) / 8}
	row := make([]byte, p.Stride)
	for {
		err := d.ReadRow(row)
		if err == io.EOF {
			return p
		}
		if err != nil {
			t.Fatal(err)
		}
		p.Pix = append(p.Pix, row...)
		p.Height++
	}
}

func TestOptionErrors(t *testing.T) {
	if _, err := NewEncoder(io.Discard, EncoderOptions{Width: 0}); err == nil {
		t.Error("width 0 accepted")
	}
	if _, err := NewEncoder(io.Discard, EncoderOptions{Width: MaxWidth + 1}); err == nil {
		t.Error("width over the maximum accepted")
	}
	if _, err := NewDecoder(bytes.NewReader(nil), DecoderOptions{Width: 1728, Height: MaxHeight + 1}); err == nil {
		t.Error("height over the maximum accepted")
	}
	e, _ := NewEncoder(io.Discard, EncoderOptions{Width: 1728})
	if err := e.WriteRow(make([]byte, 10)); err == nil {
		t.Error("short row accepted")
	}
	if _, err := ParseCoding("g5"); err == nil {
		t.Error("coding g5 accepted")
	}
}
