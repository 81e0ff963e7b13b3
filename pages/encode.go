package pages

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
)

// Coding is a fax image coding scheme.
type Coding uint8

// The codings of ITU-T T.4 and T.6.
const (
	MH  Coding = iota // T.4 one-dimensional coding (Modified Huffman)
	MR                // T.4 two-dimensional coding (Modified READ)
	MMR               // T.6 coding (Modified Modified READ)
)

// String returns "mh", "mr" or "mmr".
func (c Coding) String() string {
	switch c {
	case MH:
		return "mh"
	case MR:
		return "mr"
	case MMR:
		return "mmr"
	}
	return fmt.Sprintf("Coding(%d)", c)
}

// ParseCoding parses "mh", "mr" or "mmr".
func ParseCoding(s string) (Coding, error) {
	for c := MH; c <= MMR; c++ {
		if c.String() == s {
			return c, nil
		}
	}
	return 0, fmt.Errorf("pages: unknown coding %q (want mh, mr or mmr)", s)
}

// EncoderOptions configures an Encoder.
type EncoderOptions struct {
	Coding Coding
	// Width is the number of pixels in a row.
	Width int
	// K is the MR K parameter: one row in every K is coded one-dimensionally
	// (T.4 4.2.1). 0 means 2 (standard resolution's K); fine resolution
	// uses 4. Ignored for MH and MMR.
	K int
	// AlignEOL inserts fill bits before each EOL so that it ends on a byte
	// boundary (TIFF Group3Options bit 2; many modems expect it).
	AlignEOL bool
	// MinLineBytes is the least number of bytes a coded line, EOL included,
	// may take; shorter lines get fill bits before the next EOL. It carries
	// the receiver's minimum scan line time at the negotiated bit rate
	// (T.30: bit rate x time / 8). Ignored for MMR.
	MinLineBytes int
	// RTC ends the page with RTC (six EOLs, T.4 4.1.4) for MH and MR, or
	// with EOFB (T.6 2.4) for MMR, when the Encoder is closed.
	RTC bool
	// BitOrder of the coded bytes.
	BitOrder BitOrder
}

// Encoder codes a page row by row into an io.Writer. It holds two rows of
// state and allocates nothing per row, so a page can be streamed to a
// modem while it is coded.
type Encoder struct {
	o    EncoderOptions
	bw   *bitWriter
	ref  []int32 // changing elements of the previous row
	cur  []int32 // changing elements of this row
	rows int
	k    int
	// lineStart is the bit position of the current row's EOL, or -1.
	lineStart int64
	closed    bool
}

// NewEncoder returns an Encoder writing to w.
func NewEncoder(w io.Writer, o EncoderOptions) (*Encoder, error) {
	if o.Width <= 0 || o.Width > MaxWidth {
		return nil, fmt.Errorf("pages: encoder width %d out of range 1..%d", o.Width, MaxWidth)
	}
	if o.Coding > MMR {
		return nil, fmt.Errorf("pages: unknown coding %d", o.Coding)
	}
	if o.K < 0 || o.K > 1000 {
		return nil, fmt.Errorf("pages: MR K %d out of range 1..1000", o.K)
	}
	k := o.K
	if k == 0 {
		k = 2
	}
	e := &Encoder{o: o, bw: newBitWriter(w, o.BitOrder), k: k, lineStart: -1,
		ref: make([]int32, 0, o.Width+4), cur: make([]int32, 0, o.Width+4)}
	// The reference line of the first row is an imaginary white row.
	e.ref = appendSentinels(e.ref[:0], o.Width)
	return e, nil
}

// appendSentinels ends a changing-element list with three entries at the
// row width, so that look-ups past the last change find the row's end.
func appendSentinels(c []int32, width int) []int32 {
	w := int32(width)
	return append(c, w, w, w)
}

// WriteRow codes one row given as packed bits (MSB first, 1 = black, at
// least (Width+7)/8 bytes). Bits past Width are ignored.
func (e *Encoder) WriteRow(row []byte) error {
	if e.closed {
		return errors.New("pages: write to closed encoder")
	}
	if len(row) < (e.o.Width+7)/8 {
		return fmt.Errorf("pages: row of %d bytes is short for width %d", len(row), e.o.Width)
	}
	e.cur = changes(row, e.o.Width, e.cur[:0])
	bw := e.bw
	switch e.o.Coding {
	case MH:
		e.putEOL()
		e.startLine()
		e.putRuns()
	case MR:
		oneD := e.rows%e.k == 0
		e.putEOL()
		e.startLine()
		if oneD {
			bw.put(1, 1)
			e.putRuns()
		} else {
			bw.put(0, 1)
			e.put2D()
		}
	case MMR:
		e.put2D()
	}
	e.ref, e.cur = e.cur, e.ref
	e.rows++
	return bw.err
}

// putEOL writes an EOL, with fill before it: to make the row before it last
// MinLineBytes, and to end the EOL on a byte boundary when AlignEOL asks.
// Fill goes between a row's data and the next EOL (T.4 4.1.3), so the last
// row of a page without RTC gets none.
func (e *Encoder) putEOL() {
	if e.lineStart >= 0 && e.o.MinLineBytes > 0 {
		if n := int64(e.o.MinLineBytes)*8 - (e.bw.pos() - e.lineStart); n > 0 {
			e.bw.zeros(int(n))
		}
	}
	e.lineStart = -1
	if e.o.AlignEOL {
		// The EOL's 12 bits must end on a byte boundary.
		if r := (e.bw.n + 12) % 8; r != 0 {
			e.bw.put(0, 8-r)
		}
	}
	e.bw.putCode(eol)
}

// startLine marks where a coded row (its EOL included) starts, for
// MinLineBytes.
func (e *Encoder) startLine() { e.lineStart = e.bw.pos() }

// Close ends the page (RTC or EOFB when asked), pads the last byte with
// zero bits and flushes. It does not close the underlying writer.
func (e *Encoder) Close() error {
	if e.closed {
		return nil
	}
	e.closed = true
	if e.o.RTC {
		switch e.o.Coding {
		case MH:
			for i := 0; i < 6; i++ {
				e.putEOL()
			}
		case MR:
			for i := 0; i < 6; i++ {
				e.putEOL()
				e.bw.put(1, 1)
			}
		case MMR:
			e.bw.putCode(eol)
			e.bw.putCode(eol)
		}
	}
	return e.bw.flush()
}

// Encode codes a whole page with the given options (Width is taken from
// the page) and returns the coded bytes.
func Encode(p *Page, o EncoderOptions) ([]byte, error) {
	var buf sliceWriter
	buf.b = make([]byte, 0, p.Stride*p.Height/8+64)
	if err := encodePage(&buf, p, o); err != nil {
		return nil, err
	}
	return buf.b, nil
}

// encodePage codes a whole page to w, as Encode does.
func encodePage(w io.Writer, p *Page, o EncoderOptions) error {
	o.Width = p.Width
	e, err := NewEncoder(w, o)
	if err != nil {
		return err
	}
	for y := 0; y < p.Height; y++ {
		if err := e.WriteRow(p.Row(y)); err != nil {
			return err
		}
	}
	return e.Close()
}

type sliceWriter struct{ b []byte }

func (w *sliceWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// putRuns codes the current row one-dimensionally (T.4 4.1).
func (e *Encoder) putRuns() {
	a0 := int32(0)
	white := true
	width := int32(e.o.Width)
	for _, c := range e.cur {
		if c >= width {
			break
		}
		e.putRun(white, int(c-a0))
		a0 = c
		white = !white
	}
	e.putRun(white, int(width-a0))
}

// putRun writes the make-up and terminating codes of one run.
func (e *Encoder) putRun(white bool, n int) {
	t := &blackCodes
	if white {
		t = &whiteCodes
	}
	for n >= runTable {
		e.bw.putCode(t.makeup[39]) // 2560
		n -= 2560
	}
	e.bw.putCode(t.run[n])
}

// put2D codes the current row against the reference row (T.4 4.2.1.3,
// T.6 2.2). Both rows are changing-element lists ending in sentinels.
func (e *Encoder) put2D() {
	ref, cur := e.ref, e.cur
	width := int32(e.o.Width)
	a0 := int32(-1)
	colour := 0 // 0 white, 1 black: the colour of a0
	ia := 0     // cur[ia] is a1, the first change right of a0
	ib := 0     // ref[ib] is the first change right of a0, any colour
	bw := e.bw
	for {
		for ref[ib] <= a0 && ref[ib] < width {
			ib++
		}
		// b1 is the first change right of a0 to the colour opposite a0's:
		// changes to black sit at even indexes.
		j := ib
		if j&1 != colour {
			j++
		}
		b1, b2 := ref[j], ref[j+1]
		a1 := cur[ia]
		switch {
		case b2 < a1:
			bw.putCode(passCode)
			a0 = b2
		case a1-b1 >= -3 && a1-b1 <= 3:
			bw.putCode(vertCodes[a1-b1+3])
			a0 = a1
			colour ^= 1
			ia++
		default:
			a2 := cur[ia+1]
			bw.putCode(horizCode)
			e.putRun(colour == 0, int(a1-max(a0, 0)))
			e.putRun(colour != 0, int(a2-a1))
			a0 = a2
			ia += 2
		}
		if a0 >= width {
			return
		}
	}
}

// changes lists the changing elements of a packed row: the positions whose
// colour differs from the pixel to their left, the pixel left of the row
// being white. The list ends with three sentinels at width.
//
// It works 64 pixels at a time: XOR-ing a word with itself shifted right by
// one pixel (carrying in the previous word's last pixel) leaves a 1 at each
// change, and white or black stretches cost one comparison per word.
func changes(row []byte, width int, dst []int32) []int32 {
	n := (width + 7) >> 3
	var carry uint64 // the last pixel of the previous word, as bit 63
	for base := 0; base < n; base += 8 {
		var w uint64
		if base+8 <= n {
			w = binary.BigEndian.Uint64(row[base:])
		} else {
			var tail [8]byte
			copy(tail[:], row[base:n])
			w = binary.BigEndian.Uint64(tail[:])
		}
		d := w ^ (w>>1 | carry)
		carry = w << 63
		for d != 0 {
			k := bits.LeadingZeros64(d)
			x := base<<3 + k
			if x >= width {
				break
			}
			dst = append(dst, int32(x))
			d &^= 1 << (63 - k)
		}
	}
	return appendSentinels(dst, width)
}
