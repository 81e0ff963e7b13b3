package modem

import (
	"errors"
	"fmt"

	"go.bug.st/serial"
)

// Flow selects the serial flow control.
type Flow uint8

// Flow control modes. Class 1 data at 14 400 bit/s needs flow control
// towards the modem: RTS/CTS where the cable has the lines, else XON/XOFF.
const (
	FlowNone    Flow = iota // no flow control
	FlowRTSCTS              // hardware flow control (CRTSCTS)
	FlowXONXOFF             // software flow control (IXON/IXOFF)
)

// PortConfig says how to open a serial port.
type PortConfig struct {
	Device string // for example /dev/ttyUSB0 or /dev/ttyACM0
	Baud   int    // default 115200; always 8N1
	Flow   Flow
}

// Open opens a serial port with go.bug.st/serial (8 data bits, no parity,
// 1 stop bit; DTR and RTS come up on open) and returns a Modem on it. Flow control is
// set on the tty by flow_linux.go, since go.bug.st/serial v1.8.0 has no
// setting for it; elsewhere only FlowNone is supported. The port's SetDTR
// lets HangUp drop DTR.
func Open(pc PortConfig, cfg Config) (*Modem, error) {
	if pc.Device == "" {
		return nil, errors.New("modem: no serial device given")
	}
	baud := pc.Baud
	if baud == 0 {
		baud = 115200
	}
	mode := &serial.Mode{
		BaudRate: baud,
		DataBits: 8,
		Parity:   serial.NoParity,
		StopBits: serial.OneStopBit,
		// InitialStatusBits stays nil: the tty raises DTR and RTS on
		// open, and setting them fails on ports without modem lines
		// (ptys).
	}
	// The flow setter needs its own descriptor, opened before the port
	// becomes exclusive (TIOCEXCL).
	fl, err := newFlowSetter(pc.Device, pc.Flow)
	if err != nil {
		return nil, fmt.Errorf("modem: open %s: %w", pc.Device, err)
	}
	p, err := serial.Open(pc.Device, mode)
	if err != nil {
		fl.close()
		return nil, fmt.Errorf("modem: open %s: %w", pc.Device, err)
	}
	err = fl.apply()
	fl.close()
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("modem: open %s: flow control: %w", pc.Device, err)
	}
	return New(p, cfg), nil
}
