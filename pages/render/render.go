package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"time"

	"faxbox/pages"
)

// Options configures a Renderer. The zero value renders A4 pages at
// standard resolution with the default margins, header line and limits.
type Options struct {
	Resolution pages.Resolution
	Paper      Paper
	// Margins in millimetres; the zero value means DefaultMargins().
	Margins Margins
	// Header is the format of the header line ("tagline") drawn at the top
	// of every page; "" means DefaultHeader. See FormatHeader for the
	// fields it may use.
	Header string
	// NoHeader leaves the header line out (where the law allows).
	NoHeader bool
	// NoCover renders the attachments only, without the first page of the
	// message (for sending documents as they are).
	NoCover bool
	// StationFax is the appliance's own fax number, shown in the header
	// line and, when Message.From.Fax is empty, as the sender's number.
	StationFax string
	// DateLayout formats Message.Time in the header block of the first
	// page; "" means "Mon, 2 Jan 2006 15:04 MST".
	DateLayout string
	// Limits bound what an attachment may cost; zero fields take defaults.
	Limits Limits
	// Rasteriser selects the PDF rasteriser; the zero value takes
	// Ghostscript when installed, else Poppler.
	Rasteriser Rasteriser
}

// Limits bound the resources an attachment may use. A zero field means the
// default given with it.
type Limits struct {
	// MaxFileSize is the largest attachment in bytes (default 64 MiB).
	MaxFileSize int64
	// MaxPixels is the largest decoded image or image page, in pixels
	// (default 50 million). It is checked from the file's header before
	// any pixel is decoded.
	MaxPixels int64
	// MaxDecodeMemory is the most memory, in bytes, that decoding one
	// image may take (default 1 GiB), estimated from its header (size,
	// colour model, progressive JPEG) before any pixel is decoded: the
	// Go decoders of PNG, GIF, BMP and TIFF decode a whole image at its
	// full size, and image/jpeg has no scaled (DCT-domain) decoding.
	MaxDecodeMemory int64
	// MaxPages is the most pages a document may have (default 200).
	MaxPages int
	// MaxTextBytes is the largest message body or text attachment (default
	// 512 KiB, about 150 pages).
	MaxTextBytes int
	// PDFTimeout is the wall-clock limit on each rasteriser run (default 2
	// minutes); it is also bounded by the caller's context.
	PDFTimeout time.Duration
	// PDFCPUTime is the CPU-time limit (RLIMIT_CPU) of the rasteriser
	// process (default 60 s).
	PDFCPUTime time.Duration
	// PDFMemory is the address-space limit (RLIMIT_AS) of the rasteriser
	// process in bytes (default 1 GiB).
	PDFMemory int64
	// OfficeTimeout is the wall-clock limit on converting an office
	// document with LibreOffice (default 3 minutes): its first start with
	// a fresh profile takes far longer than a rasteriser run.
	OfficeTimeout time.Duration
}

func (l Limits) withDefaults() Limits {
	def := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxFileSize, 64<<20)
	def(&l.MaxPixels, 50e6)
	def(&l.MaxDecodeMemory, 1<<30)
	if l.MaxPages <= 0 {
		l.MaxPages = 200
	}
	if l.MaxTextBytes <= 0 {
		l.MaxTextBytes = 512 << 10
	}
	if l.PDFTimeout <= 0 {
		l.PDFTimeout = 2 * time.Minute
	}
	if l.PDFCPUTime <= 0 {
		l.PDFCPUTime = time.Minute
	}
	def(&l.PDFMemory, 1<<30)
	if l.OfficeTimeout <= 0 {
		l.OfficeTimeout = 3 * time.Minute
	}
	return l
}

// Party is the sender or the recipient of a fax as the first page shows it.
type Party struct {
	Name         string
	Organisation string
	Fax          string
}

// Message is what staff wrote: it becomes the first page (and more when the
// body is long). To is the one recipient this copy goes to. Addressees,
// when not empty, replace To in the header block: the recipients this
// copy names, as in e-mail (see Addressee).
type Message struct {
	From       Party
	To         Party
	Addressees []Addressee
	Subject    string
	// Body is UTF-8 plain text.
	Body string
	// NoCover leaves this message's first page out, as Options.NoCover
	// does for every message: the attachments are sent as they are.
	NoCover bool
	// Time is shown in the header block and header line; the zero value
	// means the time Render is called.
	Time time.Time
}

// Attachment is a file to fax after the message. Data holds its content;
// when Data is nil the file at Path is read. ContentType (a MIME type) and
// the extension of Name are hints: the content's own signature decides.
type Attachment struct {
	Name        string
	Data        []byte
	Path        string
	ContentType string
}

// Renderer turns messages and attachments into fax pages. It is safe for
// concurrent use; each Render call returns its own Document.
type Renderer struct {
	o     Options
	lim   Limits
	geom  Geometry
	fonts *fonts
	err   error // from New: reported by Render
}

// New returns a Renderer for the options. Invalid options (margins that
// leave no room, an unknown resolution) are reported by Render.
func New(o Options) *Renderer {
	r := &Renderer{o: o, lim: o.Limits.withDefaults()}
	if r.o.Header == "" {
		r.o.Header = DefaultHeader
	}
	if r.o.DateLayout == "" {
		r.o.DateLayout = "Mon, 2 Jan 2006 15:04 MST"
	}
	r.geom, r.err = NewGeometry(o.Paper, o.Resolution, o.Margins)
	if r.err == nil {
		r.fonts, r.err = loadFonts()
	}
	return r
}

// Geometry returns the page layout the Renderer uses.
func (r *Renderer) Geometry() Geometry { return r.geom }

// Source describes where a run of a document's pages comes from.
type Source struct {
	// Index is the attachment's index in Render's slice, or -1 for the
	// message itself.
	Index int
	Name  string
	// Kind is "message", "text", "png", "jpeg", "gif", "bmp", "webp", "tiff",
	// "tiff-f" (passed through), "pdf", or an office format converted to
	// PDF ("docx", "xlsx", "pptx", "odt", "ods", "odp").
	Kind string
	// First is the number (from 1) of its first page; Pages its page count.
	First, Pages int
}

// Document is a rendered fax: its page count is known, and its pages are
// produced one at a time by Pages. A Document is not safe for concurrent
// use, but Pages may be iterated again (to preview, then to send).
type Document struct {
	r       *Renderer
	msg     Message
	t       time.Time
	faces   faceSet
	parts   []*part
	total   int
	Sources []Source
	ownTags map[pages.Resolution]ownTag // header lines of pages at their own resolution
}

// faceSet holds a document's fonts at their sizes.
type faceSet struct {
	body, bold, title, mono, tag *face
}

// part is one run of pages: the message, or one attachment.
type part struct {
	index int
	name  string
	kind  string
	n     int
	// gen produces the part's n pages in order, stopping early when emit
	// returns false. The pages have a blank header-line band.
	gen func(ctx context.Context, emit func(*pages.Page) bool) error
}

// Render lays out the message and checks every attachment: it decodes
// headers, counts pages and enforces the limits, so that the returned
// Document knows its page count ("Pages: N", "page n of m") before any
// page is produced. It returns an error joining one *AttachmentError per
// attachment that cannot be rendered, so that all of them are reported at
// once. Errors from decoding pixel data can still surface while the pages
// are produced; a caller that must not fail in the middle of a call
// renders to a spool file first.
func (r *Renderer) Render(ctx context.Context, msg Message, atts []Attachment) (*Document, error) {
	if r.err != nil {
		return nil, r.err
	}
	d := &Document{r: r, msg: msg, t: msg.Time}
	if d.t.IsZero() {
		d.t = time.Now()
	}
	var err error
	if d.faces, err = r.newFaces(); err != nil {
		return nil, err
	}
	if !r.o.NoCover && !msg.NoCover {
		first, err := d.planMessage()
		if err != nil {
			return nil, err
		}
		d.parts = append(d.parts, first)
	}
	var errs []error
	for i, a := range atts {
		p, err := d.planAttachment(ctx, i, a)
		if err != nil {
			errs = append(errs, &AttachmentError{Index: i, Name: a.Name, Err: err})
			continue
		}
		d.parts = append(d.parts, p)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, p := range d.parts {
		d.Sources = append(d.Sources, Source{Index: p.index, Name: p.name, Kind: p.kind, First: d.total + 1, Pages: p.n})
		d.total += p.n
	}
	if d.total > r.lim.MaxPages {
		return nil, &LimitError{What: "pages", Got: int64(d.total), Max: int64(r.lim.MaxPages)}
	}
	return d, nil
}

func (r *Renderer) newFaces() (faceSet, error) {
	x, y := r.geom.XDPI, r.geom.YDPI
	var fs faceSet
	var err error
	for _, f := range []struct {
		dst  **face
		font string
		pt   float64
	}{{&fs.body, "regular", bodyPt}, {&fs.bold, "bold", bodyPt}, {&fs.title, "bold", titlePt}, {&fs.mono, "mono", monoPt}, {&fs.tag, "bold", taglinePt}} {
		src := r.fonts.regular
		switch f.font {
		case "bold":
			src = r.fonts.bold
		case "mono":
			src = r.fonts.mono
		}
		if *f.dst, err = newFace(src, f.pt, x, y); err != nil {
			return fs, err
		}
	}
	return fs, nil
}

// NumPages returns the number of pages of the document.
func (d *Document) NumPages() int { return d.total }

// Geometry returns the layout of the document's pages.
func (d *Document) Geometry() Geometry { return d.r.geom }

// Pages returns an iterator over the document's pages in order, each with
// its header line drawn. Pages are produced as the iteration asks for
// them: a PDF's rasteriser runs while its pages are consumed, and only the
// current page of each attachment is held in memory. The iterator yields
// (nil, err) once and stops on the first error; errors of attachments are
// *AttachmentError. The pages yielded belong to the caller.
func (d *Document) Pages(ctx context.Context) iter.Seq2[*pages.Page, error] {
	return func(yield func(*pages.Page, error) bool) {
		n := 0
		for _, pt := range d.parts {
			got, stopped := 0, false
			var over error
			err := pt.gen(ctx, func(p *pages.Page) bool {
				if got++; got > pt.n {
					over = fmt.Errorf("produced more than the %d pages counted", pt.n)
					return false
				}
				n++
				if !d.r.o.NoHeader {
					d.drawTagline(p, n)
				}
				if !yield(p, nil) {
					stopped = true
					return false
				}
				if ctx.Err() != nil {
					return false
				}
				return true
			})
			if stopped {
				return
			}
			if err == nil {
				err = over
			}
			if err == nil && ctx.Err() != nil {
				err = ctx.Err()
			}
			if err == nil && got != pt.n {
				err = fmt.Errorf("produced %d pages, %d were counted", got, pt.n)
			}
			if err != nil {
				if pt.index >= 0 {
					err = &AttachmentError{Index: pt.index, Name: pt.name, Err: err}
				}
				yield(nil, err)
				return
			}
		}
	}
}

// All renders every page into memory: convenient for short documents and
// tests; use Pages to stream long ones.
func (d *Document) All(ctx context.Context) ([]*pages.Page, error) {
	var out []*pages.Page
	for p, err := range d.Pages(ctx) {
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// planMessage lays out the first page(s): header block and body.
func (d *Document) planMessage() (*part, error) {
	body := d.msg.Body
	if len(body) > d.r.lim.MaxTextBytes {
		return nil, &LimitError{What: "message body size", Got: int64(len(body)), Max: int64(d.r.lim.MaxTextBytes)}
	}
	g := d.r.geom
	hdr := d.headerBlock(999)
	hh := 0
	for _, l := range hdr {
		hh += l.height
	}
	lines := layoutText(body, d.faces.body, 0, g.Area.Dx())
	pgs := paginate(lines, g.Area.Min.Y, g.Area.Max.Y, g.Area.Min.Y+hh)
	p := &part{index: -1, name: "message", kind: "message", n: len(pgs)}
	p.gen = func(ctx context.Context, emit func(*pages.Page) bool) error {
		for i, lines := range pgs {
			pg := g.newPage()
			clip := rect{g.Area.Min.X, g.Area.Min.Y, g.Area.Max.X, g.Area.Max.Y}
			if i == 0 {
				y := g.Area.Min.Y
				for _, l := range d.headerBlock(d.total) {
					drawLine(pg, &l, g.Area.Min.X, y, clip)
					y += l.height
				}
			}
			for _, pl := range lines {
				drawLine(pg, pl.l, g.Area.Min.X, pl.y, clip)
			}
			if !emit(pg) {
				return nil
			}
		}
		return nil
	}
	return p, nil
}

// headerBlock lays out the first page's header block for a document of
// total pages: a title, the sender, the recipient, date, subject and page
// count, and a rule under them.
func (d *Document) headerBlock(total int) []line {
	fs := d.faces
	g := d.r.geom
	w := g.Area.Dx()
	fields := d.headerFields(total)
	col := 0
	for _, f := range fields {
		col = max(col, textWidth(fs.bold, f.Label))
	}
	col += int(fs.bold.space * 3)
	var out []line
	title := layoutText("FAX", fs.title, 0, w)
	out = append(out, title...)
	out = append(out, line{height: fs.body.lineHeight / 2})
	for _, f := range fields {
		vl := layoutText(f.Value, fs.body, col, w-col)
		lab := layoutText(f.Label, fs.bold, 0, col)
		vl[0].glyphs = append(append([]glyphPos(nil), lab[0].glyphs...), vl[0].glyphs...)
		out = append(out, vl...)
	}
	out = append(out, line{rule: true, height: fs.body.lineHeight})
	out = append(out, line{height: fs.body.lineHeight / 2})
	return out
}

// DefaultHeader is the header line used when Options.Header is empty.
const DefaultHeader = "{date} {time}|From: {from} {fax}|To: {to}|Page {page} of {pages}"

// FormatHeader expands a header-line format. The fields are {date}
// (2006-01-02), {time} (15:04), {from} (sender's name, else organisation),
// {org} (sender's organisation), {fax} (the appliance's fax number), {to}
// (recipient's fax number, else name), {subject}, {page} and {pages}.
// A "|" splits the line into columns spread across the page: the first
// flush left, the last flush right, the others centred between them.
func (d *Document) FormatHeader(page int) string {
	from := d.msg.From.Name
	if from == "" {
		from = d.msg.From.Organisation
	}
	to := d.msg.To.Fax
	if to == "" {
		to = d.msg.To.Name
	}
	return strings.NewReplacer(
		"{date}", d.t.Format("2006-01-02"),
		"{time}", d.t.Format("15:04"),
		"{from}", from,
		"{org}", d.msg.From.Organisation,
		"{fax}", d.r.o.StationFax,
		"{to}", to,
		"{subject}", d.msg.Subject,
		"{page}", fmt.Sprint(page),
		"{pages}", fmt.Sprint(d.total),
	).Replace(d.r.o.Header)
}

// drawTagline clears the header-line band of page n and draws the line.
func (d *Document) drawTagline(p *pages.Page, n int) {
	g, fc := d.taglineFor(p)
	band := g.Tagline
	for y := band.Min.Y; y < band.Max.Y && y < p.Height; y++ {
		row := p.Row(y)
		for x := band.Min.X; x < band.Max.X && x < p.Width; x++ {
			row[x/8] &^= 0x80 >> (x % 8)
		}
	}
	cols := strings.Split(d.FormatHeader(n), "|")
	clip := rect{band.Min.X, band.Min.Y, band.Max.X, band.Max.Y}
	y := band.Min.Y
	widths := make([]int, len(cols))
	for i, c := range cols {
		cols[i] = strings.Join(strings.Fields(c), " ")
		widths[i] = textWidth(fc, cols[i])
	}
	for i, c := range cols {
		var x int
		switch {
		case i == 0:
			x = band.Min.X
		case i == len(cols)-1:
			x = band.Max.X - widths[i]
		default:
			x = band.Min.X + band.Dx()*i/(len(cols)-1) - widths[i]/2
		}
		ls := layoutText(c, fc, 0, 1<<20)
		if len(ls) > 0 {
			drawLine(p, &ls[0], x, y, clip)
		}
	}
}

// load returns the attachment's bytes, or for a large file on disk its
// path and size. It enforces MaxFileSize.
func (d *Document) load(a Attachment) ([]byte, error) {
	max := d.r.lim.MaxFileSize
	if a.Data != nil {
		if int64(len(a.Data)) > max {
			return nil, &LimitError{What: "file size", Got: int64(len(a.Data)), Max: max}
		}
		return a.Data, nil
	}
	if a.Path == "" {
		return nil, errors.New("attachment has neither Data nor Path")
	}
	f, err := os.Open(a.Path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > max {
		return nil, &LimitError{What: "file size", Got: st.Size(), Max: max}
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, &LimitError{What: "file size", Got: int64(len(data)), Max: max}
	}
	return data, nil
}

// sniff names the format of data from its signature, falling back to the
// content type and file name for plain text.
func sniff(data []byte, name, contentType string) string {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}):
		return "jpeg"
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return "gif"
	case bytes.HasPrefix(data, []byte("BM")) && !looksLikeText(data[:min(len(data), 64)]):
		return "bmp"
	case bytes.HasPrefix(data, []byte("II*\x00")), bytes.HasPrefix(data, []byte("MM\x00*")):
		return "tiff"
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return "webp"
	case bytes.Contains(data[:min(len(data), 1024)], []byte("%PDF-")):
		return "pdf"
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		if k := officeKind(data); k != "" {
			return k
		}
		if officeKinds[strings.ToLower(filepath.Ext(name))] {
			return strings.TrimPrefix(strings.ToLower(filepath.Ext(name)), ".")
		}
	case len(data) > 3 && data[0] == 'P' && (data[1] == '4' || data[1] == '1') && strings.ContainsRune(" \t\r\n#", rune(data[2])):
		return "pbm"
	}
	ct := strings.ToLower(contentType)
	switch {
	case ct == "application/pdf" || strings.EqualFold(filepath.Ext(name), ".pdf"):
		return "pdf" // signature missing: let the PDF path report the damage
	case strings.HasPrefix(ct, "image/"):
		return strings.TrimPrefix(ct, "image/")
	case strings.HasPrefix(ct, "text/"):
		return "text"
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".txt", ".text", ".log", ".csv", ".md", ".asc":
		return "text"
	case ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp":
		return strings.TrimPrefix(strings.ToLower(filepath.Ext(name)), ".")
	}
	if looksLikeText(data) {
		return "text"
	}
	return ""
}

// planAttachment checks attachment i and returns the part that renders it.
func (d *Document) planAttachment(ctx context.Context, i int, a Attachment) (*part, error) {
	data, err := d.load(a)
	if err != nil {
		return nil, err
	}
	kind := sniff(data, a.Name, a.ContentType)
	var p *part
	switch kind {
	case "text":
		p, err = d.planText(data)
	case "png", "jpeg", "jpg", "gif", "bmp", "webp":
		if kind == "jpg" {
			kind = "jpeg"
		}
		p, err = d.planImage(kind, data)
	case "tiff", "tif":
		p, err = d.planTIFF(data)
	case "pbm":
		// Netpbm bitmaps (one page each, several per file) go the way of a
		// bilevel TIFF: kept as they are when they are fax pages already.
		if data, err = pbmAsTIFF(data); err == nil {
			p, err = d.planTIFF(data)
		}
	case "pdf":
		p, err = d.planPDF(ctx, a, data)
	case "docx", "xlsx", "pptx", "odt", "ods", "odp":
		p, err = d.planOffice(ctx, kind, a, data)
	default:
		ct := a.ContentType
		if ct == "" {
			ct = "unknown"
		}
		return nil, fmt.Errorf("%w (content type %s)", ErrUnsupported, ct)
	}
	if err != nil {
		return nil, err
	}
	p.index, p.name = i, a.Name
	if p.n > d.r.lim.MaxPages {
		return nil, &LimitError{What: "pages", Got: int64(p.n), Max: int64(d.r.lim.MaxPages)}
	}
	return p, nil
}

// pbmAsTIFF repacks the images of a PBM file as an uncompressed TIFF.
func pbmAsTIFF(data []byte) ([]byte, error) {
	pgs, err := pages.ReadPBMs(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	var buf bytes.Buffer
	tw, err := pages.NewTIFFWriter(&buf, len(pgs))
	if err != nil {
		return nil, err
	}
	for _, p := range pgs {
		if err := tw.WritePage(p, pages.EncoderOptions{Coding: pages.MMR}); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
