package render

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"faxbox/internal/capbuf"
)

// officeKinds are the office formats converted by LibreOffice, by file
// name extension: Office Open XML (ISO/IEC 29500) and OpenDocument
// (ISO/IEC 26300) text, spreadsheets and presentations. All are ZIP
// packages.
var officeKinds = map[string]bool{
	".docx": true, ".xlsx": true, ".pptx": true,
	".odt": true, ".ods": true, ".odp": true,
}

// officeKind names the office format of a ZIP package from its members
// ([Content_Types].xml and word/, xl/ or ppt/ for Office Open XML, the
// mimetype member for OpenDocument), or "" when it is none of them.
func officeKind(data []byte) string {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return ""
	}
	ooxml := false
	for _, f := range zr.File {
		switch {
		case f.Name == "[Content_Types].xml":
			ooxml = true
		case f.Name == "mimetype" && f.UncompressedSize64 < 128:
			rc, err := f.Open()
			if err != nil {
				return ""
			}
			var b bytes.Buffer
			_, err = b.ReadFrom(rc)
			rc.Close()
			if err != nil {
				return ""
			}
			switch strings.TrimSpace(b.String()) {
			case "application/vnd.oasis.opendocument.text":
				return "odt"
			case "application/vnd.oasis.opendocument.spreadsheet":
				return "ods"
			case "application/vnd.oasis.opendocument.presentation":
				return "odp"
			}
		}
	}
	if ooxml {
		for _, f := range zr.File {
			switch {
			case strings.HasPrefix(f.Name, "word/"):
				return "docx"
			case strings.HasPrefix(f.Name, "xl/"):
				return "xlsx"
			case strings.HasPrefix(f.Name, "ppt/"):
				return "pptx"
			}
		}
	}
	return ""
}

// MayNeedOffice reports whether attachment a may be an office document
// that LibreOffice converts (a ZIP package, or named like one), so that
// a caller can allow its conversion more time. It reads at most the first
// bytes of a file at a.Path.
func MayNeedOffice(a Attachment) bool {
	if officeKinds[strings.ToLower(filepath.Ext(a.Name))] {
		return true
	}
	head := a.Data
	if head == nil && a.Path != "" {
		f, err := os.Open(a.Path)
		if err != nil {
			return false
		}
		defer f.Close()
		head = make([]byte, 4)
		if n, _ := io.ReadFull(f, head); n < 4 {
			return false
		}
	}
	return bytes.HasPrefix(head, []byte("PK\x03\x04"))
}

// findOffice looks LibreOffice's soffice up in PATH.
func findOffice() (string, error) {
	for _, name := range []string{"soffice", "libreoffice"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", &MissingToolError{Tools: "soffice", Packages: "libreoffice-writer-nogui and libreoffice-calc-nogui", Office: true}
}

// planOffice converts an office document to PDF with LibreOffice in
// headless mode and plans the PDF's pages. LibreOffice runs under the
// rasteriser's limits (command: address space, CPU time) and
// OfficeTimeout of wall time in a temporary directory that is its HOME and its user
// profile, removed afterwards, with an environment of PATH and LC_ALL
// only; it makes no network connection to convert a file.
func (d *Document) planOffice(ctx context.Context, kind string, a Attachment, data []byte) (*part, error) {
	bin, err := findOffice()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "faxbox-office-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "document."+kind)
	if err := os.WriteFile(in, data, 0o600); err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, d.r.lim.OfficeTimeout)
	defer cancel()
	cmd := d.command(cctx, bin, "--headless", "--norestore", "--nolockcheck", "--nologo", "--nodefault",
		"-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "pdf", "--outdir", dir, in)
	cmd.Env = append(cmd.Env, "HOME="+dir, "TMPDIR="+dir)
	cmd.Dir = dir
	errb := &capbuf.Buffer{N: 2048}
	cmd.Stdout, cmd.Stderr = errb, errb
	start := time.Now()
	err = cmd.Run()
	if cctx.Err() != nil {
		return nil, &ToolError{Tool: "soffice", Err: fmt.Errorf("killed after %v: %w", time.Since(start).Round(time.Second), cctx.Err()), Stderr: stderrText(errb)}
	}
	pdf, rerr := os.ReadFile(filepath.Join(dir, "document.pdf"))
	if err != nil || rerr != nil || len(pdf) == 0 {
		cause := errors.New("LibreOffice could not convert it")
		if err != nil {
			cause = fmt.Errorf("LibreOffice could not convert it (%v)", err)
		}
		return nil, &ToolError{Tool: "soffice", Err: &FormatError{Format: kind, Err: cause}, Stderr: stderrText(errb)}
	}
	if int64(len(pdf)) > d.r.lim.MaxFileSize {
		return nil, &LimitError{What: "file size", Got: int64(len(pdf)), Max: d.r.lim.MaxFileSize}
	}
	p, err := d.planPDF(ctx, Attachment{Name: a.Name, Data: pdf}, pdf)
	if err != nil {
		return nil, err
	}
	p.kind = kind
	return p, nil
}
