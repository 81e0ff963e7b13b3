package pages

import "fmt"

// FormatError reports input that is not valid in its format: a PBM or
// TIFF file that is malformed, or coded fax data that cannot be decoded at
// all. Damage inside coded fax data that a receiver can recover from is not
// an error; decoders count it in Stats instead.
type FormatError struct {
	Format string // "pbm", "tiff", "mh", "mr", "mmr"
	Msg    string
}

func (e *FormatError) Error() string { return "pages: " + e.Format + ": " + e.Msg }

// UnsupportedError reports valid input that uses a feature this package
// does not implement (for example T.4 uncompressed mode, or a TIFF
// compression other than CCITT and none).
type UnsupportedError struct {
	Format  string
	Feature string
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("pages: %s: unsupported: %s", e.Format, e.Feature)
}

// errTooLarge stops a decoder that has read more coded data than its
// options allow for one page.
var errTooLarge = &FormatError{Format: "coded data", Msg: "page data exceeds the size limit"}
