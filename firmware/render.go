package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"faxbox/pages"
	"faxbox/pages/render"
)

// runRender implements "faxd render".
func runRender(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("render", "render [--resolution standard|fine|superfine] [--paper a4|letter] [--subject TEXT] [--body FILE] [--from NAME] [--to NAME] [--to-fax NUMBER] [--station-fax NUMBER] [--header TEXT | --no-header] [--no-cover] --out OUT.tif|OUT.pdf|DIR ATTACHMENT...", stderr)
	resolution := fs.String("resolution", "fine", "standard, fine or superfine")
	paper := fs.String("paper", "a4", "a4 or letter")
	subject := fs.String("subject", "", "subject shown on the first page")
	bodyFile := fs.String("body", "", "file with the message body (UTF-8 text) for the first page")
	from := fs.String("from", "", "sender's name")
	to := fs.String("to", "", "recipient's name")
	toFax := fs.String("to-fax", "", "recipient's fax number")
	station := fs.String("station-fax", "", "this appliance's fax number (header line)")
	header := fs.String("header", "", "header line format (default: date, sender, numbers, page n of m)")
	noHeader := fs.Bool("no-header", false, "no header line")
	noCover := fs.Bool("no-cover", false, "attachments only, no first page with the message")
	out := fs.String("out", "", "OUT.tif (TIFF-F, MMR), OUT.pdf (archive PDF) or a directory (PNG previews and thumbnails)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || (fs.NArg() == 0 && *noCover) {
		fs.Usage()
		return errUsage
	}
	o, err := renderOptions(*resolution, *paper)
	if err != nil {
		return err
	}
	o.Header, o.NoHeader, o.NoCover, o.StationFax = *header, *noHeader, *noCover, *station
	msg := render.Message{From: render.Party{Name: *from}, To: render.Party{Name: *to, Fax: *toFax}, Subject: *subject, Time: time.Now()}
	if *bodyFile != "" {
		b, err := os.ReadFile(*bodyFile)
		if err != nil {
			return err
		}
		msg.Body = string(b)
	}
	ctx, stop := signalContext()
	defer stop()
	doc, err := render.New(o).Render(ctx, msg, attachments(fs.Args()))
	if err != nil {
		return err
	}
	if doc.NumPages() == 0 {
		return errors.New("nothing to render")
	}
	n, err := writeRendered(ctx, doc, *out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d pages written to %s\n", n, *out)
	return nil
}

func renderOptions(resolution, paper string) (render.Options, error) {
	res, err := pages.ParseResolution(resolution)
	if err != nil {
		return render.Options{}, err
	}
	pp, err := render.ParsePaper(paper)
	if err != nil {
		return render.Options{}, err
	}
	return render.Options{Resolution: res, Paper: pp}, nil
}

func attachments(files []string) []render.Attachment {
	var atts []render.Attachment
	for _, f := range files {
		atts = append(atts, render.Attachment{Name: filepath.Base(f), Path: f})
	}
	return atts
}

// writeRendered writes the pages to a TIFF-F, an archive PDF, or PNG
// previews in a directory, streaming one page at a time.
func writeRendered(ctx context.Context, doc *render.Document, out string) (int, error) {
	ext := strings.ToLower(filepath.Ext(out))
	if ext != ".tif" && ext != ".tiff" && ext != ".pdf" {
		if err := os.MkdirAll(out, 0o755); err != nil {
			return 0, err
		}
		n := 0
		for p, err := range doc.Pages(ctx) {
			if err != nil {
				return n, err
			}
			n++
			for _, v := range []struct {
				name  string
				write func(io.Writer) error
			}{
				{fmt.Sprintf("page-%03d.png", n), func(w io.Writer) error { return render.WritePNG(w, p) }},
				{fmt.Sprintf("page-%03d-thumb.png", n), func(w io.Writer) error { return render.WriteThumbnailPNG(w, p, 200) }},
			} {
				if err := writeAtomic(filepath.Join(out, v.name), v.write); err != nil {
					return n, err
				}
			}
		}
		return n, nil
	}
	n := 0
	err := writeAtomic(out, func(w io.Writer) error {
		var add func(*pages.Page) error
		var close func() error
		if ext == ".pdf" {
			pw := pages.NewPDFWriter(w, pages.PDFInfo{Title: "Fax", Created: time.Now()})
			add, close = pw.AddPage, pw.Close
		} else {
			tw, err := pages.NewTIFFWriter(w, doc.NumPages())
			if err != nil {
				return err
			}
			add = func(p *pages.Page) error { return tw.WritePage(p, pages.EncoderOptions{Coding: pages.MMR}) }
			close = tw.Close
		}
		for p, err := range doc.Pages(ctx) {
			if err != nil {
				return err
			}
			if err := add(p); err != nil {
				return err
			}
			n++
		}
		return close()
	})
	return n, err
}
