package render

import (
	"bytes"
	"context"
	"encoding/binary"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"faxbox/pages"
)

// looksLikeText reports whether data is probably plain text: no NUL bytes
// and valid UTF-8 in its first 8 KiB (a UTF-16 byte-order mark also counts).
func looksLikeText(data []byte) bool {
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		return true
	}
	head := data[:min(len(data), 8192)]
	if bytes.IndexByte(head, 0) >= 0 {
		return false
	}
	// Allow a rune cut at the end of the sample.
	for i := 0; i < 3 && len(head) > 0 && !utf8.Valid(head); i++ {
		head = head[:len(head)-1]
	}
	return utf8.Valid(head)
}

// decodeText turns a text file into a string: UTF-8 (a byte-order mark is
// dropped), UTF-16 with a byte-order mark, or else ISO 8859-1, which maps
// every byte to a character so that old files still come out readable.
func decodeText(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte{0xef, 0xbb, 0xbf}):
		data = data[3:]
	case len(data) >= 2 && (data[0] == 0xff && data[1] == 0xfe || data[0] == 0xfe && data[1] == 0xff):
		var order binary.ByteOrder = binary.LittleEndian
		if data[0] == 0xfe {
			order = binary.BigEndian
		}
		u := make([]uint16, (len(data)-2)/2)
		for i := range u {
			u[i] = order.Uint16(data[2+2*i:])
		}
		return string(utf16.Decode(u))
	}
	if utf8.Valid(data) {
		return string(data)
	}
	var b strings.Builder
	for _, c := range data {
		b.WriteRune(rune(c))
	}
	return b.String()
}

// planText lays out a plain-text attachment in the monospaced font, so that
// tables aligned with spaces stay aligned.
func (d *Document) planText(data []byte) (*part, error) {
	if len(data) > d.r.lim.MaxTextBytes {
		return nil, &LimitError{What: "text size", Got: int64(len(data)), Max: int64(d.r.lim.MaxTextBytes)}
	}
	g := d.r.geom
	lines := layoutText(decodeText(data), d.faces.mono, 0, g.Area.Dx())
	pgs := paginate(lines, g.Area.Min.Y, g.Area.Max.Y, g.Area.Min.Y)
	p := &part{kind: "text", n: len(pgs)}
	p.gen = func(ctx context.Context, emit func(*pages.Page) bool) error {
		clip := rect{g.Area.Min.X, g.Area.Min.Y, g.Area.Max.X, g.Area.Max.Y}
		for _, lines := range pgs {
			pg := g.newPage()
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
