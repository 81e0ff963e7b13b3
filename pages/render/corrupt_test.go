package render

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strings"
	"testing"

	"golang.org/x/image/tiff"
)

// renderErr renders one attachment and returns the error from Render or
// from producing the pages.
func renderErr(t *testing.T, o Options, a Attachment) error {
	t.Helper()
	doc, err := New(o).Render(context.Background(), Message{Time: testTime}, []Attachment{a})
	if err == nil {
		_, err = doc.All(context.Background())
	}
	return err
}

// TestCorruptFiles: truncated and damaged files of every kind give an
// error that names the attachment and says the file is corrupt.
func TestCorruptFiles(t *testing.T) {
	art := lineArt(300, 200)
	pdf := makePDF(t, textPS(2, nil, false))
	files := map[string][]byte{
		"png":  encodePNG(t, art),
		"jpeg": encodeJPEG(t, art),
		"gif":  encodeGIF(t, art),
		"bmp":  encodeBMP(t, art),
		"tiff": encodeTIFF(t, art, tiff.Deflate),
		"pdf":  pdf,
	}
	for kind, data := range files {
		for _, cut := range []int{len(data) / 2, 40, 12} {
			name := kind + "-cut-" + itoa(cut)
			bad := data[:cut]
			if kind == "pdf" {
				// A PDF needs its signature to be recognised; keep it and
				// garble the rest.
				bad = append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("garbage "), cut/8)...)
			}
			err := renderErr(t, Options{}, Attachment{Name: name, Data: bad})
			var ae *AttachmentError
			if err == nil || !errors.As(err, &ae) || ae.Name != name {
				t.Errorf("%s: err = %v", name, err)
				continue
			}
			var te *ToolError
			if !errors.Is(err, ErrCorrupt) && !errors.As(err, &te) {
				t.Errorf("%s: not reported as corrupt: %v", name, err)
			}
		}
	}
}

// pngHeader returns a PNG signature and IHDR for a w x h grey image and no
// pixel data: a decompression bomb's header.
func pngHeader(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 0
	chunk := append([]byte{0, 0, 0, 13}, "IHDR"...)
	chunk = append(chunk, ihdr...)
	crc := crc32.ChecksumIEEE(chunk[4:])
	chunk = binary.BigEndian.AppendUint32(chunk, crc)
	return append([]byte("\x89PNG\r\n\x1a\n"), chunk...)
}

func TestLimits(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		a    Attachment
		what string
	}{
		{"bomb.png", Options{}, Attachment{Data: pngHeader(100000, 100000)}, "pixels"},
		{"big.txt", Options{Limits: Limits{MaxFileSize: 1000}}, Attachment{Data: bytes.Repeat([]byte("a"), 2000)}, "file size"},
		{"long.txt", Options{Limits: Limits{MaxPages: 3}}, Attachment{Data: []byte(strings.Repeat("line\n", 1000))}, "pages"},
		{"huge.txt", Options{Limits: Limits{MaxTextBytes: 100}}, Attachment{Data: bytes.Repeat([]byte("a "), 100)}, "text size"},
		{"scans.jpg", Options{}, Attachment{Data: append(encodeJPEG(t, lineArt(20, 20)), bytes.Repeat([]byte{0xff, 0xda}, 200)...)}, "jpeg scans"},
		{"tall.pdf", Options{Limits: Limits{MaxPages: 2}}, Attachment{Data: makePDF(t, textPS(3, nil, false))}, "pages"},
	}
	for _, tt := range tests {
		tt.a.Name = tt.name
		err := renderErr(t, tt.o, tt.a)
		var le *LimitError
		if !errors.Is(err, ErrLimit) || !errors.As(err, &le) || le.What != tt.what || !strings.Contains(err.Error(), tt.name) {
			t.Errorf("%s: err = %v", tt.name, err)
		}
	}
}

func FuzzImageAttachment(f *testing.F) {
	f.Add(encodePNG(f, lineArt(30, 20)))
	f.Add(encodeJPEG(f, lineArt(30, 20)))
	f.Add(encodeGIF(f, lineArt(30, 20)))
	f.Add(encodeBMP(f, lineArt(30, 20)))
	f.Add(encodeTIFF(f, lineArt(30, 20), tiff.Deflate))
	r := New(Options{Limits: Limits{MaxPixels: 1 << 20, MaxPages: 20}})
	f.Fuzz(func(t *testing.T, data []byte) {
		if bytes.Contains(data, []byte("%PDF-")) {
			return // PDFs go to an external tool; not fuzzed here
		}
		doc, err := r.Render(context.Background(), Message{}, []Attachment{{Name: "f", Data: data}})
		if err == nil {
			doc.All(context.Background())
		}
	})
}
