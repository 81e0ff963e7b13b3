//go:build linux

// Package pty opens Unix98 pseudo-terminal pairs. Simulated and software
// modems sit on the master side; the modem driver opens the slave's path
// exactly as it would open /dev/ttyUSB0, through go.bug.st/serial.
//
// It does not configure the line discipline of the slave beyond raw mode;
// a pty has no modem status lines (DTR, DCD, RI), so hang-up by DTR drop
// and RING by RI do not exist on it.
package pty

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Pair is an open pseudo-terminal: Master is the end the simulated device
// reads and writes; SlavePath is the device name a driver opens.
type Pair struct {
	Master    *os.File
	SlavePath string
}

// Open allocates a new pseudo-terminal and sets its slave side to raw mode
// (no echo, no line editing, no CR/LF translation), as a serial port is.
func Open() (*Pair, error) {
	// Non-blocking, so that the master is served by the runtime's poller:
	// Close then ends a Read in progress and closes the descriptor at once
	// (a blocking descriptor would stay open until that Read returned).
	// The descriptor is reached through SyscallConn, since Fd would make
	// it blocking again.
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("pty: open /dev/ptmx: %w", err)
	}
	var n int
	rc, err := m.SyscallConn()
	if err == nil {
		if cerr := rc.Control(func(fd uintptr) { n, err = unlockRaw(int(fd)) }); err == nil {
			err = cerr
		}
	}
	if err != nil {
		m.Close()
		return nil, err
	}
	return &Pair{Master: m, SlavePath: fmt.Sprintf("/dev/pts/%d", n)}, nil
}

// unlockRaw unlocks the slave of the master fd, sets it to raw mode and
// returns its number.
func unlockRaw(fd int) (int, error) {
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		return 0, fmt.Errorf("pty: unlock: %w", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		return 0, fmt.Errorf("pty: slave number: %w", err)
	}
	// Raw mode is set on the master's termios, which the kernel shares with
	// the slave, so the device behaves like a raw serial port before anyone
	// opens the slave.
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return 0, fmt.Errorf("pty: get termios: %w", err)
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON | unix.IXOFF
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, t); err != nil {
		return 0, fmt.Errorf("pty: set raw mode: %w", err)
	}
	return n, nil
}

// Close closes the master side; a driver that still has the slave open
// then reads EOF or EIO, as from an unplugged USB modem.
func (p *Pair) Close() error { return p.Master.Close() }
