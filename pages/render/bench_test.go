package render

import (
	"context"
	"testing"

	"faxbox/pages"
)

// BenchmarkPDF10 renders a ten-page text PDF at fine resolution.
func BenchmarkPDF10(b *testing.B) {
	pdf := makePDF(b, textPS(10, nil, false))
	r := New(Options{Resolution: pages.Fine})
	b.ReportAllocs()
	for b.Loop() {
		doc, err := r.Render(context.Background(), Message{}, []Attachment{{Name: "b.pdf", Data: pdf}})
		if err != nil {
			b.Fatal(err)
		}
		for _, err := range doc.Pages(context.Background()) {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkJPEG4000x3000 renders a 12-megapixel photograph at fine
// resolution.
func BenchmarkJPEG4000x3000(b *testing.B) {
	jpg := encodeJPEG(b, photo(4000, 3000))
	r := New(Options{Resolution: pages.Fine})
	b.ReportAllocs()
	for b.Loop() {
		doc, err := r.Render(context.Background(), Message{}, []Attachment{{Name: "b.jpg", Data: jpg}})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := doc.All(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScreen halftones a full fine-resolution A4 area of grey: one
// comparison a pixel, no allocation but the screen's rows a page.
func BenchmarkScreen(b *testing.B) {
	g, _ := NewGeometry(A4, pages.Fine, Margins{})
	gray := toGray(photo(g.Area.Dx(), g.Area.Dy()))
	t := tone{photo: true}
	b.ReportAllocs()
	b.SetBytes(int64(len(gray.Pix)))
	for b.Loop() {
		p := g.newPage()
		t.apply(p, gray, g.Area.Min.X, g.Area.Min.Y)
	}
}
