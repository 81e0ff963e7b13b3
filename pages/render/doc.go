// Package render turns a fax message and its attachments into fax pages.
//
// A Renderer, made by New from Options (resolution, paper, margins, header
// line, limits), renders a Message (sender, the one recipient of this copy,
// subject, UTF-8 body, time) and a list of Attachments into a Document. The
// Document knows its page count at once and produces its bilevel
// *pages.Page values one at a time through the iterator Pages, so that a
// long PDF is never all in memory:
//
//   - the first page carries a header block (from, to, date, subject,
//     "Pages: N") and the body, word-wrapped in the Go fonts
//     (golang.org/x/image/font/gofont) rasterised at the page's true,
//     non-square pixel aspect; long bodies run on to more pages;
//   - plain-text attachments are set the same way in Go Mono, without the
//     header block;
//   - PNG, JPEG (baseline, progressive, CMYK; EXIF orientation
//     honoured), GIF, BMP, WebP (lossy, lossless, with alpha) and TIFF
//     images (colour, grey, bilevel, palette, 16-bit, CMYK, multipage;
//     JPEG-compressed, new style and well-formed old style; alpha and
//     extra samples composited on white) are scaled to the printable area
//     keeping their aspect, turned to portrait when that makes them larger,
//     split across pages when very tall, and made bilevel by Otsu's
//     threshold (line art, text) or a clustered-dot halftone screen made
//     for fax coding (photographs: see screen.go), chosen per image from
//     its histogram;
//   - a TIFF Class F fax already 1728 pixels wide at the document's
//     resolution is passed through pixel for pixel;
//   - PDF pages are rasterised by Ghostscript (gs) or Poppler (pdftoppm,
//     pdfinfo), found in PATH at run time, under a time limit, a CPU-time
//     limit and an address-space limit, in one run streamed through a
//     pipe; the page count comes from the PDF's own page tree (checked
//     against its leaves; the tool counts when the tree cannot be read),
//     and a PDF drawn in black and white only is rendered by Ghostscript
//     straight to 1-bit pixels;
//   - office documents (.docx, .xlsx, .pptx, .odt, .ods, .odp) are turned
//     into PDF by LibreOffice (soffice --headless --convert-to pdf, found
//     in PATH at run time) under the rasteriser's limits, with a private
//     temporary HOME and profile, then rendered as PDF; without
//     LibreOffice they are refused with an error naming it;
//   - every page gets a configurable header line ("tagline": date, time,
//     sender, the appliance's fax number, page n of m).
//
// Hostile input is bounded by Limits (file size, pixels checked from the
// header before decoding, pages, text size, JPEG scans, rasteriser time and
// memory); each failure is an *AttachmentError naming the attachment and
// matching ErrCorrupt, ErrLimit, ErrUnsupported, ErrNoRasteriser or
// ErrNoConverter.
// WritePNG and Thumbnail make previews of the exact page pixels.
//
// The package does not send, encode or archive pages (see package pages and
// the T.30 engine), does not shape complex scripts: characters the Go fonts
// lack (CJK, Arabic, Hebrew, Indic scripts, emoji) are drawn as
// replacement boxes, and right-to-left text is not reordered.
package render
