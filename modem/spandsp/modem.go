//go:build spandsp

package spandsp

import (
	"errors"
	"fmt"
	"os"
	"runtime/cgo"
	"strconv"
	"time"

	"faxbox/internal/pty"
)

const (
	dle = 0x10
	etx = 0x03
	// maxPiece bounds one t31_at_rx call, so that a modem that raises flow
	// control (at 3072 of its 4096 buffered bytes) is never overrun.
	maxPiece = 256
)

// modem is a spandsp T.31 modem whose DTE side is a pseudo-terminal.
type modem struct {
	l   *Line
	idx int
	pty *pty.Pair
	t   *t31

	in       chan []byte // from the reader goroutine
	outCh    chan []byte // to the writer goroutine
	pending  []byte      // DTE bytes not yet given to the modem
	afterDLE bool        // the last byte given was an unpaired DLE
	held     bool        // the modem dropped CTS
	out      []byte      // modem output gathered during one spandsp call
}

func newModem(l *Line, idx int) (*modem, error) {
	p, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("spandsp: %w", err)
	}
	m := &modem{l: l, idx: idx, pty: p}
	h := cgo.NewHandle(m)
	l.handles = append(l.handles, h)
	m.t = newT31(h, l.opts.LogLevel, strconv.FormatUint(uint64(h), 10))
	if m.t == nil {
		p.Close()
		return nil, errors.New("spandsp: t31_init failed")
	}
	return m, nil
}

func (m *modem) name() string { return fmt.Sprintf("modem%d", m.idx) }

func (m *modem) logSpandsp(s string) { m.l.logf("%s: %s", m.name(), s) }

func (m *modem) startIO(done <-chan struct{}) {
	m.in = make(chan []byte)
	m.outCh = make(chan []byte, 1024)
	go m.readLoop(done)
	go m.writeLoop(done)
}

func (m *modem) readLoop(done <-chan struct{}) {
	buf := make([]byte, 4096)
	for {
		n, err := m.pty.Master.Read(buf)
		if n > 0 {
			b := append([]byte(nil), buf[:n]...)
			select {
			case m.in <- b:
			case <-done:
				return
			}
		}
		if err != nil {
			if errors.Is(err, os.ErrClosed) {
				return
			}
			// EIO: no one has the slave open, yet or any more.
			select {
			case <-time.After(blockDur):
			case <-done:
				return
			}
		}
	}
}

func (m *modem) writeLoop(done <-chan struct{}) {
	for {
		select {
		case b := <-m.outCh:
			// Errors (no one has the slave open) lose the bytes, as a
			// serial line with nothing attached does.
			m.pty.Master.Write(b)
		case <-done:
			return
		}
	}
}

// ready reports whether the modem takes more DTE bytes now.
func (m *modem) ready() bool { return !m.held && len(m.pending) == 0 }

func (m *modem) feed(b []byte) {
	m.pending = append(m.pending, b...)
	m.drain()
}

// drain gives pending DTE bytes to the modem until it drops CTS. spandsp
// 0.0.6 discards whatever follows DLE ETX within one t31_at_rx call, so input
// is split after each DLE ETX.
func (m *modem) drain() {
	for len(m.pending) > 0 && !m.held {
		n := m.piece()
		m.t.atRx(m.pending[:n])
		m.pending = m.pending[n:]
	}
	if len(m.pending) == 0 {
		m.pending = nil
	}
}

// piece returns the length of the next piece of pending input: up to and
// including the next DLE ETX, at most maxPiece bytes.
func (m *modem) piece() int {
	n := min(len(m.pending), maxPiece)
	for i, c := range m.pending[:n] {
		if m.afterDLE {
			m.afterDLE = false
			if c == etx {
				return i + 1
			}
			continue
		}
		m.afterDLE = c == dle
	}
	return n
}

// flush hands the modem's output to the writer goroutine.
func (m *modem) flush() {
	if len(m.out) > 0 {
		m.outCh <- m.out
		m.out = nil
	}
}

// control handles spandsp's modem control requests (from inside a spandsp
// call: call events are deferred).
func (m *modem) control(op, arg int, num string) {
	l := m.l
	switch op {
	case opCall:
		l.after(0, func() { l.dial(m.idx, num) })
	case opAnswer:
		l.after(0, func() { l.answer(m.idx) })
	case opHangup, opOnHook:
		l.after(0, func() { l.hangup(m.idx) })
	case opCTS:
		m.held = arg == 0
		l.logf("%s: CTS %s", m.name(), map[bool]string{true: "off", false: "on"}[m.held])
	}
}

func (m *modem) tx(amp []int16) {
	n := m.t.tx(amp)
	clear(amp[max(n, 0):])
}

func (m *modem) rx(amp []int16) { m.t.rx(amp) }
func (m *modem) ring()          { m.t.callEvent(evAlerting) }
func (m *modem) answered()      { m.t.callEvent(evAnswered) }
func (m *modem) connected()     { m.t.callEvent(evConnected) }
func (m *modem) busy()          { m.t.callEvent(evBusy) }
func (m *modem) noAnswer()      { m.t.callEvent(evNoAnswer) }
func (m *modem) hangup()        { m.t.callEvent(evHangup) }

func (m *modem) free() {
	if m.t != nil {
		m.t.free()
		m.t = nil
	}
	m.pty.Close()
}
