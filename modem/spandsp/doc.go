//go:build spandsp

// Package spandsp is a test-only harness around spandsp (Debian package
// libspandsp-dev), a software implementation of the fax modems and of a
// T.30 fax terminal written by others. It lets Faxbox's class 1 driver and
// T.30 engine be tested against real, independent peers without hardware.
//
// It provides:
//
//   - spandsp's T.31 class 1 fax modem with its DTE side on a pseudo-terminal:
//     a driver opens [Line.SlavePath] exactly as it opens /dev/ttyUSB0 and
//     speaks AT commands to it;
//   - a telephone line between two such modems ([NewModemPair]), or between
//     one modem and spandsp's T.30 fax terminal sending or receiving a TIFF-F
//     file ([NewModemToFax]), whose outcome [Line.Wait] reports;
//   - the line's call set-up (ATD rings the other side, ATA answers, ATH
//     hangs up), a one-way delay, white noise at a chosen signal-to-noise
//     ratio and a line cut at a chosen moment ([Options], [Line.Cut]).
//
// Audio moves in 20 ms blocks of 160 samples at 8 kHz, paced in real time,
// so a call takes as long as it would on a telephone line. All spandsp state
// of a line is driven from a single goroutine; spandsp is not thread-safe.
//
// The package needs cgo and is built only with the "spandsp" build tag, so it
// never enters the product binary:
//
//	go test -tags spandsp ./modem/spandsp/
//
// A pseudo-terminal has no modem status lines: RING arrives only as text,
// dropping DTR does not hang up (send ATH), and the modem's flow control
// (CTS) is applied by no longer reading from the pseudo-terminal, so a DTE
// that writes too fast blocks in write as behind hardware flow control.
package spandsp
