package render

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"

	"golang.org/x/image/tiff/lzw"
)

// TIFF 6.0 tags (TIFF 6.0 Section 8 and the sections cited) read by
// tiffIFD.
const (
	tagWidth        = 256
	tagHeight       = 257
	tagBits         = 258
	tagCompression  = 259
	tagPhotometric  = 262
	tagStripOffsets = 273
	tagSamples      = 277
	tagRowsPerStrip = 278
	tagStripCounts  = 279
	tagPlanar       = 284
	tagPredictor    = 317
	tagColorMap     = 320
	tagTileWidth    = 322
	tagTileLength   = 323
	tagTileOffsets  = 324
	tagTileCounts   = 325
	tagExtraSamples = 338
	tagJPEGTables   = 347 // TIFF Technical Note 2
	tagJPEGIF       = 513 // TIFF 6.0 Section 22 (old-style JPEG)
	tagJPEGIFLength = 514
)

// tiffIFD is one image file directory: each tag's values as numbers, and
// for the byte-valued JPEGTables its bytes.
type tiffIFD struct {
	data   []byte
	bo     binary.ByteOrder
	vals   map[uint16][]uint32
	tables []byte
}

// readIFD parses the directory at off (tiffIFDs has checked its bounds).
func readIFD(data []byte, off uint32) (*tiffIFD, error) {
	bad := func(msg string) error { return &FormatError{Format: "tiff", Err: errors.New(msg)} }
	var bo binary.ByteOrder = binary.LittleEndian
	if data[0] == 'M' {
		bo = binary.BigEndian
	}
	d := &tiffIFD{data: data, bo: bo, vals: map[uint16][]uint32{}}
	n := int(bo.Uint16(data[off:]))
	for i := range n {
		e := data[int(off)+2+12*i:]
		tag, typ, count := bo.Uint16(e), bo.Uint16(e[2:]), bo.Uint32(e[4:])
		size := map[uint16]int{1: 1, 3: 2, 4: 4, 7: 1}[typ]
		if size == 0 {
			continue // rationals, ASCII: not needed here
		}
		if count > 1<<24 {
			return nil, bad(fmt.Sprintf("tag %d has %d values", tag, count))
		}
		total := int64(count) * int64(size)
		vb := e[8:12]
		if total > 4 {
			o := int64(bo.Uint32(e[8:]))
			if o+total > int64(len(data)) {
				return nil, bad(fmt.Sprintf("tag %d beyond the end of the file", tag))
			}
			vb = data[o : o+total]
		}
		if tag == tagJPEGTables {
			d.tables = vb[:total]
			continue
		}
		vs := make([]uint32, count)
		for j := range vs {
			switch size {
			case 1:
				vs[j] = uint32(vb[j])
			case 2:
				vs[j] = uint32(bo.Uint16(vb[2*j:]))
			case 4:
				vs[j] = bo.Uint32(vb[4*j:])
			}
		}
		d.vals[tag] = vs
	}
	return d, nil
}

// get returns the first value of tag, or def when it is absent.
func (d *tiffIFD) get(tag uint16, def uint32) uint32 {
	if v := d.vals[tag]; len(v) > 0 {
		return v[0]
	}
	return def
}

// ownDecoder reports whether this package's decoder must read the page:
// JPEG compression (6, 7), CMYK, extra samples x/image/tiff refuses (grey
// with alpha, unspecified or several extra samples), or 2 and 4 bits a
// sample. The rest golang.org/x/image/tiff reads.
func (d *tiffIFD) ownDecoder() bool {
	comp, photo := d.get(tagCompression, 1), d.get(tagPhotometric, 1)
	spp, bps := d.get(tagSamples, 1), d.get(tagBits, 1)
	extra := d.get(tagExtraSamples, 0)
	switch {
	case comp == 6 || comp == 7, photo == 5, bps == 2 || bps == 4:
		return true
	case photo == 2 && (spp > 4 || spp == 4 && extra == 0):
		return true
	case photo <= 1 && spp > 1:
		return true
	}
	return false
}

// config returns the page's size and the bytes a pixel its decoding may
// take: the grey result and, at worst, one strip or tile as large as the
// page decoded in full colour.
func (d *tiffIFD) config() (w, h int, cost int64, err error) {
	w, h = int(d.get(tagWidth, 0)), int(d.get(tagHeight, 0))
	if w <= 0 || h <= 0 {
		return 0, 0, 0, &FormatError{Format: "tiff", Err: fmt.Errorf("image size %dx%d", w, h)}
	}
	spp, bps := int64(d.get(tagSamples, 1)), int64(d.get(tagBits, 1))
	return w, h, 1 + max(4, (spp*bps+7)/8), nil
}

// decodeGray decodes the page into grey, compositing alpha over white.
func (d *tiffIFD) decodeGray() (*image.Gray, error) {
	w, h, _, err := d.config()
	if err != nil {
		return nil, err
	}
	bad := func(format string, a ...any) error {
		return &FormatError{Format: "tiff", Err: fmt.Errorf(format, a...)}
	}
	if d.get(tagPlanar, 1) != 1 {
		return nil, &FormatError{Format: "tiff", Err: fmt.Errorf("%w: separate colour planes", ErrUnsupported)}
	}
	out := image.NewGray(image.Rect(0, 0, w, h))
	if d.get(tagCompression, 1) == 6 {
		return d.oldJPEG(out)
	}
	bw, bh := w, int(d.get(tagRowsPerStrip, uint32(h)))
	offs, counts := d.vals[tagStripOffsets], d.vals[tagStripCounts]
	if tw := int(d.get(tagTileWidth, 0)); tw > 0 {
		bw, bh = tw, int(d.get(tagTileLength, 0))
		offs, counts = d.vals[tagTileOffsets], d.vals[tagTileCounts]
	}
	if bw <= 0 || bh <= 0 || bw > 1<<16 || bh > 1<<16 {
		return nil, bad("block size %dx%d", bw, bh)
	}
	bh = min(bh, h)
	across := (w + bw - 1) / bw
	blocks := across * ((h + bh - 1) / bh)
	if len(offs) < blocks || len(counts) < blocks {
		return nil, bad("%d strips or tiles, %d needed", min(len(offs), len(counts)), blocks)
	}
	for i := range blocks {
		o, n := int64(offs[i]), int64(counts[i])
		if o+n > int64(len(d.data)) {
			return nil, bad("strip or tile %d beyond the end of the file", i+1)
		}
		x0, y0 := (i%across)*bw, (i/across)*bh
		if err := d.block(out, d.data[o:o+n], x0, y0, bw, min(bh, h-y0)); err != nil {
			return nil, bad("strip or tile %d: %v", i+1, err)
		}
	}
	return out, nil
}

// block decodes one strip or tile of bw x bh pixels into out at (x0, y0).
func (d *tiffIFD) block(out *image.Gray, raw []byte, x0, y0, bw, bh int) error {
	if d.get(tagCompression, 1) == 7 {
		img, err := decodeJPEGWithin(withTables(d.tables, raw), bw, bh)
		if err != nil {
			return err
		}
		g := toGray(img)
		for y := 0; y < bh && y < g.Rect.Dy() && y0+y < out.Rect.Dy(); y++ {
			n := min(bw, g.Rect.Dx(), out.Rect.Dx()-x0)
			copy(out.Pix[(y0+y)*out.Stride+x0:][:n], g.Pix[y*g.Stride:][:n])
		}
		return nil
	}
	spp, bps := int(d.get(tagSamples, 1)), int(d.get(tagBits, 1))
	rowBytes := (bw*spp*bps + 7) / 8
	buf, err := d.inflate(raw, rowBytes*bh)
	if err != nil {
		return err
	}
	if len(buf) < rowBytes*bh {
		return fmt.Errorf("%d bytes of pixels, %d needed", len(buf), rowBytes*bh)
	}
	if d.get(tagPredictor, 1) == 2 && bps == 8 {
		for y := range bh {
			r := buf[y*rowBytes : (y+1)*rowBytes]
			for x := spp; x < len(r); x++ {
				r[x] += r[x-spp]
			}
		}
	}
	px := newPixelConv(d, spp, bps)
	for y := 0; y < bh; y++ {
		row := buf[y*rowBytes : (y+1)*rowBytes]
		dst := out.Pix[(y0+y)*out.Stride:]
		for x := 0; x < bw && x0+x < out.Rect.Dx(); x++ {
			dst[x0+x] = px.gray(row, x)
		}
	}
	return nil
}

// decodeJPEGWithin decodes a JPEG stream of a TIFF page after checking
// from its frame header that it is no larger than the w x h block the
// page's directory gives it (plus a block row and column of padding), so
// that the limits checked from the directory hold.
func decodeJPEGWithin(stream []byte, w, h int) (image.Image, error) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(stream))
	if err != nil {
		return nil, err
	}
	if cfg.Width > w+16 || cfg.Height > h+16 {
		return nil, fmt.Errorf("JPEG stream of %dx%d in a block of %dx%d", cfg.Width, cfg.Height, w, h)
	}
	return jpeg.Decode(bytes.NewReader(stream))
}

// withTables completes an abbreviated JPEG stream (TIFF Technical Note 2)
// with the tables stream: the tables' markers go after the strip's SOI.
func withTables(tables, strip []byte) []byte {
	if len(tables) < 4 || len(strip) < 2 {
		return strip
	}
	t := bytes.TrimSuffix(tables, []byte{0xff, 0xd9})
	return append(append([]byte(nil), t...), strip[2:]...)
}

// inflate undoes the page's compression: none, LZW, Deflate or PackBits.
func (d *tiffIFD) inflate(raw []byte, want int) ([]byte, error) {
	var r io.Reader
	switch c := d.get(tagCompression, 1); c {
	case 1:
		return raw, nil
	case 5:
		r = lzw.NewReader(bytes.NewReader(raw), lzw.MSB, 8)
	case 8, 32946:
		zr, err := zlib.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		r = zr
	case 32773:
		return unpackBits(raw, want), nil
	default:
		return nil, fmt.Errorf("%w: compression %d", ErrUnsupported, c)
	}
	return io.ReadAll(io.LimitReader(r, int64(want)))
}

// unpackBits decodes PackBits (TIFF 6.0 Section 9) up to want bytes.
func unpackBits(src []byte, want int) []byte {
	out := make([]byte, 0, want)
	for i := 0; i < len(src) && len(out) < want; {
		n := int(int8(src[i]))
		i++
		switch {
		case n >= 0:
			end := min(i+n+1, len(src))
			out = append(out, src[i:end]...)
			i = end
		case n != -128 && i < len(src):
			for range 1 - n {
				out = append(out, src[i])
			}
			i++
		}
	}
	return out
}

// oldJPEG decodes an old-style JPEG page (compression 6) whose
// JPEGInterchangeFormat points at a whole JPEG stream: the well-formed
// kind; pages whose tables are spread over other tags are refused.
func (d *tiffIFD) oldJPEG(out *image.Gray) (*image.Gray, error) {
	o, n := int64(d.get(tagJPEGIF, 0)), int64(d.get(tagJPEGIFLength, 0))
	if o == 0 || n == 0 && len(d.vals[tagStripOffsets]) == 0 {
		return nil, &FormatError{Format: "tiff", Err: fmt.Errorf("%w: old-style JPEG without JPEGInterchangeFormat", ErrUnsupported)}
	}
	if n == 0 || o+n > int64(len(d.data)) {
		n = int64(len(d.data)) - o
	}
	if o >= int64(len(d.data)) {
		return nil, &FormatError{Format: "tiff", Err: errors.New("JPEGInterchangeFormat beyond the end of the file")}
	}
	img, err := decodeJPEGWithin(d.data[o:o+n], out.Rect.Dx(), out.Rect.Dy())
	if err != nil {
		return nil, &FormatError{Format: "tiff", Err: fmt.Errorf("old-style JPEG: %w", err)}
	}
	g := toGray(img)
	for y := 0; y < out.Rect.Dy() && y < g.Rect.Dy(); y++ {
		copy(out.Pix[y*out.Stride:][:out.Rect.Dx()], g.Pix[y*g.Stride:][:min(g.Rect.Dx(), out.Rect.Dx())])
	}
	return out, nil
}

// pixelConv turns the samples of one pixel of a row into grey over white.
type pixelConv struct {
	photo, spp, bps int
	alpha           uint32 // ExtraSamples: 1 associated, 2 unassociated, else none
	colours         int    // colour samples before the extra ones
	hi              int    // where a 16-bit sample's high byte is: 0 big-endian, 1 little
	pal             [256]uint8
}

func newPixelConv(d *tiffIFD, spp, bps int) *pixelConv {
	p := &pixelConv{photo: int(d.get(tagPhotometric, 1)), spp: spp, bps: bps, alpha: d.get(tagExtraSamples, 0)}
	if d.bo == binary.LittleEndian {
		p.hi = 1
	}
	p.colours = map[int]int{2: 3, 5: 4}[p.photo]
	if p.colours == 0 {
		p.colours = 1
	}
	if p.spp <= p.colours {
		p.alpha = 0
	}
	if cm := d.vals[tagColorMap]; p.photo == 3 && bps <= 8 && len(cm) >= 3<<bps {
		n := 1 << bps
		for i := range n {
			r, g, b := cm[i]>>8, cm[n+i]>>8, cm[2*n+i]>>8
			p.pal[i] = uint8((299*r + 587*g + 114*b + 500) / 1000)
		}
	}
	return p
}

// sample returns sample s of pixel x scaled to 0..255.
func (p *pixelConv) sample(row []byte, x, s int) uint32 {
	i := x*p.spp + s
	switch p.bps {
	case 8:
		return uint32(row[i])
	case 16:
		return uint32(row[2*i+p.hi]) // the high byte
	}
	bit := i * p.bps
	v := uint32(row[bit/8]>>(8-p.bps-bit%8)) & (1<<p.bps - 1)
	if p.photo == 3 {
		return v // a palette index
	}
	return v * 255 / (1<<p.bps - 1)
}

func (p *pixelConv) gray(row []byte, x int) uint8 {
	var g uint32
	switch p.photo {
	case 0:
		g = 255 - p.sample(row, x, 0)
	case 1:
		g = p.sample(row, x, 0)
	case 2:
		r, gr, b := p.sample(row, x, 0), p.sample(row, x, 1), p.sample(row, x, 2)
		g = (299*r + 587*gr + 114*b + 500) / 1000
	case 3:
		g = uint32(p.pal[p.sample(row, x, 0)&0xff])
	case 5: // CMYK inks (TIFF 6.0 Section 16)
		k := 255 - p.sample(row, x, 3)
		r := (255 - p.sample(row, x, 0)) * k / 255
		gr := (255 - p.sample(row, x, 1)) * k / 255
		b := (255 - p.sample(row, x, 2)) * k / 255
		g = (299*r + 587*gr + 114*b + 500) / 1000
	}
	switch p.alpha {
	case 1: // associated: the colour is already multiplied by alpha
		g = min(g+255-p.sample(row, x, p.colours), 255)
	case 2:
		a := p.sample(row, x, p.colours)
		g = (g*a + 255*(255-a) + 127) / 255
	}
	return uint8(g)
}
