//go:build linux

package modem

import "golang.org/x/sys/unix"

// flowSetter sets flow control through a second descriptor of the tty:
// termios belong to the tty, not to the descriptor, so the port opened by
// go.bug.st/serial sees them.
type flowSetter struct {
	fd   int
	flow Flow
}

func newFlowSetter(dev string, flow Flow) (*flowSetter, error) {
	if flow == FlowNone {
		return &flowSetter{fd: -1}, nil
	}
	fd, err := unix.Open(dev, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	return &flowSetter{fd: fd, flow: flow}, nil
}

func (f *flowSetter) apply() error {
	if f.fd < 0 {
		return nil
	}
	t, err := unix.IoctlGetTermios(f.fd, unix.TCGETS)
	if err != nil {
		return err
	}
	switch f.flow {
	case FlowRTSCTS:
		t.Cflag |= unix.CRTSCTS
		t.Iflag &^= unix.IXON | unix.IXOFF | unix.IXANY
	case FlowXONXOFF:
		t.Cflag &^= unix.CRTSCTS
		t.Iflag |= unix.IXON | unix.IXOFF
		t.Iflag &^= unix.IXANY
		t.Cc[unix.VSTART] = 0x11
		t.Cc[unix.VSTOP] = 0x13
	}
	return unix.IoctlSetTermios(f.fd, unix.TCSETS, t)
}

func (f *flowSetter) close() {
	if f.fd >= 0 {
		unix.Close(f.fd)
		f.fd = -1
	}
}
