// Package sandboxtest makes hostile documents for tests of rendering:
// images whose decoding would take far more memory than their file size
// suggests, and PDFs that take the rasteriser a long time.
package sandboxtest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"strconv"
)

// BigPNG returns an 8-bit RGB PNG of w x h white pixels: its rows
// compress to almost nothing (7000x7000 is about 200 KB), but decoding it
// takes 4 bytes a pixel (image/png makes an *image.RGBA).
func BigPNG(w, h int) []byte {
	var idat bytes.Buffer
	zw := zlib.NewWriter(&idat)
	row := bytes.Repeat([]byte{0xff}, 1+3*w)
	row[0] = 0 // filter type None (PNG 9.2)
	rows := bytes.Repeat(row, 64)
	for y := 0; y < h; y += 64 {
		zw.Write(rows[:min(64, h-y)*len(row)])
	}
	zw.Close()
	return pngFile(w, h, idat.Bytes())
}

// BombPNG returns a PNG of about a kilobyte whose header claims w x h
// pixels (a decompression bomb: 100000x100000 would decode to 40 GB); its
// image data holds only a few rows, so only a reader that trusts the
// header is hurt.
func BombPNG(w, h int) []byte {
	var idat bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&idat, zlib.BestCompression)
	zw.Write(make([]byte, 4*(1+3*w)))
	zw.Close()
	return pngFile(w, h, idat.Bytes())
}

// pngFile wraps compressed image data in the PNG signature and chunks
// (PNG 5.2, 11.2.2 IHDR: 8-bit truecolour, no interlace).
func pngFile(w, h int, idat []byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 2
	chunk(&b, "IHDR", ihdr)
	chunk(&b, "IDAT", idat)
	chunk(&b, "IEND", nil)
	return b.Bytes()
}

func chunk(b *bytes.Buffer, typ string, data []byte) {
	binary.Write(b, binary.BigEndian, uint32(len(data)))
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	b.WriteString(typ)
	b.Write(data)
	binary.Write(b, binary.BigEndian, crc.Sum32())
}

// SegmentsPDF returns a one-page A4 PDF drawing n line segments, each
// stroked on its own, at random (but repeatable) places, its content
// stream compressed (400,000 segments make about 3 MB).
func SegmentsPDF(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	content := []byte("0.1 w\n")
	for range n {
		for i, op := range []string{" ", " m ", " ", " l S\n"} {
			content = strconv.AppendInt(content, rng.Int64N(int64(595+247*(i%2))), 10)
			content = append(content, op...)
		}
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(content)
	zw.Close()
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream", z.Len(), z.Bytes()),
	}
	return pdfFile(objs)
}

// TextPDF returns a small valid one-page PDF showing text.
func TextPDF(text string) []byte {
	content := fmt.Sprintf("BT /F1 24 Tf 72 720 Td (%s) Tj ET", text)
	return pdfFile([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	})
}

// pdfFile writes the objects (numbered from 1) with a cross-reference
// table (ISO 32000-1 7.5).
func pdfFile(objs []string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}
