//go:build spandsp

package spandsp

import (
	"bytes"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	faxmodem "faxbox/modem"
)

// dte plays the DTE: it speaks raw AT commands to a modem's pty slave.
type dte struct {
	t    testing.TB
	name string
	f    *os.File
	buf  []byte // read, not yet consumed
	cr   bool   // the last line ended with CR: drop a LF that follows
}

// dropLF drops the LF of a CR LF whose CR ended the last line.
func (d *dte) dropLF() {
	if d.cr && len(d.buf) > 0 {
		if d.buf[0] == '\n' {
			d.buf = d.buf[1:]
		}
		d.cr = false
	}
}

func openDTE(t testing.TB, name, path string) *dte {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return &dte{t: t, name: name, f: f}
}

// fatalf fails the test and ends the DTE's script; scripts run in their own
// goroutines (see run), so this is Errorf plus Goexit, not Fatalf.
func (d *dte) fatalf(format string, args ...any) {
	d.t.Helper()
	d.t.Errorf(format, args...)
	runtime.Goexit()
}

// run runs DTE scripts concurrently and waits for all of them.
func run(t testing.TB, scripts ...func()) {
	t.Helper()
	var wg sync.WaitGroup
	for _, f := range scripts {
		wg.Go(f)
	}
	wg.Wait()
}

func (d *dte) write(b []byte) {
	d.t.Helper()
	if _, err := d.f.Write(b); err != nil {
		d.fatalf("%s: write: %v", d.name, err)
	}
}

func (d *dte) send(cmd string) {
	d.t.Helper()
	d.t.Logf("%s <- %s", d.name, cmd)
	d.write([]byte(cmd + "\r"))
}

// fill reads more bytes into buf before the deadline.
func (d *dte) fill(deadline time.Time) error {
	if err := d.f.SetReadDeadline(deadline); err != nil {
		return err
	}
	var b [4096]byte
	n, err := d.f.Read(b[:])
	d.buf = append(d.buf, b[:n]...)
	if n > 0 {
		return nil
	}
	return err
}

// line returns the next non-empty response line.
func (d *dte) line(timeout time.Duration) string {
	d.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for {
			d.dropLF()
			i := bytes.IndexAny(d.buf, "\r\n")
			if i < 0 {
				break
			}
			s := string(d.buf[:i])
			d.cr = d.buf[i] == '\r'
			d.buf = d.buf[i+1:]
			if s != "" {
				d.t.Logf("%s -> %s", d.name, s)
				return s
			}
		}
		if err := d.fill(deadline); err != nil {
			d.fatalf("%s: waiting for a response (have %q): %v", d.name, d.buf, err)
		}
	}
}

// expect reads lines until want; other lines are logged, but a final result
// code other than want fails.
func (d *dte) expect(want string, timeout time.Duration) []string {
	d.t.Helper()
	var info []string
	for {
		s := d.line(timeout)
		if s == want {
			return info
		}
		switch s {
		case "OK", "ERROR", "CONNECT", "NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE", "+FCERROR":
			d.fatalf("%s: got %q, want %q", d.name, s, want)
		}
		info = append(info, s)
	}
}

// cmd sends a command and expects its result code.
func (d *dte) cmd(cmd, want string) []string {
	d.t.Helper()
	d.send(cmd)
	return d.expect(want, 5*time.Second)
}

// data reads DLE-stuffed data up to DLE ETX and returns it unstuffed.
func (d *dte) data(timeout time.Duration) []byte {
	d.t.Helper()
	deadline := time.Now().Add(timeout)
	var out []byte
	i := 0
	for {
		d.dropLF()
		for ; i < len(d.buf); i++ {
			c := d.buf[i]
			if c != dle {
				out = append(out, c)
				continue
			}
			if i+1 >= len(d.buf) {
				break
			}
			i++
			switch d.buf[i] {
			case etx:
				d.buf = d.buf[i+1:]
				return out
			case dle:
				out = append(out, dle)
			default:
				d.t.Logf("%s: DLE %#02x in data", d.name, d.buf[i])
			}
		}
		if err := d.fill(deadline); err != nil {
			d.fatalf("%s: reading data (%d bytes so far): %v", d.name, len(out), err)
		}
	}
}

// sendData writes b DLE-stuffed and ends it with DLE ETX.
func (d *dte) sendData(b []byte) {
	d.t.Helper()
	d.write(stuff(b))
}

func stuff(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/64+2)
	for _, c := range b {
		if c == dle {
			out = append(out, dle)
		}
		out = append(out, c)
	}
	return append(out, dle, etx)
}

// sendFrame sends one HDLC frame after CONNECT and expects want (CONNECT
// for a non-final frame, OK after the final one).
func (d *dte) sendFrame(frame []byte, want string) {
	d.t.Helper()
	d.t.Logf("%s <- frame % x", d.name, frame)
	d.sendData(frame)
	d.expect(want, 10*time.Second)
}

// recvFrame reads one HDLC frame after CONNECT; it checks the FCS that
// spandsp appends and the result code, and returns the frame without FCS.
func (d *dte) recvFrame(timeout time.Duration) []byte {
	d.t.Helper()
	b := d.data(timeout)
	res := d.line(5 * time.Second)
	if res != "OK" {
		d.fatalf("%s: frame % x ended with %q", d.name, b, res)
	}
	if len(b) < 3 {
		d.fatalf("%s: short frame % x", d.name, b)
	}
	f, fcs := b[:len(b)-2], b[len(b)-2:]
	want := faxmodem.FCS(f)
	if got := uint16(fcs[0]) | uint16(fcs[1])<<8; got != want {
		d.fatalf("%s: frame % x: FCS %#04x, want %#04x", d.name, b, got, want)
	}
	d.t.Logf("%s -> frame % x", d.name, f)
	return f
}

func (d *dte) init() {
	d.t.Helper()
	d.cmd("ATE0", "OK")
	d.cmd("ATZ", "OK")
	d.cmd("ATE0", "OK")
	d.cmd("AT+FCLASS=1", "OK")
}
