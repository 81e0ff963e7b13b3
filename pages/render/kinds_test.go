package render

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/jpeg"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// imageMagick is Debian's ImageMagick (package imagemagick), named by its
// full path: a "convert" earlier in PATH may be another program.
const imageMagick = "/usr/bin/convert-im6.q16"

// run runs a real tool in dir and fails the test when it fails.
func run(t *testing.T, dir string, name string, args ...string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s not found: run  apt-get install -y imagemagick libtiff-tools webp", name)
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v: %s", name, args, err, b)
	}
}

// flattened is ImageMagick's own rendering of a file in grey (Rec. 601
// luma, as toGray), over white paper: the oracle the decoders are held to.
func flattened(t *testing.T, dir, file string) *image.Gray {
	t.Helper()
	run(t, dir, imageMagick, file+"[0]", "-colorspace", "sRGB", "-background", "white", "-flatten", "-grayscale", "Rec601Luma", "-depth", "8", "g.pgm")
	b, err := os.ReadFile(filepath.Join(dir, "g.pgm"))
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := readPNM(bufio.NewReader(bytes.NewReader(b)), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// decodedGray decodes the first page of an image file as planAttachment
// would: TIFF pages through this package's decoder or x/image/tiff.
func decodedGray(t *testing.T, kind string, data []byte) *image.Gray {
	t.Helper()
	if kind == "tiff" {
		offs, err := tiffIFDs(data, 10)
		if err != nil {
			t.Fatal(err)
		}
		ifd, err := readIFD(data, offs[0])
		if err != nil {
			t.Fatal(err)
		}
		if ifd.ownDecoder() {
			g, err := ifd.decodeGray()
			if err != nil {
				t.Fatal(err)
			}
			return g
		}
	}
	g, err := decodeGray(kind, data)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// oldJPEGTIFF wraps a JPEG file as an old-style JPEG TIFF (compression 6,
// TIFF 6.0 Section 22) whose JPEGInterchangeFormat points at the whole
// stream: the well-formed kind scanners of the 1990s wrote.
func oldJPEGTIFF(jpg []byte, w, h int) []byte {
	type entry struct {
		tag, typ uint16
		v        uint32
	}
	const ifdOff = 8
	es := []entry{{tagWidth, 4, uint32(w)}, {tagHeight, 4, uint32(h)}, {tagBits, 3, 8},
		{tagCompression, 3, 6}, {tagPhotometric, 3, 6}, {tagStripOffsets, 4, 0},
		{tagSamples, 3, 3}, {tagRowsPerStrip, 4, uint32(h)}, {tagStripCounts, 4, uint32(len(jpg))},
		{tagJPEGIF, 4, 0}, {tagJPEGIFLength, 4, uint32(len(jpg))}}
	dataOff := uint32(ifdOff + 2 + 12*len(es) + 4)
	b := binary.LittleEndian.AppendUint32([]byte("II*\x00"), ifdOff)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(es)))
	for _, e := range es {
		if e.tag == tagStripOffsets || e.tag == tagJPEGIF {
			e.v = dataOff
		}
		b = binary.LittleEndian.AppendUint16(b, e.tag)
		b = binary.LittleEndian.AppendUint16(b, e.typ)
		b = binary.LittleEndian.AppendUint32(b, 1)
		if e.typ == 3 {
			b = binary.LittleEndian.AppendUint16(b, uint16(e.v))
			b = append(b, 0, 0)
		} else {
			b = binary.LittleEndian.AppendUint32(b, e.v)
		}
	}
	b = binary.LittleEndian.AppendUint32(b, 0)
	return append(b, jpg...)
}

// TestDocumentKinds: the TIFFs, JPEGs and WebPs that scanners and image
// tools write, each made by its real producer from one photograph, decode
// to the grey ImageMagick sees in them (transparency over white) and
// render to a page; cut short, each gives an error naming the attachment.
func TestDocumentKinds(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "src.png"), encodePNG(t, photo(320, 240)), 0o644); err != nil {
		t.Fatal(err)
	}
	im := func(args ...string) { run(t, dir, imageMagick, append([]string{"src.png"}, args...)...) }
	im("-depth", "8", "rgb.tif")
	im("-colorspace", "gray", "-depth", "8", "gray.tif")
	run(t, dir, "tiffcp", "-c", "jpeg", "-r", "16", "rgb.tif", "jpeg7.tif")
	run(t, dir, "tiffcp", "-c", "jpeg", "-r", "16", "gray.tif", "jpeg7-gray.tif")
	im("-compress", "JPEG", "im-jpeg.tif")
	im("-alpha", "set", "-channel", "A", "-fx", "i/w", "+channel", "alpha.tif")
	im("-colorspace", "gray", "-alpha", "set", "-channel", "A", "-fx", "j/h", "+channel", "gray-alpha.tif")
	im("-alpha", "set", "-channel", "A", "-fx", "i/w", "+channel", "-compress", "LZW", "alpha-lzw.tif")
	im("-colorspace", "CMYK", "cmyk.tif")
	im("-depth", "16", "rgb16.tif")
	im("-colorspace", "gray", "-depth", "16", "gray16.tif")
	im("-colors", "16", "-depth", "4", "palette4.tif")
	im("-colors", "200", "palette8.tif")
	im("-colorspace", "CMYK", "-quality", "90", "cmyk.jpg")
	im("-interlace", "JPEG", "-quality", "90", "progressive.jpg")
	im("-quality", "90", "base.jpg")
	run(t, dir, "cwebp", "-quiet", "-q", "85", "src.png", "-o", "lossy.webp")
	run(t, dir, "cwebp", "-quiet", "-lossless", "src.png", "-o", "lossless.webp")
	im("-alpha", "set", "-channel", "A", "-fx", "i/w", "+channel", "alpha.png")
	run(t, dir, "cwebp", "-quiet", "-q", "85", "alpha.png", "-o", "alpha.webp")
	jpg, err := os.ReadFile(filepath.Join(dir, "base.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ojpeg.tif"), oldJPEGTIFF(jpg, 320, 240), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"jpeg7.tif", "jpeg7-gray.tif", "im-jpeg.tif", "ojpeg.tif", "alpha.tif", "gray-alpha.tif",
		"alpha-lzw.tif", "cmyk.tif", "rgb16.tif", "gray16.tif", "palette4.tif", "palette8.tif",
		"cmyk.jpg", "progressive.jpg", "lossy.webp", "lossless.webp", "alpha.webp"} {
		t.Run(f, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			kind := sniff(data, f, "")
			oracle := f
			if f == "ojpeg.tif" {
				oracle = "base.jpg" // the stream it wraps
			}
			want := flattened(t, dir, oracle)
			got := decodedGray(t, kind, data)
			if got.Rect.Size() != want.Rect.Size() {
				t.Fatalf("decoded %v, ImageMagick %v", got.Rect.Size(), want.Rect.Size())
			}
			var sum float64
			for y := range want.Rect.Dy() {
				for x := range want.Rect.Dx() {
					sum += math.Abs(float64(got.Pix[y*got.Stride+x]) - float64(want.Pix[y*want.Stride+x]))
				}
			}
			if mae := sum / float64(want.Rect.Dx()*want.Rect.Dy()); mae > 6 {
				t.Errorf("%s: mean difference from ImageMagick's grey %.1f levels", f, mae)
			}
			doc, ps := renderAll(t, Options{NoCover: true}, Message{Time: testTime}, Attachment{Name: f, Data: data})
			if len(ps) != 1 || blackIn(ps[0], doc.Geometry().Area) == 0 {
				t.Errorf("%s: %d pages, want 1 with ink", f, len(ps))
			}
			for _, cut := range []int{len(data) * 3 / 4, len(data) / 2, 20} {
				name := "cut-" + f
				err := renderErr(t, Options{}, Attachment{Name: name, Data: data[:cut]})
				var ae *AttachmentError
				if err == nil || !errors.As(err, &ae) || ae.Name != name || !errors.Is(err, ErrCorrupt) {
					t.Errorf("%s cut to %d bytes: err = %v", f, cut, err)
				}
			}
		})
	}
}

// TestTIFFJPEGBomb: a JPEG-compressed TIFF page whose JPEG stream is far
// larger than its directory says is refused before the stream is decoded.
func TestTIFFJPEGBomb(t *testing.T) {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 2000, 1500)), nil); err != nil {
		t.Fatal(err)
	}
	data := oldJPEGTIFF(b.Bytes(), 20, 15)
	err := renderErr(t, Options{}, Attachment{Name: "bomb.tif", Data: data})
	var ae *AttachmentError
	if !errors.As(err, &ae) || ae.Name != "bomb.tif" || !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "2000x1500") {
		t.Errorf("err = %v", err)
	}
}
