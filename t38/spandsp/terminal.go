//go:build spandsp

package spandsp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime/cgo"
	"time"

	msp "faxbox/modem/spandsp"
	"faxbox/t38"
)

// TerminalConfig configures spandsp's T.38 terminal.
type TerminalConfig struct {
	// Fax is the T.30 side: role, file, ident, ECM, modems and
	// compressions (Dialer is not used).
	Fax msp.FaxConfig
	// Calling makes the terminal the calling party (it sends CNG and
	// waits for the called side's DIS).
	Calling bool
	// Version is the T.38 version spandsp speaks (0 to 3).
	Version int
	// MaxRate caps the image data rate (t38_set_fastest_image_data_rate);
	// 0 keeps 14400.
	MaxRate int
	// Redundancy is how many earlier packets each UDPTL datagram repeats
	// (0 to 3).
	Redundancy int
	// LogLevel, when positive, sends spandsp's log to Logf (SPAN_LOG_*).
	LogLevel int
	Logf     func(format string, args ...any)
}

// Result is the outcome of the terminal's call.
type Result struct {
	Code    msp.Code
	Pages   int
	BitRate int
	ECM     bool
	// Sent and Received count IFP packets; Recovered those of Received
	// rebuilt from redundancy.
	Sent, Received, Recovered int
}

// OK reports whether the fax went through.
func (r Result) OK() bool { return r.Code == msp.CodeOK }

// Terminal is spandsp's T.38 terminal on a UDP socket, running in real
// time on a goroutine of its own until its call ends or Close.
type Terminal struct {
	*Port
	cfg  TerminalConfig
	h    cgo.Handle
	ts   *termState
	dec  t38.Decoder
	res  Result
	done bool
	err  error
}

// tick is the terminal's time step: 20 ms, 160 samples at 8 kHz.
const (
	tick        = 20 * time.Millisecond
	tickSamples = 160
)

// StartTerminal starts spandsp's T.38 terminal on conn, talking to remote.
func StartTerminal(conn net.PacketConn, remote net.Addr, cfg TerminalConfig) (*Terminal, error) {
	t := &Terminal{Port: NewPort(conn, remote), cfg: cfg}
	if cfg.Logf != nil {
		logf = cfg.Logf
	}
	t.h = cgo.NewHandle(sink(t))
	t.ts = newTermState(t.h, cfg.Calling, cfg.Version, cfg.LogLevel)
	if t.ts == nil {
		t.h.Delete()
		return nil, errors.New("spandsp: t38_terminal_init failed")
	}
	t.ts.configure(cfg.Fax.Role == msp.Send, cfg.Fax.File, cfg.Fax.Ident, cfg.Fax.ECM,
		modemBits(cfg.Fax.Modems), compressionBits(cfg.Fax.Compressions), cfg.MaxRate)
	go t.run()
	return t, nil
}

// flagFor maps one bit of a Faxbox set to a spandsp T30_SUPPORT_* flag.
type flagFor[T ~uint8] struct {
	bit  T
	flag int
}

// spandspFlags returns the spandsp flags of the bits set in set.
func spandspFlags[T ~uint8](set T, table []flagFor[T]) int {
	var f int
	for _, e := range table {
		if set&e.bit != 0 {
			f |= e.flag
		}
	}
	return f
}

func modemBits(m msp.Modems) int {
	return spandspFlags(m, []flagFor[msp.Modems]{{msp.V27ter, supportV27ter}, {msp.V29, supportV29}, {msp.V17, supportV17}})
}

func compressionBits(c msp.Compression) int {
	return spandspFlags(c, []flagFor[msp.Compression]{{msp.MH, supportMH}, {msp.MR, supportMR}, {msp.MMR, supportMMR}})
}

// run drives spandsp: a time step every 20 ms, received datagrams as they
// come. Every call into spandsp happens here.
func (t *Terminal) run() {
	defer t.Ended()
	defer t.h.Delete()
	defer t.ts.free()
	in := make(chan []byte, 1024)
	go t.Read(in)
	tk := time.NewTicker(tick)
	defer tk.Stop()
	var tail int // time steps left after the call ended, to send its last packets
	for tail < 25 {
		select {
		case b := <-in:
			t.receive(b)
		case <-tk.C:
			if t.ts.timeout(tickSamples) != 0 && !t.done {
				t.done = true
			}
			if t.done {
				tail++
			}
		case <-t.Quit():
			if !t.done {
				t.ts.terminate()
				t.done = true
			}
			return
		}
	}
}

func (t *Terminal) receive(b []byte) {
	rs, err := t.dec.Decode(b)
	if err != nil {
		t.logf("bad UDPTL datagram: %v", err)
		return
	}
	for _, r := range rs {
		t.res.Received++
		if r.Recovered {
			t.res.Recovered++
		}
		t.ts.rx(r.IFP, r.Seq)
	}
}

func (t *Terminal) logf(format string, args ...any) {
	if t.cfg.Logf != nil {
		t.cfg.Logf(format, args...)
	}
}

// tx sends one IFP packet from spandsp, count times (spandsp's own
// repetition of indicators), each copy the same datagram.
func (t *Terminal) tx(b []byte, count int) {
	encoded, err := t.Send(b, t.cfg.Redundancy, count)
	if encoded {
		t.res.Sent++
	}
	if err != nil {
		t.logf("%v", err)
	}
}

func (t *Terminal) indicator(int)         {}
func (t *Terminal) data(int, int, []byte) {}

func (t *Terminal) phaseE(code int) {
	st := t.ts.stats()
	t.res.Code, t.res.BitRate, t.res.ECM = msp.Code(code), st.bitRate, st.ecm != 0
	if t.cfg.Fax.Role == msp.Send {
		t.res.Pages = st.pagesTx
	} else {
		t.res.Pages = st.pagesRx
	}
	t.done = true
}

// Wait returns the call's result once the terminal has finished.
func (t *Terminal) Wait(ctx context.Context) (Result, error) {
	if err := t.Await(ctx); err != nil {
		return t.res, fmt.Errorf("spandsp: T.38 terminal still running: %w", err)
	}
	return t.res, nil
}

// Close stops the terminal (T.30 is terminated if the call is still on)
// and waits for it.
func (t *Terminal) Close() {
	t.Stop()
}
