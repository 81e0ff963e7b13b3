package console

import "errors"

// ErrNotAvailable is wrapped by Backend errors for a function this
// appliance does not have (no board, no modem pool hook); the command
// says so plainly instead of reporting a failure.
var ErrNotAvailable = errors.New("not available on this appliance")

// ErrNoPIN is returned by Run when no PIN hash is configured and
// Config.NoPIN does not allow a console without one.
var ErrNoPIN = errors.New("console: no installer PIN configured (console.pin_hash): refusing to start")

// ErrBadHash is wrapped by VerifyPIN for a hash it cannot read.
var ErrBadHash = errors.New("console: malformed PIN hash")

// Errors of the line editor; they end a line without a command.
var (
	errInterrupt = errors.New("interrupted")  // Ctrl-C
	errLogout    = errors.New("logged out")   // Ctrl-D on an empty line, quit
	errIdle      = errors.New("idle timeout") // no input for Config.IdleTimeout
	errHangUp    = errors.New("hang-up")      // the input ended or failed
)
