package t30

import (
	"bytes"
	"testing"

	"faxbox/pages"
)

// TestDecodeWithLosses: rows in a hole of the page data count as bad and
// are put back, where the plain decoder loses them and may pass the page.
func TestDecodeWithLosses(t *testing.T) {
	page := chartPage(t, 1, 800)
	data, err := pages.Encode(page, pages.EncoderOptions{Coding: pages.MH, RTC: true, BitOrder: pages.LSBFirst})
	if err != nil {
		t.Fatal(err)
	}
	o := pages.DecoderOptions{Coding: pages.MH, Width: page.Width, BitOrder: pages.LSBFirst}

	whole, wst, err := decodeWithLosses(data, o, nil)
	if err != nil || !whole.Equal(page) || wst.BadRows != 0 {
		t.Fatalf("no hole: %v, %+v, equal %v", err, wst, whole.Equal(page))
	}

	for _, tc := range []struct {
		name   string
		at, n  int
		judged Quality // at best
		// 48 octets: a 40 ms T.38 packet at 9600 bit/s (t38/linetx.go)
	}{
		{"one packet", len(data) / 3, 48, QualityRetrain},
		{"six packets", len(data) / 3, 6 * 48, QualityBad},
		{"twelve packets", len(data) / 2, 12 * 48, QualityBad},
		{"RTC", len(data) - 5, 5, QualityGood},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cut := append(append([]byte(nil), data[:tc.at]...), data[tc.at+tc.n:]...)
			plain, pst, _ := pages.Decode(bytes.NewReader(cut), o)
			got, st, err := decodeWithLosses(cut, o, []dataLoss{{at: int64(tc.at), octets: tc.n}})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("plain %+v %v; with the hole %+v %v", pst, Judge(pst), st, Judge(st))
			if got.Height != st.Rows || len(got.Pix) != st.Rows*got.Stride {
				t.Fatalf("page %dx%d with %d octets, stats %+v", got.Width, got.Height, len(got.Pix), st)
			}
			// The rows put back are an estimate; a page confirmed with
			// them has about its own height.
			if d := st.Rows - page.Height; Judge(st) != QualityBad && (d < -page.Height/50 || d > page.Height/50) {
				t.Errorf("%d rows, want about %d (plain decoder: %d)", st.Rows, page.Height, pst.Rows)
			}
			if st.Rows <= pst.Rows && tc.n > 5 {
				t.Errorf("no row put back: %d, the plain decoder %d", st.Rows, pst.Rows)
			}
			added := st.Rows - pst.Rows
			if st.BadRows < pst.BadRows+added || st.BadRows < 1 {
				t.Errorf("%d bad rows; the plain decoder had %d, %d rows put back", st.BadRows, pst.BadRows, added)
			}
			if st.MaxConsecutiveBad < added {
				t.Errorf("longest bad run %d, shorter than the %d rows put back", st.MaxConsecutiveBad, added)
			}
			if q := Judge(st); q > tc.judged {
				t.Errorf("judged %v, want %v at best", q, tc.judged)
			}
			// The rows before the hole are the page's.
			before := 0
			for before < pst.Rows && plain.Row(before) != nil && bytes.Equal(got.Row(before), page.Row(before)) {
				before++
			}
			if before == 0 {
				t.Errorf("no row before the hole is the page's")
			}
		})
	}
}

// TestDecodeWithLossesNeverShort: holes of one 12-octet packet (40 ms
// at 2400 bit/s) to twelve 48-octet ones (9600 bit/s) anywhere in two
// ITU charts coded MH and MR: no page that would be confirmed (MCF or
// RTP) is more than 2 % short of rows. How far the rows put back are
// from the rows each hole held is logged.
func TestDecodeWithLossesNeverShort(t *testing.T) {
	confirmed := 0
	for _, n := range []int{1, 2} {
		page := chartPage(t, n, 1000)
		for _, coding := range []pages.Coding{pages.MH, pages.MR} {
			data, err := pages.Encode(page, pages.EncoderOptions{Coding: coding, K: 4, RTC: true, BitOrder: pages.LSBFirst})
			if err != nil {
				t.Fatal(err)
			}
			o := pages.DecoderOptions{Coding: coding, Width: page.Width, BitOrder: pages.LSBFirst}
			for _, size := range []int{12, 24, 48, 3 * 48, 12 * 48} {
				holes, off, kept := 0, 0, 0
				for at := 100; at+size < len(data)-100; at += 197 {
					cut := append(append([]byte(nil), data[:at]...), data[at+size:]...)
					_, st, err := decodeWithLosses(cut, o, []dataLoss{{at: int64(at), octets: size}})
					if err != nil {
						t.Fatal(err)
					}
					d := st.Rows - page.Height
					holes++
					off += max(d, -d)
					if Judge(st) == QualityBad {
						continue
					}
					kept++
					if d < -page.Height/50 {
						t.Errorf("chart %d %v, %d octets lost at %d: confirmed with %d rows of %d (%+v)", n, coding, size, at, st.Rows, page.Height, st)
					}
				}
				confirmed += kept
				t.Logf("chart %d %v, holes of %d octets: %d, rows put back off by %.1f on average; %d pages would be confirmed",
					n, coding, size, holes, float64(off)/float64(holes), kept)
			}
		}
	}
	if confirmed == 0 {
		t.Error("no page would be confirmed: nothing checked")
	}
}
