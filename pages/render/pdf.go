package render

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"faxbox/internal/capbuf"
	"faxbox/pages"
)

// Rasteriser selects the program that turns PDF pages into pixels.
type Rasteriser uint8

// The PDF rasterisers Faxbox can run. Both are found in PATH when needed.
const (
	// AutoRasteriser takes Ghostscript when installed, else Poppler.
	AutoRasteriser Rasteriser = iota
	// Ghostscript runs gs (Debian package ghostscript), fitting each page
	// to the printable area itself: with the 1-bit pbmraw device for PDFs
	// drawn in black and white only, else with pgnmraw (grey pages).
	Ghostscript
	// Poppler runs pdftoppm and pdfinfo (Debian package poppler-utils).
	Poppler
)

// String returns "auto", "ghostscript" or "poppler".
func (r Rasteriser) String() string {
	switch r {
	case AutoRasteriser:
		return "auto"
	case Ghostscript:
		return "ghostscript"
	case Poppler:
		return "poppler"
	}
	return fmt.Sprintf("Rasteriser(%d)", r)
}

// pdfTool is a rasteriser found in PATH.
type pdfTool struct {
	kind      Rasteriser
	bin, info string // gs; or pdftoppm and pdfinfo
	name      string
}

// findRasteriser looks the configured rasteriser up in PATH.
func (d *Document) findRasteriser() (pdfTool, error) {
	want := d.r.o.Rasteriser
	if want == AutoRasteriser || want == Ghostscript {
		if p, err := exec.LookPath("gs"); err == nil {
			return pdfTool{kind: Ghostscript, bin: p, name: "gs"}, nil
		}
		if want == Ghostscript {
			return pdfTool{}, &MissingToolError{Tools: "gs", Packages: "ghostscript"}
		}
	}
	p, err1 := exec.LookPath("pdftoppm")
	q, err2 := exec.LookPath("pdfinfo")
	if err1 == nil && err2 == nil {
		return pdfTool{kind: Poppler, bin: p, info: q, name: "pdftoppm"}, nil
	}
	if want == Poppler {
		return pdfTool{}, &MissingToolError{Tools: "pdftoppm and pdfinfo", Packages: "poppler-utils"}
	}
	return pdfTool{}, &MissingToolError{Tools: "gs or pdftoppm", Packages: "ghostscript or poppler-utils"}
}

// pdfFile returns a path to the PDF for a tool to read: the attachment's
// own Path, or a temporary copy of its Data, removed by the cleanup func.
func pdfFile(a Attachment, data []byte) (string, func(), error) {
	if a.Data == nil && a.Path != "" {
		return a.Path, func() {}, nil
	}
	f, err := os.CreateTemp("", "faxbox-*.pdf")
	if err != nil {
		return "", nil, err
	}
	rm := func() { os.Remove(f.Name()) }
	if _, err := f.Write(data); err != nil {
		f.Close()
		rm()
		return "", nil, err
	}
	if err := f.Close(); err != nil {
		rm()
		return "", nil, err
	}
	return f.Name(), rm, nil
}

// command returns the tool run under sh with ulimit: address space
// (RLIMIT_AS) and CPU time (RLIMIT_CPU) set before exec, so that the limits
// hold from the tool's first instruction.
func (d *Document) command(ctx context.Context, bin string, args ...string) *exec.Cmd {
	l := d.r.lim
	script := fmt.Sprintf(`ulimit -v %d && ulimit -t %d && exec "$0" "$@"`, l.PDFMemory/1024, max(int(l.PDFCPUTime/time.Second), 1))
	cmd := exec.CommandContext(ctx, "/bin/sh", append([]string{"-c", script, bin}, args...)...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C"}
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

// psString quotes s as a PostScript string literal.
func psString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`)
	return "(" + r.Replace(s) + ")"
}

// countPages asks the tool how many pages the PDF at path has.
func (d *Document) countPages(ctx context.Context, t pdfTool, path string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, d.r.lim.PDFTimeout)
	defer cancel()
	var cmd *exec.Cmd
	if t.kind == Ghostscript {
		cmd = d.command(ctx, t.bin, "-q", "-dNODISPLAY", "-dSAFER", "-dBATCH", "-dNOPAUSE",
			"--permit-file-read="+path, "-c", psString(path)+" (r) file runpdfbegin pdfpagecount = quit")
	} else {
		cmd = d.command(ctx, t.info, path)
	}
	var out bytes.Buffer
	errb := &capbuf.Buffer{N: 2048}
	cmd.Stdout, cmd.Stderr = &out, errb
	err := cmd.Run()
	name := t.name
	if t.kind == Poppler {
		name = "pdfinfo"
	}
	if ctx.Err() != nil {
		return 0, &ToolError{Tool: name, Err: ctx.Err(), Stderr: stderrText(errb)}
	}
	n := -1
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if t.kind == Poppler {
			if v, ok := strings.CutPrefix(l, "Pages:"); ok {
				n, _ = strconv.Atoi(strings.TrimSpace(v))
			}
		} else if v, err := strconv.Atoi(l); err == nil {
			n = v
		}
	}
	if err != nil || n <= 0 {
		cause := errors.New("not a readable PDF")
		if err != nil {
			cause = fmt.Errorf("not a readable PDF (%v)", err)
		}
		return 0, &ToolError{Tool: name, Err: &FormatError{Format: "pdf", Err: cause}, Stderr: stderrText(errb)}
	}
	return n, nil
}

// planPDF counts a PDF's pages; its pages are rasterised when produced.
// The count comes from the PDF's own page tree when it can be read
// (scanPDF), else from the tool: one run of the rasteriser fewer.
func (d *Document) planPDF(ctx context.Context, a Attachment, data []byte) (*part, error) {
	if data != nil && !bytes.Contains(data[:min(len(data), 1024)], []byte("%PDF-")) {
		return nil, &FormatError{Format: "pdf", Err: errors.New("no %PDF- signature")}
	}
	t, err := d.findRasteriser()
	if err != nil {
		return nil, err
	}
	facts := scanPDF(data)
	n := facts.pages
	if n == 0 {
		path, rm, err := pdfFile(a, data)
		if err != nil {
			return nil, err
		}
		n, err = d.countPages(ctx, t, path)
		rm()
		if err != nil {
			return nil, err
		}
	}
	if n > d.r.lim.MaxPages {
		return nil, &LimitError{What: "pages", Got: int64(n), Max: int64(d.r.lim.MaxPages)}
	}
	p := &part{kind: "pdf", n: n}
	// Keep the bytes only when the tool cannot read the file at Path.
	keep := data
	if a.Data == nil && a.Path != "" {
		keep = nil
	}
	p.gen = func(ctx context.Context, emit func(*pages.Page) bool) error {
		path, rm, err := pdfFile(a, keep)
		if err != nil {
			return err
		}
		defer rm()
		return d.rasterisePDF(ctx, t, path, n, facts, emit)
	}
	return p, nil
}

// rasterisePDF runs the tool and turns each page it writes to its standard
// output (a stream of binary PBM or PGM images) into a fax page as it
// arrives:
// the tool blocks on the pipe (enlarged to 1 MiB, about two 1-bit pages,
// so that it draws the next page meanwhile) while a page is consumed, so
// only one page is in this process's memory. The PDFTimeout budget counts only the time spent waiting
// for the tool, not the time the consumer holds a page.
//
// Ghostscript renders a PDF whose pages are black and white only (mono,
// from scanPDF) with its 1-bit pbmraw device: its pages arrive as fax
// pixels, with nothing left to do but place them. A PDF holding
// photographs or grey scans (photo) is rendered by pbmraw too, through
// this package's halftone screen given to Ghostscript as a threshold
// array (screen.postScript): a grey page would take Ghostscript longer to
// draw and eight times the bytes to pass. Other PDFs go through
// the pgnmraw device, which renders in grey and writes each page as PBM
// when it has no grey pixel, as PGM (thresholded or halftoned here)
// when it has.
func (d *Document) rasterisePDF(ctx context.Context, t pdfTool, path string, n int, facts pdfFacts, emit func(*pages.Page) bool) error {
	g := d.r.geom
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var cmd *exec.Cmd
	if t.kind == Ghostscript {
		device, setup := "-sDEVICE=pgnmraw", "0 pop"
		switch {
		case facts.mono:
			device = "-sDEVICE=pbmraw"
		case facts.photo:
			device, setup = "-sDEVICE=pbmraw", newScreen(g.XDPI, g.YDPI).postScript()
		}
		cmd = d.command(ctx, t.bin, "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-dNOPROMPT",
			"-sstdout=%stderr", device,
			fmt.Sprintf("-r%gx%g", g.XDPI, g.YDPI),
			fmt.Sprintf("-g%dx%d", g.Area.Dx(), g.Area.Dy()),
			"-dFIXEDMEDIA", "-dPDFFitPage", "-dUseCropBox", "-dMaxBitmap=33554432",
			"-sOutputFile=-", "-c", setup, "-f", path)
	} else {
		cmd = d.command(ctx, t.bin, "-gray", "-cropbox",
			"-rx", fmt.Sprint(g.XDPI), "-ry", fmt.Sprint(g.YDPI), path)
	}
	errb := &capbuf.Buffer{N: 2048}
	cmd.Stderr = errb
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	growPipe(out)
	if err := cmd.Start(); err != nil {
		return &ToolError{Tool: t.name, Err: err}
	}
	budget := d.r.lim.PDFTimeout
	timedOut := errors.New("time limit")
	watchdog := time.AfterFunc(budget, func() { cancel(timedOut) })
	finish := func(err error) error {
		werr := cmd.Wait()
		watchdog.Stop()
		if context.Cause(ctx) == timedOut {
			return &ToolError{Tool: t.name, Err: fmt.Errorf("killed after %v: %w", d.r.lim.PDFTimeout, context.DeadlineExceeded), Stderr: stderrText(errb)}
		}
		// A rasteriser killed for its CPU time stops its output early:
		// the kill, not the short output, is why the page is missing.
		var ee *exec.ExitError
		if errors.As(werr, &ee) {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && (ws.Signal() == syscall.SIGXCPU || ws.Signal() == syscall.SIGKILL) {
				err = fmt.Errorf("killed by %v (CPU time limit %v)", ws.Signal(), d.r.lim.PDFCPUTime)
			}
		}
		if err == nil && werr != nil {
			err = werr
		}
		if err != nil {
			return &ToolError{Tool: t.name, Err: err, Stderr: stderrText(errb)}
		}
		return nil
	}
	br := bufio.NewReaderSize(out, 64<<10)
	aspect := g.XDPI / g.YDPI
	for i := 0; i < n; i++ {
		start := time.Now()
		img, bits, err := readPNM(br, d.r.lim.MaxPixels)
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = fmt.Errorf("page %d of %d missing: %w", i+1, n, &FormatError{Format: "pdf", Err: errors.New("the rasteriser stopped early")})
			}
			return finish(err)
		}
		watchdog.Stop()
		budget -= time.Since(start)
		var pg *pages.Page
		if bits != nil && bits.Width == g.Area.Dx() && bits.Height == g.Area.Dy() {
			pg = g.newPage()
			blit(pg, bits, g.Area.Min.X, g.Area.Min.Y)
		} else {
			if bits != nil {
				img = bitsToGray(bits)
			}
			pg = d.placeOne(img, aspect)
		}
		if !emit(pg) {
			cmd.Process.Kill()
			finish(nil)
			return nil
		}
		if budget <= 0 {
			budget = time.Millisecond
		}
		watchdog.Reset(budget)
	}
	// The tool should now end; anything more is ignored.
	io.Copy(io.Discard, br)
	return finish(nil)
}

// placeOne scales one grey image (a PDF page) onto a single page, turning
// landscape pages to portrait when that makes them larger.
func (d *Document) placeOne(img *image.Gray, aspect float64) *pages.Page {
	g := d.r.geom
	w, h := img.Rect.Dx(), img.Rect.Dy()
	f := fitImage(g, w, h, aspect)
	if f.pages > 1 { // never split a PDF page: shrink it to fit
		f = fit{pages: 1, dstH: g.Area.Dy()}
		f.dstW = max(1, int(float64(w)*float64(f.dstH)/(float64(h)*aspect)*g.XDPI/g.YDPI))
	}
	src := &graySrc{pix: img.Pix, stride: img.Stride, o: exifOrient(1, w, h), aspect: aspect}
	if f.rotate {
		src.o = src.o.rotateCCW()
	}
	t := classify(src.histogram())
	band := img // Ghostscript has already fitted the page: no resampling
	if f.rotate || f.dstW != w || f.dstH != h {
		band = newResampler(src, f.dstW, f.dstH).rows(0, f.dstH)
	}
	pg := g.newPage()
	t.apply(pg, band, g.Area.Min.X+(g.Area.Dx()-f.dstW)/2, g.Area.Min.Y+(g.Area.Dy()-f.dstH)/2)
	return pg
}

// readPNM reads one binary PGM (P5, maxval at most 255) or PBM (P4)
// image, allowing comments in its header as Ghostscript writes them. A
// PGM image is returned as img, a PBM image as bits (1 is black, as in a
// fax page).
func readPNM(r *bufio.Reader, maxPixels int64) (img *image.Gray, bits *pages.Page, err error) {
	bad := func(msg string) error { return &FormatError{Format: "pnm", Err: errors.New(msg)} }
	magic := make([]byte, 2)
	if _, err := io.ReadFull(r, magic); err != nil {
		if err == io.ErrUnexpectedEOF {
			return nil, nil, bad("truncated header")
		}
		return nil, nil, err
	}
	if string(magic) != "P5" && string(magic) != "P4" {
		return nil, nil, bad("not a binary PGM or PBM image")
	}
	pbm := magic[1] == '4'
	var v [3]int
	fields := 3
	if pbm {
		fields = 2
	}
	for i := range fields {
		// Skip white space and comments, then read a decimal number.
		c, err := r.ReadByte()
		for err == nil && (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '#') {
			if c == '#' {
				_, err = r.ReadString('\n')
			}
			if err == nil {
				c, err = r.ReadByte()
			}
		}
		digits := 0
		for err == nil && c >= '0' && c <= '9' && digits < 9 {
			v[i] = v[i]*10 + int(c-'0')
			digits++
			c, err = r.ReadByte()
		}
		if err != nil || digits == 0 {
			return nil, nil, bad("bad header")
		}
		// c is the single white-space byte after the number.
	}
	w, h, maxval := v[0], v[1], v[2]
	if pbm {
		maxval = 1
	}
	if w <= 0 || h <= 0 || maxval <= 0 || maxval > 255 {
		return nil, nil, bad(fmt.Sprintf("unsupported size %dx%d maxval %d", w, h, maxval))
	}
	if px := int64(w) * int64(h); px > maxPixels {
		return nil, nil, &LimitError{What: "pixels", Got: px, Max: maxPixels, Width: w, Height: h}
	}
	if pbm {
		if w > pages.MaxWidth || h > pages.MaxHeight {
			return nil, nil, bad(fmt.Sprintf("unsupported size %dx%d", w, h))
		}
		p, err := pages.NewPage(w, h)
		if err != nil {
			return nil, nil, bad(err.Error())
		}
		if _, err := io.ReadFull(r, p.Pix); err != nil {
			return nil, nil, bad("truncated pixel data")
		}
		return nil, p, nil
	}
	img = image.NewGray(image.Rect(0, 0, w, h))
	if _, err := io.ReadFull(r, img.Pix); err != nil {
		return nil, nil, bad("truncated pixel data")
	}
	if maxval != 255 {
		for i, p := range img.Pix {
			img.Pix[i] = uint8(min(int(p)*255/maxval, 255))
		}
	}
	return img, nil, nil
}

// blit copies the bitmap src onto p with its top-left at (x0, y0), x0 and
// y0 not negative and src inside p.
func blit(p, src *pages.Page, x0, y0 int) {
	sh := uint(x0 % 8)
	pad := byte(0xff)
	if r := src.Width % 8; r != 0 {
		pad <<= 8 - r
	}
	for y := 0; y < src.Height; y++ {
		s, d := src.Row(y), p.Row(y0 + y)[x0/8:]
		s[len(s)-1] &= pad // the bits past the width are not pixels
		if sh == 0 {
			copy(d, s)
			continue
		}
		var carry byte
		for i, b := range s {
			d[i] |= carry | b>>sh
			carry = b << (8 - sh)
		}
		if len(s) < len(d) {
			d[len(s)] |= carry
		}
	}
}

// bitsToGray turns a bitmap into a grey image (black 0, white 255).
func bitsToGray(p *pages.Page) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, p.Width, p.Height))
	for y := 0; y < p.Height; y++ {
		row, out := p.Row(y), img.Pix[y*img.Stride:]
		for x := 0; x < p.Width; x++ {
			if row[x/8]&(0x80>>(x%8)) == 0 {
				out[x] = 255
			}
		}
	}
	return img
}

func stderrText(b *capbuf.Buffer) string {
	return strings.Join(strings.Fields(b.String()), " ")
}
