package render

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"

	"golang.org/x/image/tiff"

	"faxbox/pages"
)

// planTIFF plans a TIFF file's pages. Bilevel fax TIFFs (TIFF Class F,
// RFC 2306) are read with pages.OpenTIFF; a page 1728 pixels wide at the
// document's resolution or a lower one (keepsOwn) is passed through pixel
// for pixel at its own resolution (only its header-line band is
// overwritten, as fax servers do), any other page is scaled like an image. Colour, grey and other bilevel TIFFs are decoded
// page by page with golang.org/x/image/tiff.
func (d *Document) planTIFF(data []byte) (*part, error) {
	var gens []func(ctx context.Context, emit func(*pages.Page) bool) error
	total, passed := 0, 0
	add := func(n int, gen func(ctx context.Context, emit func(*pages.Page) bool) error) error {
		total += n
		if total > d.r.lim.MaxPages {
			return &LimitError{What: "pages", Got: int64(total), Max: int64(d.r.lim.MaxPages)}
		}
		gens = append(gens, gen)
		return nil
	}
	if tf, err := pages.OpenTIFF(bytes.NewReader(data), int64(len(data))); err == nil {
		for i, tp := range tf.Pages {
			if px := int64(tp.Width) * int64(tp.Height); px > d.r.lim.MaxPixels {
				return nil, &LimitError{What: "pixels", Got: px, Max: d.r.lim.MaxPixels, Width: tp.Width, Height: tp.Height}
			}
			decode := func() (*pages.Page, error) {
				p, _, err := tf.Decode(i)
				if err != nil {
					return nil, &FormatError{Format: "tiff", Err: fmt.Errorf("page %d: %w", i+1, err)}
				}
				return p, nil
			}
			if own, ok := d.keepsOwn(tp.Width, tp.XDPI, tp.YDPI); ok {
				passed++
				err = add(1, func(ctx context.Context, emit func(*pages.Page) bool) error {
					p, err := decode()
					if err != nil {
						return err
					}
					p.XDPI, p.YDPI = own.DPI()
					emit(p)
					return nil
				})
			} else {
				aspect := 1.0
				if tp.XDPI > 0 && tp.YDPI > 0 {
					aspect = tp.XDPI / tp.YDPI
				}
				err = add(d.rasterPages(tp.Width, tp.Height, aspect, 1, func() (*image.Gray, error) {
					p, err := decode()
					if err != nil {
						return nil, err
					}
					return p.Gray(), nil
				}))
			}
			if err != nil {
				return nil, err
			}
		}
	} else {
		offs, err := tiffIFDs(data, min(d.r.lim.MaxPages, pages.MaxTIFFPages))
		if err != nil {
			return nil, err
		}
		for i, off := range offs {
			if ifd, err := readIFD(data, off); err != nil || ifd.ownDecoder() {
				if err == nil {
					err = d.planOwnTIFF(ifd, i, len(offs), add)
				}
				if err != nil {
					return nil, err
				}
				continue
			}
			pr := &tiffPage{data: data, ifd: off}
			cfg, err := d.decodeConfig("tiff", nil, pr.reader())
			if err != nil {
				if len(offs) > 1 {
					err = fmt.Errorf("page %d: %w", i+1, err)
				}
				return nil, err
			}
			if err := add(d.rasterPages(cfg.Width, cfg.Height, 1, 1, func() (*image.Gray, error) {
				img, err := tiff.Decode(pr.reader())
				if err != nil {
					return nil, &FormatError{Format: "tiff", Err: fmt.Errorf("page %d: %w", i+1, err)}
				}
				return toGray(img), nil
			})); err != nil {
				return nil, err
			}
		}
	}
	kind := "tiff"
	if passed == total {
		kind = "tiff-f"
	}
	p := &part{kind: kind, n: total}
	p.gen = func(ctx context.Context, emit func(*pages.Page) bool) error {
		stopped := false
		for _, gen := range gens {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := gen(ctx, func(p *pages.Page) bool {
				if !emit(p) {
					stopped = true
				}
				return !stopped
			}); err != nil || stopped {
				return err
			}
		}
		return nil
	}
	return p, nil
}

// tiffIFDs returns the offsets of the image file directories of a TIFF
// file: one per page. It stops at loops and at more than max pages.
func tiffIFDs(data []byte, max int) ([]uint32, error) {
	bad := func(msg string) error { return &FormatError{Format: "tiff", Err: errors.New(msg)} }
	if len(data) < 8 {
		return nil, bad("file too short")
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if data[0] == 'M' {
		bo = binary.BigEndian
	}
	var offs []uint32
	seen := map[uint32]bool{}
	for off := bo.Uint32(data[4:]); off != 0; {
		if seen[off] {
			return nil, bad("directory chain loops")
		}
		seen[off] = true
		if int64(off)+2 > int64(len(data)) {
			return nil, bad("directory beyond the end of the file")
		}
		n := int64(bo.Uint16(data[off:]))
		end := int64(off) + 2 + 12*n
		if end+4 > int64(len(data)) {
			return nil, bad("truncated directory")
		}
		if len(offs) >= max {
			return nil, &LimitError{What: "pages", Got: int64(len(offs) + 1), Max: int64(max)}
		}
		offs = append(offs, off)
		off = bo.Uint32(data[end:])
	}
	if len(offs) == 0 {
		return nil, bad("no pages")
	}
	return offs, nil
}

// tiffPage reads a TIFF file as if the directory at ifd were its first, so
// that a decoder that reads only the first page can read any page. It
// overlays the header's first-directory offset and copies nothing else.
type tiffPage struct {
	data []byte
	ifd  uint32
}

func (t *tiffPage) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= int64(len(t.data)) {
		return 0, io.EOF
	}
	n := copy(p, t.data[off:])
	var hdr [4]byte
	if t.data[0] == 'M' {
		binary.BigEndian.PutUint32(hdr[:], t.ifd)
	} else {
		binary.LittleEndian.PutUint32(hdr[:], t.ifd)
	}
	for i := range 4 {
		if j := 4 + int64(i) - off; j >= 0 && j < int64(n) {
			p[j] = hdr[i]
		}
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// reader returns a fresh reader of the patched file (Read and ReadAt).
func (t *tiffPage) reader() io.Reader { return io.NewSectionReader(t, 0, int64(len(t.data))) }

// planOwnTIFF plans page i of n of a TIFF that this package's decoder
// reads (tiffIFD.ownDecoder), checking MaxPixels and MaxDecodeMemory from
// its directory before any pixel is decoded.
func (d *Document) planOwnTIFF(ifd *tiffIFD, i, n int, add func(int, func(context.Context, func(*pages.Page) bool) error) error) error {
	pageErr := func(err error) error {
		if n > 1 {
			return fmt.Errorf("page %d: %w", i+1, err)
		}
		return err
	}
	w, h, cost, err := ifd.config()
	if err != nil {
		return pageErr(err)
	}
	px := int64(w) * int64(h)
	if px > d.r.lim.MaxPixels {
		return pageErr(&LimitError{What: "pixels", Got: px, Max: d.r.lim.MaxPixels, Width: w, Height: h})
	}
	if need := px * cost; need > d.r.lim.MaxDecodeMemory {
		return pageErr(&LimitError{What: "decode memory", Got: need, Max: d.r.lim.MaxDecodeMemory, Width: w, Height: h})
	}
	return add(d.rasterPages(w, h, 1, 1, func() (*image.Gray, error) {
		g, err := ifd.decodeGray()
		if err != nil {
			return nil, pageErr(err)
		}
		return g, nil
	}))
}
