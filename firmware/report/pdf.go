package report

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"image"
	"io"
	"math"
	"strconv"
	"time"
)

// A4 in points, and the left margin.
const (
	pageW   = 595.28
	pageH   = 841.89
	marginL = 48.0
)

// The fonts are PDF's standard Type 1 fonts (PDF 1.4, 5.5.1), which every
// reader has, so the report embeds none.
type font int

const (
	fontRegular font = iota
	fontBold
	fontMono
	fontMonoBold
)

var fontNames = [...]string{
	fontRegular: "Helvetica", fontBold: "Helvetica-Bold",
	fontMono: "Courier", fontMonoBold: "Courier-Bold",
}

// doc collects one page's content stream and its one image.
type doc struct {
	content bytes.Buffer
	img     *image.Gray
}

func newDoc() *doc { return &doc{} }

// text draws s with its baseline at (x, y) points from the bottom left.
func (d *doc) text(f font, size, x, y float64, s string) {
	fmt.Fprintf(&d.content, "BT /F%d %s Tf %s %s Td %s Tj ET\n", f, num(size), num(x), num(y), literal(winAnsi(s)))
}

// image draws g in the w×h rectangle whose bottom left is (x, y).
func (d *doc) image(g *image.Gray, x, y, w, h float64) {
	d.img = g
	fmt.Fprintf(&d.content, "q %s 0 0 %s %s %s cm /Im0 Do Q\n", num(w), num(h), num(x), num(y))
	// A hairline frame shows the paper's edge on white pages.
	fmt.Fprintf(&d.content, "q 0.5 w %s %s %s %s re S Q\n", num(x), num(y), num(w), num(h))
}

type pdfMeta struct {
	Title   string
	Created time.Time
}

// write writes the document: catalog 1, page tree 2, info 3, page 4,
// content 5, the fonts 6 to 9 and the image 10.
func (d *doc) write(w io.Writer, m pdfMeta) error {
	var b pdfBuf
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	b.object(1, "<< /Type /Catalog /Pages 2 0 R >>")
	b.object(2, "<< /Type /Pages /Count 1 /Kids [4 0 R] >>")
	info := "<< /Producer (Faxbox) /Title " + literal(winAnsi(m.Title))
	if !m.Created.IsZero() {
		info += " /CreationDate (D:" + m.Created.UTC().Format("20060102150405") + "Z)"
	}
	b.object(3, info+" >>")
	fonts := ""
	for f := range fontNames {
		fonts += fmt.Sprintf(" /F%d %d 0 R", f, 6+f)
	}
	xobj := ""
	if d.img != nil {
		xobj = " /XObject << /Im0 10 0 R >>"
	}
	b.object(4, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s] /Resources << /Font <<%s >>%s >> /Contents 5 0 R >>",
		num(pageW), num(pageH), fonts, xobj))
	b.stream(5, "", d.content.Bytes())
	for f, name := range fontNames {
		b.object(6+f, "<< /Type /Font /Subtype /Type1 /BaseFont /"+name+" /Encoding /WinAnsiEncoding >>")
	}
	if d.img != nil {
		data, err := deflate(d.img)
		if err != nil {
			return fmt.Errorf("report: first page image: %w", err)
		}
		b.stream(10, fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode",
			d.img.Rect.Dx(), d.img.Rect.Dy()), data)
	}
	b.trailer()
	_, err := w.Write(b.Bytes())
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// pdfBuf is a PDF being written, with the offsets of its objects.
type pdfBuf struct {
	bytes.Buffer
	offsets []int // by object number - 1
}

func (b *pdfBuf) begin(n int) {
	for len(b.offsets) < n {
		b.offsets = append(b.offsets, 0)
	}
	b.offsets[n-1] = b.Len()
	fmt.Fprintf(b, "%d 0 obj\n", n)
}

func (b *pdfBuf) object(n int, dict string) {
	b.begin(n)
	b.WriteString(dict + "\nendobj\n")
}

func (b *pdfBuf) stream(n int, dict string, data []byte) {
	b.begin(n)
	fmt.Fprintf(b, "<< %s /Length %d >>\nstream\n", dict, len(data))
	b.Write(data)
	b.WriteString("\nendstream\nendobj\n")
}

func (b *pdfBuf) trailer() {
	xref := b.Len()
	fmt.Fprintf(b, "xref\n0 %d\n0000000000 65535 f \n", len(b.offsets)+1)
	for _, o := range b.offsets {
		fmt.Fprintf(b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(b, "trailer\n<< /Size %d /Root 1 0 R /Info 3 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(b.offsets)+1, xref)
}

func deflate(g *image.Gray) ([]byte, error) {
	var out bytes.Buffer
	z := zlib.NewWriter(&out)
	for y := g.Rect.Min.Y; y < g.Rect.Max.Y; y++ {
		i := g.PixOffset(g.Rect.Min.X, y)
		if _, err := z.Write(g.Pix[i : i+g.Rect.Dx()]); err != nil {
			return nil, err
		}
	}
	if err := z.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// winAnsi encodes s for the standard fonts' WinAnsiEncoding (PDF 1.4,
// Annex D): Latin-1 letters keep their codes, the euro sign is 0x80, and
// anything else, control characters included, becomes '?'.
func winAnsi(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r >= 0x20 && r < 0x7f, r >= 0xa0 && r <= 0xff:
			out = append(out, byte(r))
		case r == '€':
			out = append(out, 0x80)
		default:
			out = append(out, '?')
		}
	}
	return out
}

// literal makes a PDF literal string of b (PDF 1.4, 3.2.3).
func literal(b []byte) string {
	out := []byte{'('}
	for _, c := range b {
		if c == '(' || c == ')' || c == '\\' {
			out = append(out, '\\')
		}
		out = append(out, c)
	}
	return string(append(out, ')'))
}

func num(v float64) string { return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64) }
