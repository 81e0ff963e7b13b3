package pages

import (
	"errors"
	"fmt"
	"io"
	"math/bits"
)

// DecoderOptions configures a Decoder.
type DecoderOptions struct {
	Coding Coding
	// Width is the number of pixels in a row.
	Width int
	// Height, when positive, is the number of rows the page has (as a TIFF
	// file says): the decoder stops after that many, and rows the data
	// lacks are returned white and counted as bad. When 0 the page ends at
	// RTC or EOFB or at the end of the data, and at most MaxHeight rows.
	Height int
	// BitOrder of the coded bytes.
	BitOrder BitOrder
	// MaxBytes caps the coded bytes read for the page; 0 means 32 MiB.
	MaxBytes int64
}

// Stats describes the quality of a decoded page, as a fax receiver judges
// it (T.30 copy quality: MCF, RTP or RTN).
type Stats struct {
	Rows              int  // rows returned
	BadRows           int  // rows that could not be decoded (replaced or missing)
	MaxConsecutiveBad int  // longest run of consecutive bad rows
	EndMarker         bool // RTC (T.4) or EOFB (T.6) was seen
}

// Decoder decodes a coded page row by row.
//
// A row that cannot be decoded is replaced by the row above it (white for
// the first row) and counted in Stats; MH and MR decoding then resumes at
// the next EOL. MMR has no EOLs, so damage ends the page: the rows after it
// are missing. Decoding never panics, and stops at MaxHeight rows and
// MaxBytes of input whatever the data holds.
type Decoder struct {
	o       DecoderOptions
	br      *bitReader
	ref     []int32 // changing elements of the previous row
	cur     []int32
	prev    []byte // the previous row's pixels
	stats   Stats
	badRun  int
	started bool
	done    bool  // no more rows will be decoded from the data
	err     error // a fatal error (I/O, size limit) to report after the rows
}

// errors inside a row; the row is bad, the page goes on.
var (
	errInvalidCode = errors.New("invalid code")
	errRowTooLong  = errors.New("row too long")
	errShortRow    = errors.New("EOL before the row's end")
	errEndOfData   = errors.New("data ends inside a row")
	errUncompress  = errors.New("uncompressed mode")
	errNoEOL       = errors.New("row not followed by EOL")
)

// NewDecoder returns a Decoder reading coded data from r.
func NewDecoder(r io.Reader, o DecoderOptions) (*Decoder, error) {
	if o.Width <= 0 || o.Width > MaxWidth {
		return nil, fmt.Errorf("pages: decoder width %d out of range 1..%d", o.Width, MaxWidth)
	}
	if o.Height < 0 || o.Height > MaxHeight {
		return nil, fmt.Errorf("pages: decoder height %d out of range 0..%d", o.Height, MaxHeight)
	}
	if o.Coding > MMR {
		return nil, fmt.Errorf("pages: unknown coding %d", o.Coding)
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 32 << 20
	}
	d := &Decoder{
		o:    o,
		br:   newBitReader(r, o.BitOrder, o.MaxBytes),
		ref:  make([]int32, 0, o.Width+4),
		cur:  make([]int32, 0, o.Width+4),
		prev: make([]byte, (o.Width+7)/8),
	}
	d.ref = appendSentinels(d.ref, o.Width)
	return d, nil
}

// Stats returns the statistics of the rows decoded so far.
func (d *Decoder) Stats() Stats { return d.stats }

// ReadRow decodes the next row into row (at least (Width+7)/8 bytes). It
// returns io.EOF after the last row. Any other error is fatal to the page
// (an I/O error, or the size limit); damage in the data is not an error.
func (d *Decoder) ReadRow(row []byte) error {
	stride := (d.o.Width + 7) / 8
	if len(row) < stride {
		return fmt.Errorf("pages: row buffer of %d bytes is short for width %d", len(row), d.o.Width)
	}
	row = row[:stride]
	if d.o.Height > 0 && d.stats.Rows >= d.o.Height {
		return d.finish()
	}
	if d.stats.Rows >= MaxHeight {
		if d.err == nil && !d.done {
			d.err = &FormatError{Format: d.o.Coding.String(), Msg: fmt.Sprintf("page longer than %d rows", MaxHeight)}
		}
		return d.finish()
	}
	if !d.done {
		ok, end := d.decodeRow()
		switch {
		case ok:
			fillRow(row, d.cur, d.o.Width)
			copy(d.prev, row)
			d.ref, d.cur = d.cur, d.ref
			d.good()
			return nil
		case !end:
			// A damaged row: show the one above instead and keep its
			// changing elements as the reference.
			copy(row, d.prev)
			d.bad()
			return nil
		}
		d.done = true
	}
	// The data has ended, perhaps by a read error or the size limit, which
	// the caller learns after the rows.
	if d.br.rerr != nil && d.err == nil {
		d.err = fmt.Errorf("pages: %s: reading coded data: %w", d.o.Coding, d.br.rerr)
		if d.br.rerr == errTooLarge {
			d.err = errTooLarge
		}
	}
	// A page of known height gets white rows for the missing ones.
	if d.o.Height > 0 && d.stats.Rows < d.o.Height {
		clear(row)
		d.bad()
		return nil
	}
	return d.finish()
}

func (d *Decoder) finish() error {
	if d.err != nil {
		return d.err
	}
	return io.EOF
}

func (d *Decoder) good() {
	d.stats.Rows++
	d.badRun = 0
}

func (d *Decoder) bad() {
	d.stats.Rows++
	d.stats.BadRows++
	d.badRun++
	d.stats.MaxConsecutiveBad = max(d.stats.MaxConsecutiveBad, d.badRun)
}

// decodeRow decodes one row into d.cur. ok reports a good row; when not ok,
// end reports that the page has no more rows (end marker, end of data),
// otherwise the row was damaged and the next one may be read.
func (d *Decoder) decodeRow() (ok, end bool) {
	br := d.br
	if d.o.Coding == MMR {
		return d.decodeMMRRow()
	}
	if !d.started {
		d.started = true
		// A page starts with an EOL (T.4 4.1.2); tolerate its absence, and
		// skip what is left of a previous page's RTC.
		d.skipEOLs()
	}
	if br.exhausted() {
		return false, true
	}
	twoD := false
	if d.o.Coding == MR {
		twoD = br.bit() == 0
	}
	if d.atEOL() {
		// An EOL where a row should start: the second EOL of RTC (T.4
		// 4.1.4). Consume the rest of RTC.
		d.stats.EndMarker = true
		d.skipRTC()
		return false, true
	}
	var err error
	if twoD {
		err = d.decode2D()
	} else {
		err = d.decode1D()
	}
	if err == nil {
		// A good row is followed by an EOL, or by the end of the data.
		switch {
		case d.atEOL():
			d.skipEOL()
		case br.exhausted():
			d.done = true
		default:
			err = errNoEOL
		}
	}
	if err == nil {
		return true, false
	}
	// A damaged row: resynchronise at the next EOL. Data that ends inside
	// the row ends the page after it.
	if br.over > 0 || br.exhausted() || !d.seekEOL() {
		d.done = true
	}
	return false, false
}

// atEOL reports whether fill bits and an EOL come next, consuming fill
// bits beyond the last twelve zeros.
func (d *Decoder) atEOL() bool {
	br := d.br
	for {
		v := br.peek(32)
		if v != 0 {
			return bits.LeadingZeros32(v) >= 11
		}
		// 32 zero bits: fill; look further unless the data ended.
		if br.exhausted() {
			return false
		}
		br.skip(20) // keep 12 zeros: they may begin the EOL
	}
}

// skipEOLs consumes consecutive EOLs (each with its tag bit 1 for MR, the
// tag of the first being already read) and the fill before them.
func (d *Decoder) skipEOLs() {
	for i := 0; i < 8; i++ {
		if i > 0 && d.o.Coding == MR {
			v := d.br.peek(32)
			if v>>31 != 1 || v<<1 == 0 || bits.LeadingZeros32(v<<1) < 11 {
				return
			}
			d.br.skip(1)
		}
		if !d.atEOL() {
			return
		}
		d.skipEOL()
	}
}

// skipRTC consumes the rest of RTC once its second EOL is next: the five
// EOLs left, and for MR the tag bit 1 that follows each (T.4 4.2.4).
func (d *Decoder) skipRTC() {
	for i := 0; i < 5 && d.atEOL(); i++ {
		d.skipEOL()
		if d.o.Coding == MR && d.br.peek(1) == 1 {
			d.br.skip(1)
		}
	}
}

// Offset returns the number of input bytes the decoder has used, counting
// a partly used byte as used. After the last row of a page in a raw stream
// of several pages, the next page starts there.
func (d *Decoder) Offset() int64 {
	return d.br.read - int64(len(d.br.buf)-d.br.i) - int64(d.br.n/8)
}

// skipEOL consumes the fill bits and the EOL that atEOL found.
func (d *Decoder) skipEOL() {
	d.br.skip(uint(bits.LeadingZeros32(d.br.peek(32))) + 1)
}

// seekEOL skips to just after the next EOL, reporting false when the data
// ends first.
func (d *Decoder) seekEOL() bool {
	br := d.br
	zeros := 0
	for {
		v := br.peek(32)
		if v == 0 {
			if br.exhausted() {
				return false
			}
			zeros += 32
			br.skip(32)
			continue
		}
		z := bits.LeadingZeros32(v)
		br.skip(uint(z) + 1)
		if br.over > 0 {
			return false
		}
		if zeros+z >= 11 {
			return true
		}
		zeros = 0
	}
}

// readRun reads one run length (make-up codes plus a terminating code).
func (d *Decoder) readRun(white bool) (int, error) {
	br := d.br
	t := &blackDecode
	if white {
		t = &whiteDecode
	}
	run := 0
	for {
		e := t[br.peek(runPeekBits)]
		if e.kind == kindNone {
			if br.over > 0 || br.exhausted() {
				return 0, errEndOfData
			}
			if bits.LeadingZeros32(br.peek(32)) >= 11 {
				return 0, errShortRow
			}
			return 0, errInvalidCode
		}
		br.skip(uint(e.len))
		if br.over > 0 {
			return 0, errEndOfData
		}
		run += int(e.run)
		if e.kind == kindTerm {
			return run, nil
		}
		if run > d.o.Width {
			return 0, errRowTooLong
		}
	}
}

// decode1D decodes a one-dimensionally coded row (T.4 4.1) into d.cur.
func (d *Decoder) decode1D() error {
	width := d.o.Width
	cur := d.cur[:0]
	a0 := 0
	white := true
	for {
		n, err := d.readRun(white)
		if err != nil {
			return err
		}
		a0 += n
		if a0 > width {
			return errRowTooLong
		}
		if a0 == width {
			break
		}
		cur = appendChange(cur, int32(a0))
		white = !white
	}
	d.cur = appendSentinels(cur, width)
	return nil
}

// appendChange adds a changing element; a change at the position of the
// last one cancels it (a run of zero length).
func appendChange(c []int32, x int32) []int32 {
	if n := len(c); n > 0 && c[n-1] == x {
		return c[:n-1]
	}
	return append(c, x)
}

// decode2D decodes a two-dimensionally coded row (T.4 4.2, T.6 2.2) against
// d.ref into d.cur.
func (d *Decoder) decode2D() error {
	br := d.br
	ref := d.ref
	width := int32(d.o.Width)
	cur := d.cur[:0]
	a0 := int32(-1)
	colour := 0
	ib := 0
	for a0 < width {
		for ref[ib] <= a0 && ref[ib] < width {
			ib++
		}
		j := ib
		if j&1 != colour {
			j++
		}
		b1, b2 := ref[j], ref[j+1]
		m := modeDecode[br.peek(modePeekBits)]
		switch m.mode {
		case modeNone:
			if br.over > 0 || br.exhausted() {
				return errEndOfData
			}
			if bits.LeadingZeros32(br.peek(32)) >= 11 {
				return errShortRow
			}
			return errInvalidCode
		case modeExtension:
			return errUncompress
		}
		br.skip(uint(m.len))
		if br.over > 0 {
			return errEndOfData
		}
		switch m.mode {
		case modePass:
			if b2 >= width && b1 >= width {
				// Passing beyond the row's end: not a valid code here.
				return errRowTooLong
			}
			a0 = b2
		case modeHorizontal:
			r1, err := d.readRun(colour == 0)
			if err != nil {
				return err
			}
			r2, err := d.readRun(colour != 0)
			if err != nil {
				return err
			}
			a1 := max(a0, 0) + int32(r1)
			a2 := a1 + int32(r2)
			if a2 > width {
				return errRowTooLong
			}
			if a1 < width {
				cur = appendChange(cur, a1)
			}
			if a2 < width {
				cur = appendChange(cur, a2)
			}
			a0 = a2
		case modeV:
			a1 := b1 + int32(m.off)
			if a1 < 0 || a1 > width || a1 < a0 {
				return errInvalidCode
			}
			if a1 < width {
				cur = appendChange(cur, a1)
			}
			a0 = a1
			colour ^= 1
		}
	}
	d.cur = appendSentinels(cur, int(width))
	return nil
}

// decodeMMRRow decodes one T.6 row. T.6 data has no EOLs: the first damage
// ends the page.
func (d *Decoder) decodeMMRRow() (ok, end bool) {
	br := d.br
	if br.exhausted() {
		return false, true
	}
	if v := br.peek(24); v == 0x001001 {
		br.skip(24)
		d.stats.EndMarker = true
		return false, true
	}
	if err := d.decode2D(); err != nil {
		d.done = true
		return false, false
	}
	return true, false
}

// fillRow paints a row from its changing elements.
func fillRow(row []byte, c []int32, width int) {
	clear(row)
	w := int32(width)
	for i := 0; i+1 < len(c) && c[i] < w; i += 2 {
		setRun(row, int(c[i]), int(min(c[i+1], w)))
	}
}

// setRun paints pixels [x0, x1) black.
func setRun(row []byte, x0, x1 int) {
	if x0 >= x1 {
		return
	}
	i0, i1 := x0>>3, (x1-1)>>3
	m0 := byte(0xff >> (x0 & 7))
	m1 := byte(0xff << (7 - (x1-1)&7))
	if i0 == i1 {
		row[i0] |= m0 & m1
		return
	}
	row[i0] |= m0
	for i := i0 + 1; i < i1; i++ {
		row[i] = 0xff
	}
	row[i1] |= m1
}

// Decode decodes a whole page. The page is returned even when err is not
// nil, holding the rows decoded before the fatal error; damage that a
// receiver recovers from is reported in Stats only.
func Decode(r io.Reader, o DecoderOptions) (*Page, Stats, error) {
	d, err := NewDecoder(r, o)
	if err != nil {
		return nil, Stats{}, err
	}
	stride := (o.Width + 7) / 8
	capRows := o.Height
	if capRows == 0 {
		capRows = 1200
	}
	pix := make([]byte, 0, stride*capRows)
	row := make([]byte, stride)
	var rerr error
	for {
		if err := d.ReadRow(row); err != nil {
			if err != io.EOF {
				rerr = err
			}
			break
		}
		pix = append(pix, row...)
	}
	st := d.Stats()
	p := &Page{Width: o.Width, Height: len(pix) / stride, Stride: stride, Pix: pix}
	return p, st, rerr
}
