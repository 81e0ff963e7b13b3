package pages

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"sort"
)

// TIFF tags used by TIFF Class F (RFC 2306) and baseline bilevel TIFF.
const (
	tagNewSubfileType   = 254
	tagImageWidth       = 256
	tagImageLength      = 257
	tagBitsPerSample    = 258
	tagCompression      = 259
	tagPhotometric      = 262
	tagFillOrder        = 266
	tagStripOffsets     = 273
	tagOrientation      = 274
	tagSamplesPerPixel  = 277
	tagRowsPerStrip     = 278
	tagStripByteCounts  = 279
	tagXResolution      = 282
	tagYResolution      = 283
	tagT4Options        = 292
	tagT6Options        = 293
	tagResolutionUnit   = 296
	tagPageNumber       = 297
	tagSoftware         = 305
	tagBadFaxLines      = 326
	tagCleanFaxData     = 327
	tagConsecutiveBad   = 328
	tiffShort           = 3
	tiffLong            = 4
	tiffRational        = 5
	tiffASCII           = 2
	compressionNone     = 1
	compressionCCITTRLE = 2
	compressionT4       = 3
	compressionT6       = 4
	t4Option2D          = 1
	t4OptionUncompress  = 2
	t4OptionFillBits    = 4
)

// Limits of the TIFF reader.
const (
	// MaxTIFFPages is the most pages a TIFF file may hold.
	MaxTIFFPages = 1000
	maxTIFFTags  = 200
	maxStrips    = MaxHeight
)

// PageInfo describes one coded page of a TIFF-F file: its geometry and how
// its data is coded, and for received faxes the damage the receiver saw.
type PageInfo struct {
	Width, Height int
	XDPI, YDPI    float64
	Coding        Coding
	// AlignEOL reports (or asks for) EOLs ending on byte boundaries (T4Options
	// fill bits).
	AlignEOL bool
	BitOrder BitOrder
	// BadRows and MaxConsecutiveBad, when not zero, are written as the
	// BadFaxLines and ConsecutiveBadFaxLines tags; CleanFaxData follows them.
	BadRows, MaxConsecutiveBad int
}

// TIFFWriter writes a multipage TIFF Class F file. It keeps one page's coded
// data in memory and needs no seeking, so it can write to a pipe.
type TIFFWriter struct {
	w       io.Writer
	off     int64 // bytes written so far
	total   int   // page count for PageNumber, 0 when unknown
	n       int   // pages written or pending
	pending *pendingPage
	err     error
	closed  bool
}

type pendingPage struct {
	info PageInfo
	data []byte
}

// NewTIFFWriter writes the TIFF header to w. totalPages, when known, is
// written in every page's PageNumber tag; pass 0 when it is not known.
func NewTIFFWriter(w io.Writer, totalPages int) (*TIFFWriter, error) {
	t := &TIFFWriter{w: w, total: totalPages}
	// Little-endian header; the first IFD follows immediately.
	hdr := []byte{'I', 'I', 42, 0, 8, 0, 0, 0}
	if _, err := w.Write(hdr); err != nil {
		return nil, fmt.Errorf("pages: tiff: %w", err)
	}
	t.off = 8
	return t, nil
}

// WritePage codes p with the given options and adds it as the next page.
// The options' Width is taken from p; RTC is not written (TIFF-F pages carry
// none) but MMR pages end with EOFB as libtiff writes them.
func (t *TIFFWriter) WritePage(p *Page, o EncoderOptions) error {
	o.RTC = o.Coding == MMR
	data, err := Encode(p, o)
	if err != nil {
		return err
	}
	xd, yd := p.XDPI, p.YDPI
	if xd == 0 || yd == 0 {
		xd, yd = Fine.DPI()
	}
	return t.WriteCoded(data, PageInfo{Width: p.Width, Height: p.Height, XDPI: xd, YDPI: yd,
		Coding: o.Coding, AlignEOL: o.AlignEOL, BitOrder: o.BitOrder})
}

// WriteCoded adds a page whose data is already coded as info says, for
// example a page as a fax machine sent it.
func (t *TIFFWriter) WriteCoded(data []byte, info PageInfo) error {
	if t.closed {
		return fmt.Errorf("pages: tiff: write after close")
	}
	if info.Width <= 0 || info.Width > MaxWidth || info.Height <= 0 || info.Height > MaxHeight {
		return fmt.Errorf("pages: tiff: page size %dx%d out of range", info.Width, info.Height)
	}
	if err := t.flushPending(false); err != nil {
		return err
	}
	t.pending = &pendingPage{info: info, data: data}
	t.n++
	return nil
}

// Close writes the last page. It does not close the underlying writer.
func (t *TIFFWriter) Close() error {
	if t.closed {
		return t.err
	}
	t.closed = true
	if t.n == 0 {
		t.err = fmt.Errorf("pages: tiff: a TIFF file needs at least one page")
		return t.err
	}
	return t.flushPending(true)
}

type ifdEntry struct {
	tag, typ uint16
	count    uint32
	value    []byte // encoded value; inline when 4 bytes or fewer
}

// flushPending writes the pending page: its IFD, the IFD's out-of-line
// values, then its data. The next IFD follows the data, so the IFD's
// next-offset is known unless this is the last page.
func (t *TIFFWriter) flushPending(last bool) error {
	if t.err != nil || t.pending == nil {
		return t.err
	}
	p := t.pending
	t.pending = nil
	le := binary.LittleEndian
	short := func(tag uint16, v ...uint16) ifdEntry {
		b := make([]byte, 2*len(v))
		for i, x := range v {
			le.PutUint16(b[2*i:], x)
		}
		return ifdEntry{tag, tiffShort, uint32(len(v)), b}
	}
	long := func(tag uint16, v uint32) ifdEntry {
		return ifdEntry{tag, tiffLong, 1, le.AppendUint32(nil, v)}
	}
	rational := func(tag uint16, v float64) ifdEntry {
		// Two decimals are plenty for fax resolutions (204, 97.79…).
		b := le.AppendUint32(nil, uint32(math.Round(v*100)))
		return ifdEntry{tag, tiffRational, 1, le.AppendUint32(b, 100)}
	}
	info := p.info
	comp, fill := uint16(compressionT4), uint16(1)
	if info.Coding == MMR {
		comp = compressionT6
	}
	if info.BitOrder == LSBFirst {
		fill = 2
	}
	page := uint16(t.n - 1)
	software := []byte("Faxbox\x00")
	entries := []ifdEntry{
		long(tagNewSubfileType, 2),
		long(tagImageWidth, uint32(info.Width)),
		long(tagImageLength, uint32(info.Height)),
		short(tagBitsPerSample, 1),
		short(tagCompression, comp),
		short(tagPhotometric, 0),
		short(tagFillOrder, fill),
		long(tagStripOffsets, 0), // patched below
		short(tagOrientation, 1),
		short(tagSamplesPerPixel, 1),
		long(tagRowsPerStrip, uint32(info.Height)),
		long(tagStripByteCounts, uint32(len(p.data))),
		rational(tagXResolution, info.XDPI),
		rational(tagYResolution, info.YDPI),
		short(tagResolutionUnit, 2),
		short(tagPageNumber, page, uint16(t.total)),
		{tagSoftware, tiffASCII, uint32(len(software)), software},
	}
	switch info.Coding {
	case MH, MR:
		var opt uint32
		if info.Coding == MR {
			opt |= t4Option2D
		}
		if info.AlignEOL {
			opt |= t4OptionFillBits
		}
		entries = append(entries, long(tagT4Options, opt))
	case MMR:
		entries = append(entries, long(tagT6Options, 0))
	}
	if info.BadRows > 0 || info.MaxConsecutiveBad > 0 {
		entries = append(entries, long(tagBadFaxLines, uint32(info.BadRows)),
			short(tagCleanFaxData, 2), // 2: data had errors, regenerated
			long(tagConsecutiveBad, uint32(info.MaxConsecutiveBad)))
	} else {
		entries = append(entries, short(tagCleanFaxData, 0))
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].tag < entries[j].tag })

	ifdSize := int64(2 + 12*len(entries) + 4)
	extraOff := t.off + ifdSize
	var extra []byte
	for i := range entries {
		if len(entries[i].value) > 4 {
			if (extraOff+int64(len(extra)))%2 != 0 {
				extra = append(extra, 0)
			}
			o := extraOff + int64(len(extra))
			extra = append(extra, entries[i].value...)
			entries[i].value = le.AppendUint32(nil, uint32(o))
		}
	}
	if len(extra)%2 != 0 {
		extra = append(extra, 0)
	}
	dataOff := extraOff + int64(len(extra))
	next := dataOff + int64(len(p.data))
	if next%2 != 0 {
		next++ // IFDs start on a word boundary
	}
	if next > math.MaxUint32 {
		t.err = fmt.Errorf("pages: tiff: file larger than 4 GiB")
		return t.err
	}
	var buf bytes.Buffer
	buf.Write(le.AppendUint16(nil, uint16(len(entries))))
	for _, e := range entries {
		if e.tag == tagStripOffsets {
			e.value = le.AppendUint32(nil, uint32(dataOff))
		}
		v := make([]byte, 4)
		copy(v, e.value)
		buf.Write(le.AppendUint16(nil, e.tag))
		buf.Write(le.AppendUint16(nil, e.typ))
		buf.Write(le.AppendUint32(nil, e.count))
		buf.Write(v)
	}
	if last {
		buf.Write([]byte{0, 0, 0, 0})
	} else {
		buf.Write(le.AppendUint32(nil, uint32(next)))
	}
	buf.Write(extra)
	buf.Write(p.data)
	if !last && len(p.data)%2 != 0 {
		buf.WriteByte(0)
	}
	n, err := t.w.Write(buf.Bytes())
	t.off += int64(n)
	if err != nil {
		t.err = fmt.Errorf("pages: tiff: %w", err)
	}
	return t.err
}

// TIFFFile is an opened TIFF file of bilevel pages: TIFF Class F faxes
// (T.4 or T.6 coded) and also uncompressed bilevel TIFFs.
type TIFFFile struct {
	r     io.ReaderAt
	size  int64
	order binary.ByteOrder
	Pages []TIFFPage
}

// TIFFPage is one page of a TIFFFile as its tags describe it.
type TIFFPage struct {
	PageInfo
	// Compression is the TIFF compression code: 1 none, 3 T.4, 4 T.6.
	Compression int
	// BlackIsZero is true for PhotometricInterpretation 1.
	BlackIsZero bool
	// PageNumber is the PageNumber tag's first value, or -1 when absent.
	PageNumber   int
	rowsPerStrip int
	strips       []strip
}

type strip struct{ off, n int64 }

// OpenTIFF reads the directory of a TIFF file of size bytes. It checks
// every page's tags and strip positions; the pixel data is read by Decode.
func OpenTIFF(r io.ReaderAt, size int64) (*TIFFFile, error) {
	hdr := make([]byte, 8)
	if _, err := r.ReadAt(hdr, 0); err != nil {
		return nil, tiffErr("file too short for a TIFF header")
	}
	f := &TIFFFile{r: r, size: size}
	switch string(hdr[:2]) {
	case "II":
		f.order = binary.LittleEndian
	case "MM":
		f.order = binary.BigEndian
	default:
		return nil, tiffErr("not a TIFF file")
	}
	if f.order.Uint16(hdr[2:]) != 42 {
		if f.order.Uint16(hdr[2:]) == 43 {
			return nil, &UnsupportedError{Format: "tiff", Feature: "BigTIFF"}
		}
		return nil, tiffErr("bad TIFF version number")
	}
	off := int64(f.order.Uint32(hdr[4:]))
	seen := map[int64]bool{}
	for off != 0 {
		if seen[off] {
			return nil, tiffErr("IFD chain loops")
		}
		seen[off] = true
		if len(f.Pages) >= MaxTIFFPages {
			return nil, tiffErr(fmt.Sprintf("more than %d pages", MaxTIFFPages))
		}
		p, next, err := f.readIFD(off, len(f.Pages)+1)
		if err != nil {
			return nil, err
		}
		f.Pages = append(f.Pages, *p)
		off = next
	}
	if len(f.Pages) == 0 {
		return nil, tiffErr("no pages")
	}
	return f, nil
}

func tiffErr(msg string) error { return &FormatError{Format: "tiff", Msg: msg} }

func typeSize(typ uint16) int {
	switch typ {
	case 1, 2, 6, 7:
		return 1
	case 3, 8:
		return 2
	case 4, 9, 11:
		return 4
	case 5, 10, 12:
		return 8
	}
	return 0
}

func (f *TIFFFile) readAt(off, n int64) ([]byte, error) {
	if off < 0 || n < 0 || off > f.size || n > f.size-off {
		return nil, tiffErr(fmt.Sprintf("offset %d+%d beyond the end of the file (%d bytes)", off, n, f.size))
	}
	b := make([]byte, n)
	if _, err := f.r.ReadAt(b, off); err != nil && !(err == io.EOF && n == 0) {
		return nil, fmt.Errorf("pages: tiff: read at %d: %w", off, err)
	}
	return b, nil
}

// readIFD parses the IFD at off as page number n.
func (f *TIFFFile) readIFD(off int64, n int) (*TIFFPage, int64, error) {
	cnt, err := f.readAt(off, 2)
	if err != nil {
		return nil, 0, err
	}
	count := int(f.order.Uint16(cnt))
	if count == 0 || count > maxTIFFTags {
		return nil, 0, tiffErr(fmt.Sprintf("page %d: IFD with %d entries", n, count))
	}
	ifd, err := f.readAt(off+2, int64(12*count+4))
	if err != nil {
		return nil, 0, err
	}
	vals := map[uint16][]uint64{}
	for i := 0; i < count; i++ {
		e := ifd[12*i:]
		tag, typ, cnt := f.order.Uint16(e), f.order.Uint16(e[2:]), int64(f.order.Uint32(e[4:]))
		sz := int64(typeSize(typ))
		if sz == 0 || typ == tiffASCII {
			continue // types we do not read
		}
		if cnt > maxStrips*2 {
			return nil, 0, tiffErr(fmt.Sprintf("page %d: tag %d has %d values", n, tag, cnt))
		}
		raw := e[8:12]
		if sz*cnt > 4 {
			raw, err = f.readAt(int64(f.order.Uint32(e[8:])), sz*cnt)
			if err != nil {
				return nil, 0, fmt.Errorf("page %d: tag %d: %w", n, tag, err)
			}
		}
		v := make([]uint64, 0, cnt)
		for j := int64(0); j < cnt; j++ {
			switch sz {
			case 1:
				v = append(v, uint64(raw[j]))
			case 2:
				v = append(v, uint64(f.order.Uint16(raw[2*j:])))
			case 4:
				v = append(v, uint64(f.order.Uint32(raw[4*j:])))
			case 8: // rationals: numerator and denominator
				v = append(v, uint64(f.order.Uint32(raw[8*j:]))<<32|uint64(f.order.Uint32(raw[8*j+4:])))
			}
		}
		vals[tag] = v
	}
	next := int64(f.order.Uint32(ifd[12*count:]))
	one := func(tag uint16, def uint64) uint64 {
		if v, ok := vals[tag]; ok && len(v) > 0 {
			return v[0]
		}
		return def
	}
	p := &TIFFPage{PageNumber: -1}
	p.Width, p.Height = int(one(tagImageWidth, 0)), int(one(tagImageLength, 0))
	if p.Width <= 0 || p.Width > MaxWidth || p.Height <= 0 || p.Height > MaxHeight {
		return nil, 0, tiffErr(fmt.Sprintf("page %d: size %dx%d out of range (max %dx%d)", n, p.Width, p.Height, MaxWidth, MaxHeight))
	}
	if bps, spp := one(tagBitsPerSample, 1), one(tagSamplesPerPixel, 1); bps != 1 || spp != 1 {
		return nil, 0, &UnsupportedError{Format: "tiff", Feature: fmt.Sprintf("page %d is not bilevel (%d bits, %d samples per pixel)", n, bps, spp)}
	}
	p.Compression = int(one(tagCompression, 1))
	t4 := one(tagT4Options, 0)
	switch p.Compression {
	case compressionNone:
	case compressionT4:
		p.Coding = MH
		if t4&t4Option2D != 0 {
			p.Coding = MR
		}
		if t4&t4OptionUncompress != 0 {
			return nil, 0, &UnsupportedError{Format: "tiff", Feature: fmt.Sprintf("page %d uses T.4 uncompressed mode", n)}
		}
		p.AlignEOL = t4&t4OptionFillBits != 0
	case compressionT6:
		p.Coding = MMR
	default:
		return nil, 0, &UnsupportedError{Format: "tiff", Feature: fmt.Sprintf("page %d has compression %d (want 1, 3 or 4)", n, p.Compression)}
	}
	switch one(tagPhotometric, 0) {
	case 0:
	case 1:
		p.BlackIsZero = true
	default:
		return nil, 0, &UnsupportedError{Format: "tiff", Feature: fmt.Sprintf("page %d photometric interpretation %d", n, one(tagPhotometric, 0))}
	}
	if one(tagFillOrder, 1) == 2 {
		p.BitOrder = LSBFirst
	}
	unit := one(tagResolutionUnit, 2)
	res := func(tag uint16) float64 {
		v := one(tag, 0)
		num, den := float64(v>>32), float64(v&0xffffffff)
		if den == 0 {
			return 0
		}
		r := num / den
		if unit == 3 {
			r *= 2.54
		}
		return r
	}
	p.XDPI, p.YDPI = res(tagXResolution), res(tagYResolution)
	if pn, ok := vals[tagPageNumber]; ok && len(pn) > 0 {
		p.PageNumber = int(pn[0])
	}
	p.BadRows, p.MaxConsecutiveBad = int(one(tagBadFaxLines, 0)), int(one(tagConsecutiveBad, 0))
	p.rowsPerStrip = int(min(one(tagRowsPerStrip, uint64(p.Height)), uint64(p.Height)))
	if p.rowsPerStrip <= 0 {
		return nil, 0, tiffErr(fmt.Sprintf("page %d: RowsPerStrip is 0", n))
	}
	offs, counts := vals[tagStripOffsets], vals[tagStripByteCounts]
	want := (p.Height + p.rowsPerStrip - 1) / p.rowsPerStrip
	if len(offs) != want || len(counts) != want {
		return nil, 0, tiffErr(fmt.Sprintf("page %d: %d strip offsets and %d byte counts, want %d", n, len(offs), len(counts), want))
	}
	for i := range offs {
		o, c := int64(offs[i]), int64(counts[i])
		if o > f.size || c > f.size-o {
			return nil, 0, tiffErr(fmt.Sprintf("page %d: strip %d lies beyond the end of the file", n, i))
		}
		p.strips = append(p.strips, strip{o, c})
	}
	return p, next, nil
}

// RawData returns the coded data of page i when it is held in one strip,
// so that it can be sent or copied without decoding.
func (f *TIFFFile) RawData(i int) ([]byte, error) {
	p := &f.Pages[i]
	if len(p.strips) != 1 {
		return nil, &UnsupportedError{Format: "tiff", Feature: fmt.Sprintf("raw data of a page in %d strips", len(p.strips))}
	}
	return f.readAt(p.strips[0].off, p.strips[0].n)
}

// Decode decodes page i. Damage in coded data is reported in Stats, as
// Decoder does; the error is for what cannot be read at all.
func (f *TIFFFile) Decode(i int) (*Page, Stats, error) {
	tp := &f.Pages[i]
	pg, err := NewPage(tp.Width, tp.Height)
	if err != nil {
		return nil, Stats{}, err
	}
	pg.XDPI, pg.YDPI = tp.XDPI, tp.YDPI
	var st Stats
	y := 0
	for si, s := range tp.strips {
		rows := min(tp.rowsPerStrip, tp.Height-y)
		if tp.Compression == compressionNone {
			need := rows * pg.Stride
			if s.n < int64(need) {
				return nil, st, tiffErr(fmt.Sprintf("page %d strip %d: %d bytes, want %d", i+1, si, s.n, need))
			}
			if _, err := f.r.ReadAt(pg.Pix[y*pg.Stride:(y+rows)*pg.Stride], s.off); err != nil {
				return nil, st, fmt.Errorf("pages: tiff: page %d strip %d: %w", i+1, si, err)
			}
			if tp.BitOrder == LSBFirst {
				for j := y * pg.Stride; j < (y+rows)*pg.Stride; j++ {
					pg.Pix[j] = reverse[pg.Pix[j]]
				}
			}
			st.Rows += rows
			y += rows
			continue
		}
		data, err := f.readAt(s.off, s.n)
		if err != nil {
			return nil, st, err
		}
		d, err := NewDecoder(bytes.NewReader(data), DecoderOptions{Coding: tp.Coding, Width: tp.Width, Height: rows, BitOrder: tp.BitOrder})
		if err != nil {
			return nil, st, err
		}
		for r := 0; r < rows; r++ {
			if err := d.ReadRow(pg.Row(y + r)); err != nil {
				return nil, st, fmt.Errorf("page %d: %w", i+1, err)
			}
		}
		ds := d.Stats()
		st.Rows += ds.Rows
		st.BadRows += ds.BadRows
		st.MaxConsecutiveBad = max(st.MaxConsecutiveBad, ds.MaxConsecutiveBad)
		st.EndMarker = ds.EndMarker
		y += rows
	}
	// Samples are 1 = black only for WhiteIsZero, in raw data as in CCITT
	// data (whose white runs are runs of 0 samples, as libtiff codes them).
	if tp.BlackIsZero {
		for j := range pg.Pix {
			pg.Pix[j] = ^pg.Pix[j]
		}
		if pad := tp.Width % 8; pad != 0 {
			m := byte(0xff << (8 - pad))
			for r := 0; r < pg.Height; r++ {
				pg.Pix[r*pg.Stride+pg.Stride-1] &= m
			}
		}
	}
	return pg, st, nil
}

// WriteTIFF writes ps as a TIFF-F file to w, every page coded with o.
func WriteTIFF(w io.Writer, ps []*Page, o EncoderOptions) error {
	tw, err := NewTIFFWriter(w, len(ps))
	if err != nil {
		return err
	}
	for _, p := range ps {
		if err := tw.WritePage(p, o); err != nil {
			return err
		}
	}
	return tw.Close()
}

// ReadTIFF decodes every page of a TIFF file held in memory.
func ReadTIFF(data []byte) ([]*Page, []Stats, error) {
	f, err := OpenTIFF(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, nil, err
	}
	var pages []*Page
	var stats []Stats
	for i := range f.Pages {
		p, st, err := f.Decode(i)
		if err != nil {
			return nil, nil, err
		}
		pages = append(pages, p)
		stats = append(stats, st)
	}
	return pages, stats, nil
}
