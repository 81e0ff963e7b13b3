//go:build spandsp

// Package gateway is a test-only harness around spandsp's T.38 gateway
// (Debian libspandsp-dev 0.0.6: t38_gateway.h) with spandsp's audio fax
// terminal (fax.h) on its analogue side: the path of a fax from a T.38
// line through a VoIP gateway to a fax machine on a telephone line, both
// independent of Faxbox.
//
// The gateway and the fax terminal exchange 8 kHz audio in 20 ms steps on
// one goroutine (spandsp is not thread-safe), in real time, so that the
// gateway's modems see the timing of a real line; the gateway's T.38 side
// speaks UDPTL on a UDP socket with Faxbox's t38.Encoder and t38.Decoder
// framing (spandsp 0.0.6 has no UDPTL).
//
// It needs cgo and is built only with the "spandsp" build tag, so it
// never enters the product binary.
package gateway
