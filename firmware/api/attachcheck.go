package api

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"faxbox/pages/render"
)

// faxable are the kinds of file (render.Kind) that the appliance faxes.
var faxable = map[string]bool{"pdf": true, "png": true, "jpeg": true, "jpg": true, "gif": true, "bmp": true,
	"tiff": true, "tif": true, "webp": true, "pbm": true, "text": true}

// SupportedTypes says in words which files can be faxed.
const SupportedTypes = "PDF, PNG, JPEG, GIF, BMP, TIFF, WebP and plain text files"

// supportedOffice is SupportedTypes on an appliance with LibreOffice.
const supportedOffice = "PDF, PNG, JPEG, GIF, BMP, TIFF, WebP, plain text, Word (.docx), Excel (.xlsx), PowerPoint (.pptx) and OpenDocument files"

// supportedTypes says in words which files can be faxed here; office
// documents are when LibreOffice is installed (render.OfficeConverter).
func supportedTypes() (string, bool) {
	if render.OfficeConverter() == nil {
		return supportedOffice, true
	}
	return SupportedTypes, false
}

// officeNames are what people call the office formats.
var officeNames = map[string]string{"docx": "a Word document", "doc": "a Word document", "xlsx": "an Excel spreadsheet",
	"xls": "an Excel spreadsheet", "pptx": "a PowerPoint presentation", "ppt": "a PowerPoint presentation",
	"odt": "a text document", "ods": "a spreadsheet", "odp": "a presentation", "rtf": "a text document"}

// attachmentProblem checks an attachment as it is added, from its name,
// content type, size and first bytes, before anything is rendered: it
// returns what is wrong and what to do, naming the file, or "" when it
// looks faxable. Damage deeper in a file is found when it is rendered.
func attachmentProblem(name, contentType string, size, max int64, head []byte) string {
	switch {
	case size == 0:
		return fmt.Sprintf("%s: the file is empty. Choose the file again, or save it again and attach the new file.", name)
	case size > max:
		return fmt.Sprintf("%s: the file is too large to fax (%s; at most %s). Attach a smaller file, or split the document.",
			name, humanSize(size), humanSize(max))
	}
	kind := render.Kind(head, name, contentType)
	ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(name)), ".")
	if kind == "text" && binary(head) {
		kind = ""
	}
	supported, office := supportedTypes()
	if office && render.IsOffice(kind) {
		return ""
	}
	if what, ok := officeNames[kind]; ok || !faxable[kind] {
		if !ok {
			what, ok = officeNames[ext]
		}
		if !ok {
			what = "this kind of file"
			if ext != "" {
				what = "a ." + ext + " file"
			}
		}
		return fmt.Sprintf("%s: %s cannot be faxed as it is. Save it as PDF (in most programs: File, then Print or Export, then PDF) and attach the PDF. Faxbox sends %s.",
			name, what, supported)
	}
	if kind == "pdf" && !bytes.Contains(head, []byte("%PDF-")) {
		return fmt.Sprintf("%s: this PDF is damaged (it does not start as a PDF does). Open the original, save it again as PDF and attach the new file.", name)
	}
	return ""
}

// readHead reads the first KiB of r, as much as there is.
func readHead(r io.Reader) ([]byte, error) {
	head := make([]byte, 1024)
	n, err := io.ReadFull(r, head)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		err = nil
	}
	return head[:n], err
}

// humanSize writes a size in bytes as people read it, in the units of
// their computers' file managers (a KB of 1024 bytes): "58.6 MB", "820 KB".
func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/(1<<20)), ".0") + " MB"
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", (n+512)>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// binary reports control characters that no text file has.
func binary(head []byte) bool {
	for _, c := range head {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1b {
			return true
		}
	}
	return false
}
