// Package panel is the appliance's front panel as `faxd serve` drives it:
// the LEDs follow the modems, the credit and the disk; alerts sound when a
// fax is delivered, fails or arrives and when credit runs low; the cancel
// button hangs up the calls in progress, and a long press says the status
// or power-cycles the modems.
//
// The hardware ([Hardware]: the board's GPIO lines and the sound player) is
// opened first, before the modem pool, whose watchdog power-cycles modems
// through it; the [Panel] that drives it comes after the pool, and gets the
// button's presses through a channel the hardware fills. Nothing is set
// after construction.
//
// The package drives the board package; it does not touch GPIO itself.
package panel
