package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
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
	src, err := openPages(in, nil)
	if err != nil {
		return err
	}
	defer src.Close()
	opts := pages.EncoderOptions{Coding: coding, K: cf.k, AlignEOL: cf.align, MinLineBytes: cf.minLen, BitOrder: order}
	return writeAtomic(out, func(w io.Writer) error {
		var sink pageSink
		if outKind == kindRaw {
			// Each page ends with RTC or EOFB, so that a stream of several
			// pages can be split again.
			opts.RTC = true
			sink = &rawSink{w: w, o: opts}
		} else {
			tw, err := pages.NewTIFFWriter(w, src.count())
			if err != nil {
				return err
			}
			sink = &tiffSink{tw: tw, o: opts}
		}
		return copyPages(in, src, sink)
	})
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
	src, err := openPages(in, &cf)
	if err != nil {
		return err
	}
	defer src.Close()
	report := func(n int, st pages.Stats) {
		if st.BadRows > 0 {
			fmt.Fprintf(stderr, "faxd decode: %s: page %d: %d of %d rows damaged (longest run %d)\n", in, n, st.BadRows, st.Rows, st.MaxConsecutiveBad)
		}
	}
	return writeAtomic(out, func(w io.Writer) error {
		if outKind == kindPBM {
			return copyPages(in, src, &pbmSink{w: w, report: report})
		}
		// A TIFF keeps the coding of raw input; TIFF input is recoded as
		// MR (K = 4) unless --coding says otherwise.
		coding, order, err := cf.parse()
		if err != nil {
			return err
		}
		if cf.coding == "" && src.kind == kindTIFF {
			coding = pages.MR
		}
		tw, err := pages.NewTIFFWriter(w, src.count())
		if err != nil {
			return err
		}
		return copyPages(in, src, &tiffSink{tw: tw, o: pages.EncoderOptions{Coding: coding, BitOrder: order, K: 4}, report: report})
	})
}

// pageSource yields the pages of an input file one at a time, so that a
// long document never sits in memory whole.
type pageSource struct {
	kind  fileKind
	f     *os.File
	pbm   *bufio.Reader
	tiff  *pages.TIFFFile
	raw   []byte
	cf    *codingFlags
	next  int // index of the next page (TIFF) or byte offset (raw)
	done  bool
	pages int
}

// openPages opens a PBM, TIFF or (when raw is not nil) raw coded file.
func openPages(name string, raw *codingFlags) (*pageSource, error) {
	kind, err := kindOf(name)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	s := &pageSource{kind: kind, f: f, cf: raw}
	switch kind {
	case kindPBM:
		s.pbm = bufio.NewReaderSize(f, 64<<10)
	case kindTIFF:
		fi, err := f.Stat()
		if err == nil {
			s.tiff, err = pages.OpenTIFF(f, fi.Size())
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	case kindRaw:
		if raw == nil {
			f.Close()
			return nil, fmt.Errorf("%s: raw coded input is for decode, not encode", name)
		}
		if _, _, err := raw.parse(); err != nil {
			f.Close()
			return nil, err
		}
		s.raw, err = io.ReadAll(io.LimitReader(f, 256<<20))
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return s, nil
}

// Close closes the input file.
func (s *pageSource) Close() error { return s.f.Close() }

// count is the number of pages when known in advance (TIFF), else 0.
func (s *pageSource) count() int {
	if s.tiff != nil {
		return len(s.tiff.Pages)
	}
	return 0
}

// nextPage returns the next page and its decoding statistics, or io.EOF.
func (s *pageSource) nextPage() (*pages.Page, pages.Stats, error) {
	if s.done || s.pages >= pages.MaxTIFFPages {
		return nil, pages.Stats{}, io.EOF
	}
	switch s.kind {
	case kindPBM:
		if s.pages > 0 {
			skipSpace(s.pbm)
		}
		p, err := pages.ReadPBM(s.pbm)
		if err == io.EOF && s.pages == 0 {
			err = errors.New("empty file")
		}
		if err != nil {
			return nil, pages.Stats{}, err
		}
		s.pages++
		return p, pages.Stats{Rows: p.Height}, nil
	case kindTIFF:
		if s.next >= len(s.tiff.Pages) {
			return nil, pages.Stats{}, io.EOF
		}
		s.next++
		s.pages++
		return s.tiff.Decode(s.next - 1)
	}
	return s.nextRaw()
}

// nextRaw decodes the next page of a raw stream; pages end at RTC or EOFB.
func (s *pageSource) nextRaw() (*pages.Page, pages.Stats, error) {
	if s.next >= len(s.raw) || allZero(s.raw[s.next:]) {
		if s.pages == 0 {
			return nil, pages.Stats{}, errors.New("no page in the coded data")
		}
		return nil, pages.Stats{}, io.EOF
	}
	coding, order, _ := s.cf.parse()
	width := s.cf.width
	d, err := pages.NewDecoder(bytes.NewReader(s.raw[s.next:]), pages.DecoderOptions{Coding: coding, Width: width, BitOrder: order})
	if err != nil {
		return nil, pages.Stats{}, err
	}
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
	st := d.Stats()
	if len(pix) == 0 {
		if s.pages == 0 {
			return nil, st, errors.New("no page in the coded data")
		}
		return nil, st, io.EOF
	}
	s.pages++
	if st.EndMarker {
		s.next += int(d.Offset())
	} else {
		s.done = true
	}
	return &pages.Page{Width: width, Height: len(pix) / stride, Stride: stride, Pix: pix}, st, nil
}

func skipSpace(r *bufio.Reader) {
	for {
		c, err := r.ReadByte()
		if err != nil {
			return
		}
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			r.UnreadByte()
			return
		}
	}
}

// pageSink receives pages one at a time.
type pageSink interface {
	page(n int, p *pages.Page, st pages.Stats) error
	close() error
}

// copyPages moves every page from src to dst. Errors name the input file.
func copyPages(name string, src *pageSource, dst pageSink) error {
	for n := 1; ; n++ {
		p, st, err := src.nextPage()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: page %d: %w", name, n, err)
		}
		if err := dst.page(n, p, st); err != nil {
			return err
		}
	}
	return dst.close()
}

type rawSink struct {
	w io.Writer
	o pages.EncoderOptions
}

func (s *rawSink) page(_ int, p *pages.Page, _ pages.Stats) error {
	o := s.o
	o.Width = p.Width
	e, err := pages.NewEncoder(s.w, o)
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

func (s *rawSink) close() error { return nil }

type tiffSink struct {
	tw     *pages.TIFFWriter
	o      pages.EncoderOptions
	report func(int, pages.Stats)
}

func (s *tiffSink) page(n int, p *pages.Page, st pages.Stats) error {
	if s.report != nil {
		s.report(n, st)
	}
	return s.tw.WritePage(p, s.o)
}

func (s *tiffSink) close() error { return s.tw.Close() }

type pbmSink struct {
	w      io.Writer
	report func(int, pages.Stats)
}

func (s *pbmSink) page(n int, p *pages.Page, st pages.Stats) error {
	s.report(n, st)
	return pages.WritePBM(s.w, p)
}

func (s *pbmSink) close() error { return nil }

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// writeAtomic writes name through a buffered temporary file in the same
// directory, renamed into place only when write succeeds, so that a failed
// or interrupted run never leaves a half-written output. (These are
// conversion tools: the file is not fsynced; the daemon's store does that
// for what it keeps.)
func writeAtomic(name string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	werr := write(bw)
	if werr == nil {
		werr = bw.Flush()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(f.Name(), name)
	}
	if werr != nil {
		os.Remove(f.Name())
		if errors.Is(werr, fs.ErrNotExist) || errors.Is(werr, fs.ErrPermission) {
			return fmt.Errorf("%s: %w", name, werr)
		}
		return werr
	}
	return nil
}
