package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"

	"faxbox/modem"
)

// Errors of faxd probe, one per thing an installer can fix.
var (
	errNoPort      = errors.New("no such port")
	errNoAnswer    = errors.New("no answer: the modem does not respond to AT commands (check power, cable and --baud)")
	errNotFaxModem = errors.New("not a fax modem: it refuses AT+FCLASS=1 (no class 1)")
)

// runProbe opens a modem, asks who it is and what it can do, and prints
// the answer as one line of JSON (modem.Info): identity, classes, class 1
// modulations and rates.
func runProbe(args []string, stdout, stderr io.Writer) error {
	fl := newFlagSet("probe", "probe --modem DEV [--baud N] [--flow rtscts|xonxoff|none] [--timeout D]", stderr)
	dev := fl.String("modem", "", "serial device of the modem, for example /dev/ttyUSB0 (required)")
	baud := fl.Int("baud", 115200, "serial speed in bit/s")
	flow := fl.String("flow", "rtscts", "flow control: rtscts, xonxoff or none")
	timeout := fl.Duration("timeout", 30*time.Second, "give up after this long")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() != 0 || *dev == "" || *baud <= 0 || *timeout <= 0 {
		fl.Usage()
		return errUsage
	}
	f, err := parseFlow(*flow)
	if err != nil {
		return err
	}
	line, err := probe(context.Background(), modem.PortConfig{Device: *dev, Baud: *baud, Flow: f}, *timeout)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", line)
	return err
}

func parseFlow(s string) (modem.Flow, error) {
	switch s {
	case "rtscts":
		return modem.FlowRTSCTS, nil
	case "xonxoff":
		return modem.FlowXONXOFF, nil
	case "none":
		return modem.FlowNone, nil
	}
	return 0, fmt.Errorf("--flow %q: want rtscts, xonxoff or none", s)
}

// probe opens the port, probes the modem within timeout and returns its
// Info as one line of JSON; errors say which of errNoPort,
// errNoAnswer or errNotFaxModem applies, when one does.
func probe(ctx context.Context, pc modem.PortConfig, timeout time.Duration) ([]byte, error) {
	// A command gets at most half the time, so that a modem that does not
	// answer shows as such before the whole probe times out.
	cfg := modem.Config{ResponseTimeout: min(5*time.Second, timeout/2)}
	m, err := modem.Open(pc, cfg)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w", pc.Device, errNoPort)
		}
		return nil, err
	}
	defer m.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	line, err := modem.ProbeJSON(ctx, m)
	switch {
	case errors.Is(err, modem.ErrNotClass1):
		return nil, fmt.Errorf("%s: %w", pc.Device, errNotFaxModem)
	case errors.Is(err, modem.ErrNotResponding), errors.Is(err, modem.ErrTimeout), errors.Is(err, modem.ErrClosed):
		return nil, fmt.Errorf("%s: %w (%v)", pc.Device, errNoAnswer, err)
	case err != nil:
		return nil, fmt.Errorf("%s: %w", pc.Device, err)
	}
	return line, nil
}
