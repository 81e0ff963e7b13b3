package pages

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// PDFWriter writes fax pages as a PDF document whose page images are the
// pages' own T.6 (MMR) data, decoded by the reader with the PDF filter
// CCITTFaxDecode (PDF 1.4, 7.4.6): a faithful archive, about as small as
// the fax itself. It writes each page as it comes, so a long fax never
// sits in memory whole.
type PDFWriter struct {
	w       *bufio.Writer
	off     int64   // bytes written
	offsets []int64 // byte offset of each object, by number-1
	pages   []int   // object numbers of the page objects
	info    PDFInfo
	err     error
	closed  bool
}

// PDFInfo is the document information written into the PDF.
type PDFInfo struct {
	Title   string
	Author  string
	Subject string
	Created time.Time // zero: not written
}

// Objects 1 and 2 are the catalog and the page tree; the info dictionary
// is 3; page objects follow.
const (
	pdfCatalog = 1
	pdfPages   = 2
	pdfInfo    = 3
)

// NewPDFWriter starts a PDF on w.
func NewPDFWriter(w io.Writer, info PDFInfo) *PDFWriter {
	p := &PDFWriter{w: bufio.NewWriter(w), info: info, offsets: make([]int64, 3)}
	// The binary comment tells transfer programs the file is not text.
	p.printf("%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n")
	return p
}

func (p *PDFWriter) printf(format string, args ...any) {
	if p.err != nil {
		return
	}
	n, err := fmt.Fprintf(p.w, format, args...)
	p.off += int64(n)
	p.err = err
}

func (p *PDFWriter) write(b []byte) {
	if p.err != nil {
		return
	}
	n, err := p.w.Write(b)
	p.off += int64(n)
	p.err = err
}

// begin starts object num (numbers from 1).
func (p *PDFWriter) begin(num int) {
	for len(p.offsets) < num {
		p.offsets = append(p.offsets, 0)
	}
	p.offsets[num-1] = p.off
	p.printf("%d 0 obj\n", num)
}

// next returns the number of a new object.
func (p *PDFWriter) next() int {
	p.offsets = append(p.offsets, 0)
	return len(p.offsets)
}

// AddPage codes the page in MMR and adds it. Its physical size comes from
// XDPI and YDPI (fine resolution when unknown).
func (p *PDFWriter) AddPage(pg *Page) error {
	if p.closed {
		return fmt.Errorf("pages: pdf: page added after close")
	}
	data, err := Encode(pg, EncoderOptions{Coding: MMR, RTC: true})
	if err != nil {
		return err
	}
	xd, yd := pg.XDPI, pg.YDPI
	if xd <= 0 || yd <= 0 {
		xd, yd = Fine.DPI()
	}
	wpt := float64(pg.Width) / xd * 72
	hpt := float64(pg.Height) / yd * 72
	page, content, image := p.next(), p.next(), p.next()
	p.pages = append(p.pages, page)

	p.begin(page)
	p.printf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] /Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>\nendobj\n",
		pdfPages, num(wpt), num(hpt), image, content)
	stream := fmt.Sprintf("q %s 0 0 %s 0 0 cm /Im0 Do Q\n", num(wpt), num(hpt))
	p.begin(content)
	p.printf("<< /Length %d >>\nstream\n%sendstream\nendobj\n", len(stream), stream)
	p.begin(image)
	// K -1 is pure two-dimensional (T.6) coding; with the default
	// BlackIs1 false, 0 samples are black, as DeviceGray draws them.
	p.printf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 1 "+
		"/Filter /CCITTFaxDecode /DecodeParms << /K -1 /Columns %d /Rows %d >> /Length %d >>\nstream\n",
		pg.Width, pg.Height, pg.Width, pg.Height, len(data))
	p.write(data)
	p.printf("\nendstream\nendobj\n")
	return p.err
}

// num formats a dimension in points, rounded down to four decimals, so
// that a reader rendering at the fax's own resolution (which rounds pixel
// counts up) gets exactly the fax's rows and columns.
func num(v float64) string {
	s := strconv.FormatFloat(math.Floor(v*1e4)/1e4, 'f', 4, 64)
	for s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	return strings.TrimSuffix(s, ".")
}

// pdfString escapes a text string for a PDF literal.
func pdfString(s string) string {
	b := []byte{'('}
	for _, c := range []byte(s) {
		switch c {
		case '(', ')', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, c)
		}
	}
	return string(append(b, ')'))
}

// Close writes the page tree, the catalog, the information dictionary,
// the cross-reference table and the trailer. It does not close the
// underlying writer.
func (p *PDFWriter) Close() error {
	if p.closed {
		return p.err
	}
	p.closed = true
	if len(p.pages) == 0 {
		return fmt.Errorf("pages: pdf: a PDF needs at least one page")
	}
	p.begin(pdfPages)
	p.printf("<< /Type /Pages /Count %d /Kids [", len(p.pages))
	for _, n := range p.pages {
		p.printf(" %d 0 R", n)
	}
	p.printf(" ] >>\nendobj\n")
	p.begin(pdfCatalog)
	p.printf("<< /Type /Catalog /Pages %d 0 R >>\nendobj\n", pdfPages)
	p.begin(pdfInfo)
	p.printf("<< /Producer (Faxbox)")
	for _, kv := range [][2]string{{"Title", p.info.Title}, {"Author", p.info.Author}, {"Subject", p.info.Subject}} {
		if kv[1] != "" {
			p.printf(" /%s %s", kv[0], pdfString(kv[1]))
		}
	}
	if !p.info.Created.IsZero() {
		t := p.info.Created.UTC()
		p.printf(" /CreationDate (D:%sZ)", t.Format("20060102150405"))
	}
	p.printf(" >>\nendobj\n")
	xref := p.off
	p.printf("xref\n0 %d\n0000000000 65535 f \n", len(p.offsets)+1)
	for _, o := range p.offsets {
		p.printf("%010d 00000 n \n", o)
	}
	p.printf("trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(p.offsets)+1, pdfCatalog, pdfInfo, xref)
	if p.err == nil {
		p.err = p.w.Flush()
	}
	return p.err
}
