package pages

import (
	"bufio"
	"bytes"
	"testing"
)

// band returns h rows of p from y0: a small, busy piece of a chart, so
// that fuzzing spends its time on interesting data.
func band(p *Page, y0, h int) *Page {
	q, _ := NewPage(p.Width, h)
	copy(q.Pix, p.Pix[y0*p.Stride:(y0+h)*p.Stride])
	return q
}

func fuzzSeeds(f *testing.F, c Coding) {
	for n := 1; n <= 8; n++ {
		p := band(chart(f, n), 600+20*n, 24)
		for _, o := range []EncoderOptions{{Coding: c, K: 2, RTC: true}, {Coding: c, K: 4, AlignEOL: true, MinLineBytes: 20}} {
			f.Add(mustEncode(f, p, o), uint16(p.Width))
		}
	}
	f.Add([]byte{}, uint16(1728))
	f.Add([]byte{0, 1, 0, 1, 0, 1}, uint16(1))
}

// fuzzDecode checks what any input must give: no panic, consistent
// statistics, bounded output, and when the decoder found no damage, a page
// that codes and decodes back to itself.
func fuzzDecode(t *testing.T, c Coding, data []byte, w uint16) {
	width := 1 + int(w)%WidthA3
	p, st, err := Decode(bytes.NewReader(data), DecoderOptions{Coding: c, Width: width})
	if err != nil {
		if p == nil {
			t.Fatalf("error without the partial page: %v", err)
		}
		return
	}
	if st.Rows != p.Height || st.BadRows > st.Rows || st.MaxConsecutiveBad > st.BadRows {
		t.Fatalf("inconsistent stats %+v for %d rows", st, p.Height)
	}
	if p.Height > len(data)*8+1 {
		t.Fatalf("%d rows from %d bytes", p.Height, len(data))
	}
	if st.BadRows > 0 || p.Height == 0 {
		return
	}
	again, err := Encode(p, EncoderOptions{Coding: c, K: 3, RTC: true})
	if err != nil {
		t.Fatal(err)
	}
	q, st2, err := Decode(bytes.NewReader(again), DecoderOptions{Coding: c, Width: width})
	if err != nil || st2.BadRows != 0 {
		t.Fatalf("re-encoded page does not decode cleanly: %v %+v", err, st2)
	}
	if !q.Equal(p) {
		t.Fatal("re-encoded page decodes differently")
	}
}

func FuzzDecodeMH(f *testing.F) {
	fuzzSeeds(f, MH)
	f.Fuzz(func(t *testing.T, data []byte, w uint16) { fuzzDecode(t, MH, data, w) })
}

func FuzzDecodeMR(f *testing.F) {
	fuzzSeeds(f, MR)
	f.Fuzz(func(t *testing.T, data []byte, w uint16) { fuzzDecode(t, MR, data, w) })
}

func FuzzDecodeMMR(f *testing.F) {
	fuzzSeeds(f, MMR)
	f.Fuzz(func(t *testing.T, data []byte, w uint16) { fuzzDecode(t, MMR, data, w) })
}

// FuzzRoundTrip: any bitmap codes and decodes back to itself in every
// coding.
func FuzzRoundTrip(f *testing.F) {
	p := band(chart(f, 8), 1000, 4)
	f.Add(p.Pix, uint16(p.Width))
	f.Add([]byte{0xff, 0, 0xaa, 0x55, 0x01, 0x80}, uint16(13))
	f.Fuzz(func(t *testing.T, pix []byte, w uint16) {
		width := 1 + int(w)%256
		stride := (width + 7) / 8
		h := len(pix) / stride
		if h == 0 {
			return
		}
		pg, _ := NewPage(width, h)
		copy(pg.Pix, pix)
		if pad := width % 8; pad != 0 {
			for y := 0; y < h; y++ {
				pg.Pix[y*stride+stride-1] &= byte(0xff << (8 - pad))
			}
		}
		for _, o := range []EncoderOptions{{Coding: MH, RTC: true}, {Coding: MR, K: 3}, {Coding: MMR, RTC: true}} {
			data, err := Encode(pg, o)
			if err != nil {
				t.Fatal(err)
			}
			got, st, err := Decode(bytes.NewReader(data), DecoderOptions{Coding: o.Coding, Width: width, Height: h})
			if err != nil || st.BadRows != 0 || !got.Equal(pg) {
				t.Fatalf("%v: round trip failed: %v %+v", o.Coding, err, st)
			}
		}
	})
}

// FuzzReadTIFF: any file is read or refused with an error; pages that are
// read have the size their tags say.
func FuzzReadTIFF(f *testing.F) {
	for _, c := range []Coding{MH, MR, MMR} {
		var buf bytes.Buffer
		tw, _ := NewTIFFWriter(&buf, 2)
		tw.WritePage(band(chart(f, 4), 500, 16), EncoderOptions{Coding: c, K: 4})
		tw.WritePage(band(chart(f, 7), 500, 8), EncoderOptions{Coding: c, AlignEOL: true})
		tw.Close()
		f.Add(buf.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tf, err := OpenTIFF(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		for i, tp := range tf.Pages {
			p, st, err := tf.Decode(i)
			if err != nil {
				continue
			}
			if p.Width != tp.Width || p.Height != tp.Height || st.Rows > tp.Height {
				t.Fatalf("page %d: %dx%d (%d rows decoded), tags say %dx%d", i, p.Width, p.Height, st.Rows, tp.Width, tp.Height)
			}
		}
	})
}

// FuzzReadPBM: any input is read or refused; what is read writes back the
// same.
func FuzzReadPBM(f *testing.F) {
	f.Add([]byte("P4\n8 2\n\xf0\x0f"))
	f.Add([]byte("P1\n# c\n3 2\n1 0 1\n0 1 0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ReadPBM(bufio.NewReader(bytes.NewReader(data)))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		WritePBM(&buf, p)
		q, err := ReadPBM(bufio.NewReader(&buf))
		if err != nil || !q.Equal(p) {
			t.Fatalf("PBM write/read changed the page: %v", err)
		}
	})
}
