//go:build spandsp

// Package spandsp is a test-only harness around spandsp's T.38 code
// (Debian libspandsp-dev 0.0.6: t38_core.h, t38_terminal.h), an
// independent implementation of T.38 that Faxbox's t38 package is checked
// against:
//
//   - [Core] is spandsp's IFP packet codec alone: it encodes indicators and
//     data packets as spandsp would send them, and decodes packets into the
//     indicators and fields spandsp's receiver reports;
//   - [Terminal] is spandsp's T.38 fax terminal (T.30 over T.38) sending or
//     receiving a TIFF-F file over UDPTL on a UDP socket, driven in real
//     time in 20 ms steps from one goroutine (spandsp is not thread-safe).
//
// The terminal's UDPTL framing uses Faxbox's t38.Encoder and t38.Decoder
// (spandsp 0.0.6 has no UDPTL); packet loss and reordering come from the
// test's relay between the two sockets.
//
// The package needs cgo and is built only with the "spandsp" build tag, so
// it never enters the product binary.
package spandsp
