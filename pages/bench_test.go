package pages

import (
	"bytes"
	"io"
	"testing"
)

// The codec benchmarks run over the eight ITU charts (fine resolution,
// 1728 x 2376): MB/s counts raw bitmap bytes, and pages/s is reported too.

func benchCharts(b *testing.B) []*Page {
	ps := make([]*Page, 8)
	for i := range ps {
		ps[i] = chart(b, i+1)
	}
	return ps
}

var benchCodings = []struct {
	name string
	o    EncoderOptions
}{
	{"mh", EncoderOptions{Coding: MH, RTC: true}},
	{"mr-k4", EncoderOptions{Coding: MR, K: 4, RTC: true}},
	{"mmr", EncoderOptions{Coding: MMR, RTC: true}},
}

func BenchmarkEncode(b *testing.B) {
	ps := benchCharts(b)
	for _, bc := range benchCodings {
		b.Run(bc.name, func(b *testing.B) {
			o := bc.o
			o.Width = ps[0].Width
			b.SetBytes(int64(len(ps) * len(ps[0].Pix)))
			b.ReportAllocs()
			for b.Loop() {
				for _, p := range ps {
					e, _ := NewEncoder(io.Discard, o)
					for y := 0; y < p.Height; y++ {
						e.WriteRow(p.Row(y))
					}
					e.Close()
				}
			}
			b.ReportMetric(float64(b.N*len(ps))/b.Elapsed().Seconds(), "pages/s")
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	ps := benchCharts(b)
	for _, bc := range benchCodings {
		b.Run(bc.name, func(b *testing.B) {
			coded := make([][]byte, len(ps))
			for i, p := range ps {
				coded[i] = mustEncode(b, p, bc.o)
			}
			row := make([]byte, ps[0].Stride)
			b.SetBytes(int64(len(ps) * len(ps[0].Pix)))
			b.ReportAllocs()
			for b.Loop() {
				for _, c := range coded {
					d, _ := NewDecoder(bytes.NewReader(c), DecoderOptions{Coding: bc.o.Coding, Width: ps[0].Width})
					for d.ReadRow(row) == nil {
					}
				}
			}
			b.ReportMetric(float64(b.N*len(ps))/b.Elapsed().Seconds(), "pages/s")
		})
	}
}

// BenchmarkTIFFWrite measures a multipage TIFF-F of the eight charts, as
// faxd encode writes it.
func BenchmarkTIFFWrite(b *testing.B) {
	ps := benchCharts(b)
	b.SetBytes(int64(len(ps) * len(ps[0].Pix)))
	for b.Loop() {
		tw, _ := NewTIFFWriter(io.Discard, len(ps))
		for _, p := range ps {
			tw.WritePage(p, EncoderOptions{Coding: MR, K: 4})
		}
		tw.Close()
	}
}
