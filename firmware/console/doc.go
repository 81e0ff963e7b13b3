// Package console is Faxbox's installer console: a line-oriented shell,
// guarded by the installer PIN, that an installer reaches with a laptop and
// a serial cable (screen, minicom, picocom) or, on the box itself, through
// `faxd console`.
//
// It provides:
//
//   - Run, which runs console sessions over an io.ReadWriter (a serial
//     port, a pseudo-terminal, a unix socket connection): its own line
//     editor (echo, backspace and DEL, Ctrl-U, Ctrl-C, Ctrl-D, CR, LF and
//     CRLF line ends, UTF-8), CRLF output for raw terminals, a prompt, an
//     idle timeout, and the PIN check with a growing delay after wrong
//     PINs and a lockout (Guard);
//   - the command table (status, modem, line, show, set, network, web,
//     admin, voucher, errors, log, test, factory-reset, reboot, help,
//     quit), from which both `help` and `help COMMAND` are written;
//   - Backend, everything the commands act on, which the daemon
//     implements over its configuration, store, ledger, modem pool and
//     board; every change is logged with "console" as the actor;
//   - HashPIN and VerifyPIN for the argon2id and bcrypt hashes of
//     console.pin_hash, Ring (an slog handler keeping the recent log for
//     the errors and log commands) and SystemNetwork (the addresses of the
//     network interfaces).
//
// One goroutine owns a session: it edits the line, runs the PIN check and
// starts commands; a command runs on a goroutine of its own with a context
// that Ctrl-C, a hang-up or the end of Run cancels, while the session
// goroutine keeps watching the input. A reader goroutine feeds the input to
// the session; writes time out (WriteTimeout) when the peer has a write
// deadline, and a write error ends the session, so that a vanished peer
// never hangs the daemon.
//
// Without a PIN hash (Config.PINHash empty) a session needs no PIN only if
// Config.NoPIN says so: the daemon allows that on its unix socket, which
// only the daemon's own user (root) can open, and refuses to start the
// console on a serial port without a PIN.
//
// The package does not open serial ports or sockets, does not know the
// daemon's types (Backend is implemented in package main), and keeps no
// state between sessions but the Guard's failure count.
package console
