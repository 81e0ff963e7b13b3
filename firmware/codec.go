package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"faxbox/pages"
)

// fileKind is what a file name's extension says a file holds.
type fileKind int

const (
	kindPBM fileKind = iota
	kindRaw
	kindTIFF
)

func kindOf(name string) (fileKind, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".pbm":
		return kindPBM, nil
	case ".g3", ".g4", ".fax", ".raw":
		return kindRaw, nil
	case ".tif", ".tiff":
		return kindTIFF, nil
	}
	return 0, fmt.Errorf("%s: unknown file type (want .pbm, .g3, .g4 or .tif)", name)
}

// codingFlags are the coding options shared by encode and decode.
type codingFlags struct {
	coding string
	k      int
	align  bool
	minLen int
	lsb    bool
	width  int
}

func (c *codingFlags) register(fs *flag.FlagSet, encode bool) {
	fs.StringVar(&c.coding, "coding", "", "coding: mh, mr or mmr (default mh; for decode, raw input only)")
	fs.BoolVar(&c.lsb, "lsb", false, "raw data bit order LSB first (as class 1 modems send it; TIFF FillOrder 2)")
	if encode {
		fs.IntVar(&c.k, "k", 0, "MR K parameter: one row in K coded 1-D (default 2; 4 for fine)")
		fs.BoolVar(&c.align, "align-eol", false, "byte-align each EOL (TIFF fill bits)")
		fs.IntVar(&c.minLen, "min-line-bytes", 0, "minimum bytes per coded line, EOL included (scan line time x bit rate / 8)")
	} else {
		fs.IntVar(&c.width, "width", pages.WidthA4, "raw input: pixels per row")
	}
}

func (c *codingFlags) parse() (pages.Coding, pages.BitOrder, error) {
	order := pages.MSBFirst
	if c.lsb {
		order = pages.LSBFirst
	}
	if c.coding == "" {
		return pages.MH, order, nil
	}
	cd, err := pages.ParseCoding(c.coding)
	return cd, order, err
}

func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: faxd %s\n\noptions:\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// runEncode implements "faxd encode".
func runEncode(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("encode", "encode [--coding mh|mr|mmr] [--k N] [--align-eol] [--min-line-bytes N] [--lsb] IN.pbm|IN.tif OUT.g3|OUT.g4|OUT.tif", stderr)
	var cf codingFlags
	cf.register(fs, true)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return errUsage
	}
	in, out := fs.Arg(0), fs.Arg(1)
	coding, order, err := cf.parse()
	if err != nil {
		return err
	}
	outKind, err := kindOf(out)
	if err != nil {
		return err
	}
	if outKind == kindPBM {
		return fmt.Errorf("%s: encode writes coded data (.g3, .g4 or .tif); use decode to write PBM", out)
	}
	pgs, err := readPages(in, nil)
	if err != nil {
		return err
	}
	opts := pages.EncoderOptions{Coding: coding, K: cf.k, AlignEOL: cf.align, MinLineBytes: cf.minLen, BitOrder: order}
	var buf bytes.Buffer
	switch outKind {
	case kindRaw:
		// Each page ends with RTC or EOFB, so that a stream of several
		// pages can be split again.
		opts.RTC = true
		for _, p := range pgs {
			opts.Width = p.Width
			e, err := pages.NewEncoder(&buf, opts)
			if err != nil {
				return err
			}
			for y := 0; y < p.Height; y++ {
				if err := e.WriteRow(p.Row(y)); err != nil {
					return err
				}
			}
			if err := e.Close(); err != nil {
				return err
			}
		}
	case kindTIFF:
		tw, err := pages.NewTIFFWriter(&buf, len(pgs))
		if err != nil {
			return err
		}
		for _, p := range pgs {
			if err := tw.WritePage(p, opts); err != nil {
				return err
			}
		}
		if err := tw.Close(); err != nil {
			return err
		}
	}
	return writeFileAtomic(out, buf.Bytes())
}

// runDecode implements "faxd decode".
func runDecode(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("decode", "decode [--coding mh|mr|mmr] [--width N] [--lsb] IN.g3|IN.g4|IN.tif OUT.pbm|OUT.tif", stderr)
	var cf codingFlags
	cf.register(fs, false)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return errUsage
	}
	in, out := fs.Arg(0), fs.Arg(1)
	outKind, err := kindOf(out)
	if err != nil {
		return err
	}
	if outKind == kindRaw {
		return fmt.Errorf("%s: decode writes PBM or TIFF; use encode to write raw coded data", out)
	}
	var stats []pages.Stats
	pgs, err := readPages(in, &decodeInput{flags: cf, stats: &stats})
	if err != nil {
		return err
	}
	for i, st := range stats {
		if st.BadRows > 0 {
			fmt.Fprintf(stderr, "faxd decode: %s: page %d: %d of %d rows damaged (longest run %d)\n", in, i+1, st.BadRows, st.Rows, st.MaxConsecutiveBad)
		}
	}
	var buf bytes.Buffer
	switch outKind {
	case kindPBM:
		for _, p := range pgs {
			if err := pages.WritePBM(&buf, p); err != nil {
				return err
			}
		}
	case kindTIFF:
		// Keep the input's coding when it had one.
		coding, order, err := cf.parse()
		if err != nil {
			return err
		}
		tw, err := pages.NewTIFFWriter(&buf, len(pgs))
		if err != nil {
			return err
		}
		for _, p := range pgs {
			if err := tw.WritePage(p, pages.EncoderOptions{Coding: coding, BitOrder: order, K: 4}); err != nil {
				return err
			}
		}
		if err := tw.Close(); err != nil {
			return err
		}
	}
	return writeFileAtomic(out, buf.Bytes())
}

// decodeInput carries the options for raw coded input and collects the
// damage statistics of each page.
type decodeInput struct {
	flags codingFlags
	stats *[]pages.Stats
}

// readPages reads every page of a PBM, TIFF or (with raw options) raw coded
// file. Errors name the file.
func readPages(name string, raw *decodeInput) ([]*pages.Page, error) {
	kind, err := kindOf(name)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var pgs []*pages.Page
	var stats []pages.Stats
	switch kind {
	case kindPBM:
		pgs, err = pages.ReadPBMs(bytes.NewReader(data))
	case kindTIFF:
		pgs, stats, err = pages.ReadTIFF(data)
	case kindRaw:
		if raw == nil {
			return nil, fmt.Errorf("%s: raw coded input needs decode, not encode", name)
		}
		pgs, stats, err = decodeRaw(data, raw.flags)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if raw != nil {
		*raw.stats = stats
	}
	return pgs, nil
}

// decodeRaw splits a raw stream into pages at RTC or EOFB.
func decodeRaw(data []byte, cf codingFlags) ([]*pages.Page, []pages.Stats, error) {
	coding, order, err := cf.parse()
	if err != nil {
		return nil, nil, err
	}
	var pgs []*pages.Page
	var stats []pages.Stats
	for off := 0; off < len(data) && len(pgs) < pages.MaxTIFFPages; {
		if allZero(data[off:]) {
			break
		}
		r := bytes.NewReader(data[off:])
		d, err := pages.NewDecoder(r, pages.DecoderOptions{Coding: coding, Width: cf.width, BitOrder: order})
		if err != nil {
			return nil, nil, err
		}
		p, st, err := decodeAll(d, cf.width)
		if err != nil {
			return nil, nil, fmt.Errorf("page %d: %w", len(pgs)+1, err)
		}
		if p.Height == 0 {
			break
		}
		pgs = append(pgs, p)
		stats = append(stats, st)
		if !st.EndMarker {
			break
		}
		off += int(d.Offset())
	}
	if len(pgs) == 0 {
		return nil, nil, errors.New("no page in the coded data")
	}
	return pgs, stats, nil
}

func decodeAll(d *pages.Decoder, width int) (*pages.Page, pages.Stats, error) {
	stride := (width + 7) / 8
	var pix []byte
	row := make([]byte, stride)
	for {
		err := d.ReadRow(row)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, d.Stats(), err
		}
		pix = append(pix, row...)
	}
	return &pages.Page{Width: width, Height: len(pix) / stride, Stride: stride, Pix: pix}, d.Stats(), nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// writeFileAtomic writes data to name through a temporary file in the same
// directory, synced and renamed, so a crash leaves the old file or the new.
func writeFileAtomic(name string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(f.Name(), name)
	}
	if werr != nil {
		os.Remove(f.Name())
		return fmt.Errorf("%s: %w", name, werr)
	}
	return nil
}
