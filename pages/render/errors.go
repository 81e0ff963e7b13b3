package render

import (
	"errors"
	"fmt"
)

// Sentinels that callers branch on with errors.Is. The typed errors below
// match them.
var (
	// ErrUnsupported: the attachment is of a kind Faxbox cannot render.
	ErrUnsupported = errors.New("render: unsupported attachment type")
	// ErrCorrupt: the attachment claims a format but cannot be decoded.
	ErrCorrupt = errors.New("render: corrupt or truncated file")
	// ErrLimit: the attachment exceeds a limit of Limits.
	ErrLimit = errors.New("render: limit exceeded")
	// ErrNoRasteriser: no PDF rasteriser (Ghostscript or Poppler) is
	// installed.
	ErrNoRasteriser = errors.New("render: no PDF rasteriser")
	// ErrNoConverter: no converter for office documents (LibreOffice) is
	// installed.
	ErrNoConverter = errors.New("render: no office document converter")
)

// AttachmentError is the error of one attachment: Index is its position in
// the slice passed to Render, Name its Attachment.Name. Err says what went
// wrong and matches one of the sentinels when it can.
type AttachmentError struct {
	Index int
	Name  string
	Err   error
}

func (e *AttachmentError) Error() string {
	return fmt.Sprintf("render: attachment %d (%q): %v", e.Index+1, e.Name, e.Err)
}

// Unwrap returns the cause.
func (e *AttachmentError) Unwrap() error { return e.Err }

// LimitError reports input over one of the Limits: What names the limit
// ("file size", "pixels", "decode memory", "pages", "text size", "jpeg
// scans"), Got the value found (or the least known) and Max the limit.
// Width and Height are the image's size for "pixels" and "decode memory".
type LimitError struct {
	What          string
	Got, Max      int64
	Width, Height int
}

func (e *LimitError) Error() string {
	s := fmt.Sprintf("render: %s %d exceeds the limit of %d", e.What, e.Got, e.Max)
	if e.Width > 0 && e.Height > 0 {
		s += fmt.Sprintf(" (a %dx%d image)", e.Width, e.Height)
	}
	return s
}

// Is makes a LimitError match ErrLimit.
func (e *LimitError) Is(target error) bool { return target == ErrLimit }

// FormatError reports a file that cannot be decoded as its Format ("png",
// "jpeg", "gif", "bmp", "tiff", "pdf", "text"). It matches ErrCorrupt.
type FormatError struct {
	Format string
	Err    error
}

func (e *FormatError) Error() string { return fmt.Sprintf("render: %s: %v", e.Format, e.Err) }

// Unwrap returns the decoder's error.
func (e *FormatError) Unwrap() error { return e.Err }

// Is makes a FormatError match ErrCorrupt.
func (e *FormatError) Is(target error) bool { return target == ErrCorrupt }

// MissingToolError reports that no program to rasterise PDFs, or with
// Office set to convert office documents, was found; Packages names the
// Debian packages that provide one.
type MissingToolError struct {
	Tools    string // "gs or pdftoppm"
	Packages string // "ghostscript or poppler-utils"
	Office   bool   // the missing tool converts office documents to PDF
}

func (e *MissingToolError) Error() string {
	if e.Office {
		return fmt.Sprintf("render: no office document converter (%s) found in PATH: install the Debian packages %s", e.Tools, e.Packages)
	}
	return fmt.Sprintf("render: no PDF rasteriser (%s) found in PATH: install the Debian package %s (apt-get install ghostscript)", e.Tools, e.Packages)
}

// Is makes a MissingToolError match ErrNoRasteriser, or ErrNoConverter
// for an office document converter.
func (e *MissingToolError) Is(target error) bool {
	if e.Office {
		return target == ErrNoConverter
	}
	return target == ErrNoRasteriser
}

// ToolError reports a PDF rasteriser that failed, was killed by its time
// or memory limit, or produced output that cannot be read. Stderr holds the
// start of what the tool printed. A timeout matches
// context.DeadlineExceeded; a PDF the tool cannot read matches ErrCorrupt.
type ToolError struct {
	Tool   string
	Err    error
	Stderr string
}

func (e *ToolError) Error() string {
	s := fmt.Sprintf("render: %s: %v", e.Tool, e.Err)
	if e.Stderr != "" {
		s += ": " + e.Stderr
	}
	return s
}

// Unwrap returns the cause.
func (e *ToolError) Unwrap() error { return e.Err }
