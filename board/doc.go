// Package board drives the appliance's own hardware: the status LEDs and
// the cancel button of the front panel, and the power (or reset) line of
// each modem, all on GPIO lines of one Linux GPIO character device.
//
// The hardware is reached through three role interfaces: a [Chip] hands
// out lines by name or offset, an [Output] is a line Faxbox drives (an LED,
// a modem's power switch) and an [Input] is a line it reads (a button).
// [OpenChip] returns the real chip (Linux, through go-gpiocdev);
// elsewhere it returns [ErrUnsupported]. Package board/boardtest has a fake
// chip that records every level change with its time, for tests and for
// the demo mode.
//
// A [Board] puts them together: [Board.SetState] shows the appliance's
// [State] on the LEDs (see [Patterns] for which LED shows what), the cancel
// button calls back on a short and on a long press, [Board.PowerCycler]
// gives the daemon's watchdog one power-cycle function per modem, and
// [Board.Snapshot] reports all of it (and the last alert sound) as JSON
// for the administration page. Any line may be missing: a board without
// it works without it.
//
// The package does not read the configuration file (the firmware maps its
// [board] section onto [Config]), decide when the appliance is ready or a
// modem is out of service, or cancel calls itself: it shows what it is
// told and reports what is pressed. Audible alerts are in board/sound.
package board
