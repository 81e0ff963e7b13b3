package pages

import (
	"encoding/binary"
	"io"
	"math/bits"
)

// BitOrder is the order of bits within each byte of coded data.
type BitOrder uint8

const (
	// MSBFirst puts the first coded bit in the most significant bit of a
	// byte: TIFF FillOrder 1, the default of TIFF files and of netpbm.
	MSBFirst BitOrder = iota
	// LSBFirst puts the first coded bit in the least significant bit:
	// TIFF FillOrder 2, and the order in which class 1 fax modems send
	// the bytes given to them.
	LSBFirst
)

// bitWriter packs code words into bytes and hands them to an io.Writer in
// large chunks.
type bitWriter struct {
	w     io.Writer
	buf   []byte
	acc   uint64 // pending bits, left-aligned
	n     uint   // number of pending bits in acc (< 32 between calls)
	order BitOrder
	bytes int64 // bytes already moved to buf
	err   error
}

const writeChunk = 16 << 10

func newBitWriter(w io.Writer, order BitOrder) *bitWriter {
	return &bitWriter{w: w, buf: make([]byte, 0, writeChunk+8), order: order}
}

// put appends the low n bits of v (n <= 32).
func (b *bitWriter) put(v uint32, n uint) {
	b.acc |= uint64(v) << (64 - b.n - n)
	b.n += n
	if b.n >= 32 {
		w := uint32(b.acc >> 32)
		if b.order == LSBFirst {
			w = bits.ReverseBytes32(bits.Reverse32(w))
		}
		b.buf = binary.BigEndian.AppendUint32(b.buf, w)
		b.acc <<= 32
		b.n -= 32
		b.bytes += 4
		if len(b.buf) >= writeChunk {
			b.flushBuf()
		}
	}
}

func (b *bitWriter) putCode(c code) { b.put(c.bits, uint(c.len)) }

// zeros appends n zero bits (fill).
func (b *bitWriter) zeros(n int) {
	for n > 24 {
		b.put(0, 24)
		n -= 24
	}
	b.put(0, uint(n))
}

// pos returns the number of bits written so far.
func (b *bitWriter) pos() int64 { return b.bytes*8 + int64(b.n) }

// align pads with zero bits to the next byte boundary.
func (b *bitWriter) align() {
	if r := b.n % 8; r != 0 {
		b.put(0, 8-r)
	}
}

func (b *bitWriter) flushBuf() {
	if b.err == nil && len(b.buf) > 0 {
		_, b.err = b.w.Write(b.buf)
	}
	b.buf = b.buf[:0]
}

// flush pads the last byte with zero bits and writes everything out.
func (b *bitWriter) flush() error {
	b.align()
	for b.n > 0 {
		v := byte(b.acc >> 56)
		if b.order == LSBFirst {
			v = reverse[v]
		}
		b.buf = append(b.buf, v)
		b.acc <<= 8
		b.n -= 8
		b.bytes++
	}
	b.flushBuf()
	return b.err
}

// bitReader reads coded data bit by bit with look-ahead. Past the end of
// the data it reads zero bits and counts them, so decoders never block or
// fail on look-ahead and can tell a clean end from a truncated code.
type bitReader struct {
	r     io.Reader
	buf   []byte
	i     int // next byte of buf
	acc   uint64
	n     uint // valid bits in acc
	order BitOrder
	eof   bool  // r has no more data
	rerr  error // a read error other than io.EOF
	read  int64 // bytes taken from r
	max   int64 // limit on read
	over  int   // bits consumed past the end of the data
}

func newBitReader(r io.Reader, order BitOrder, max int64) *bitReader {
	return &bitReader{r: r, buf: make([]byte, 0, 32<<10), order: order, max: max}
}

func (b *bitReader) refill() {
	for b.n <= 56 {
		if b.i >= len(b.buf) {
			if b.eof {
				return
			}
			b.fill()
			if b.i >= len(b.buf) {
				return
			}
		}
		v := b.buf[b.i]
		b.i++
		if b.order == LSBFirst {
			v = reverse[v]
		}
		b.acc |= uint64(v) << (56 - b.n)
		b.n += 8
	}
}

func (b *bitReader) fill() {
	b.buf = b.buf[:cap(b.buf)]
	b.i = 0
	for tries := 0; tries < 100; tries++ {
		if b.read >= b.max {
			b.buf = b.buf[:0]
			b.eof = true
			b.rerr = errTooLarge
			return
		}
		want := b.buf[:min(int64(len(b.buf)), b.max-b.read)]
		n, err := b.r.Read(want)
		b.read += int64(n)
		if err != nil {
			b.eof = true
			if err != io.EOF {
				b.rerr = err
			}
		}
		if n > 0 || b.eof {
			b.buf = b.buf[:n]
			return
		}
	}
	// A reader that keeps returning nothing is treated as ended.
	b.buf = b.buf[:0]
	b.eof = true
	b.rerr = io.ErrNoProgress
}

// peek returns the next n bits (n <= 32) right-aligned.
func (b *bitReader) peek(n uint) uint32 {
	if b.n < n {
		b.refill()
	}
	return uint32(b.acc >> (64 - n))
}

// skip consumes n bits.
func (b *bitReader) skip(n uint) {
	if b.n < n {
		b.refill()
		if b.n < n {
			b.over += int(n - b.n)
			b.acc, b.n = 0, 0
			return
		}
	}
	b.acc <<= n
	b.n -= n
}

// bit reads one bit.
func (b *bitReader) bit() uint32 {
	v := b.peek(1)
	b.skip(1)
	return v
}

// exhausted reports whether nothing but zero bits is left: the data ended,
// perhaps after some fill.
func (b *bitReader) exhausted() bool {
	if b.over > 0 {
		return true
	}
	b.refill()
	if !b.eof || b.i < len(b.buf) {
		return false
	}
	return b.acc == 0
}
