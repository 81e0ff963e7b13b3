// Package pages holds Faxbox's bilevel fax page and its codecs.
//
// A Page is a packed 1-bit-per-pixel bitmap (1 = black) with the fax
// geometry of ITU-T T.4: 1728, 2048 or 2432 pixels across at 8 pels/mm,
// and 3.85 (standard), 7.7 (fine) or 15.4 (superfine) lines/mm.
//
// The package provides, all written here:
//   - PBM reading (P4 and P1) and writing, and conversion from and to
//     image.Image;
//   - streaming encoders for ITU-T T.4 one-dimensional (MH) and
//     two-dimensional (MR) coding and T.6 (MMR) coding, with the fill
//     options a fax modem or a TIFF file needs (byte-aligned EOL, minimum
//     bytes per coded line, RTC or EOFB);
//   - streaming decoders for the same three codings that behave as a fax
//     receiver must: a damaged line is counted and replaced by the line
//     above it, decoding resynchronises at the next EOL, and no input can
//     make them panic, loop or allocate without bound;
//   - TIFF Class F (RFC 2306) reading and writing, multipage.
//
// It does not render documents (PDF, images, text) into pages, nor speak
// T.30: those live in other packages that use this one.
package pages
