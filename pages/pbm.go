package pages

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// ReadPBM reads one PBM image, raw (P4) or plain (P1), as netpbm writes
// them. A file may hold several images one after the other; ReadPBM reads
// the first and leaves r positioned after it, and ReadPBMs reads them all.
func ReadPBM(r *bufio.Reader) (*Page, error) {
	magic := make([]byte, 2)
	if _, err := io.ReadFull(r, magic); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("pages: pbm: %w", err)
	}
	if magic[0] != 'P' || (magic[1] != '4' && magic[1] != '1') {
		return nil, &FormatError{Format: "pbm", Msg: fmt.Sprintf("not a PBM file (magic %q)", magic)}
	}
	w, err := pbmHeaderInt(r)
	if err != nil {
		return nil, err
	}
	h, err := pbmHeaderInt(r)
	if err != nil {
		return nil, err
	}
	if w <= 0 || w > MaxWidth || h <= 0 || h > MaxHeight {
		return nil, &FormatError{Format: "pbm", Msg: fmt.Sprintf("size %dx%d out of range (max %dx%d)", w, h, MaxWidth, MaxHeight)}
	}
	p, err := NewPage(w, h)
	if err != nil {
		return nil, err
	}
	if magic[1] == '4' {
		// Exactly one whitespace byte follows the height (already consumed
		// by pbmHeaderInt); then the packed rows.
		if _, err := io.ReadFull(r, p.Pix); err != nil {
			return nil, &FormatError{Format: "pbm", Msg: fmt.Sprintf("pixel data truncated: %v", err)}
		}
		if pad := w % 8; pad != 0 {
			mask := byte(0xff << (8 - pad))
			for y := 0; y < h; y++ {
				p.Pix[y*p.Stride+p.Stride-1] &= mask
			}
		}
		return p, nil
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; {
			c, err := r.ReadByte()
			if err != nil {
				return nil, &FormatError{Format: "pbm", Msg: fmt.Sprintf("plain pixel data truncated at row %d", y)}
			}
			switch {
			case c == '1':
				p.Set(x, y, true)
				x++
			case c == '0':
				x++
			case c == '#':
				if _, err := r.ReadString('\n'); err != nil {
					return nil, &FormatError{Format: "pbm", Msg: "unterminated comment"}
				}
			case isSpace(c):
			default:
				return nil, &FormatError{Format: "pbm", Msg: fmt.Sprintf("bad character %q in plain pixel data", c)}
			}
		}
	}
	return p, nil
}

// ReadPBMs reads every image of a PBM stream (at least one).
func ReadPBMs(r io.Reader) ([]*Page, error) {
	br := bufio.NewReader(r)
	var out []*Page
	for {
		p, err := ReadPBM(br)
		if err == io.EOF && len(out) > 0 {
			return out, nil
		}
		if err == io.EOF {
			return nil, &FormatError{Format: "pbm", Msg: "empty file"}
		}
		if err != nil {
			return nil, err
		}
		out = append(out, p)
		// Skip whitespace between images; stop at EOF.
		for {
			c, err := br.ReadByte()
			if err != nil {
				return out, nil
			}
			if !isSpace(c) {
				br.UnreadByte()
				break
			}
		}
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// pbmHeaderInt reads a decimal header field, skipping whitespace and
// comments before it, and consumes the single whitespace byte after it.
func pbmHeaderInt(r *bufio.Reader) (int, error) {
	var digits []byte
	for {
		c, err := r.ReadByte()
		if err != nil {
			return 0, &FormatError{Format: "pbm", Msg: "header truncated"}
		}
		switch {
		case c >= '0' && c <= '9':
			if len(digits) >= 9 {
				return 0, &FormatError{Format: "pbm", Msg: "header number too large"}
			}
			digits = append(digits, c)
		case c == '#':
			if _, err := r.ReadString('\n'); err != nil {
				return 0, &FormatError{Format: "pbm", Msg: "header truncated in a comment"}
			}
		case isSpace(c):
			if len(digits) > 0 {
				return strconv.Atoi(string(digits))
			}
		default:
			return 0, &FormatError{Format: "pbm", Msg: fmt.Sprintf("bad character %q in header", c)}
		}
	}
}

// WritePBM writes the page as a raw PBM (P4).
func WritePBM(w io.Writer, p *Page) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "P4\n%d %d\n", p.Width, p.Height)
	bw.Write(p.Pix[:p.Stride*p.Height])
	return bw.Flush()
}

// WritePlainPBM writes the page as a plain PBM (P1), 70 characters a line
// at most as netpbm requires.
func WritePlainPBM(w io.Writer, p *Page) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "P1\n%d %d\n", p.Width, p.Height)
	for y := 0; y < p.Height; y++ {
		for x := 0; x < p.Width; x++ {
			if x > 0 && x%70 == 0 {
				bw.WriteByte('\n')
			}
			if p.Black(x, y) {
				bw.WriteByte('1')
			} else {
				bw.WriteByte('0')
			}
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
