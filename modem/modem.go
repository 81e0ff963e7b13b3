package modem

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// Config holds the driver settings. The zero value works.
type Config struct {
	// Init lists extra commands sent after AT+FCLASS=1 by Reset, after the
	// quirks' own (for example "AT&K3" or "ATS7=60").
	Init []string
	// ResponseTimeout bounds the wait for the result of a command that the
	// modem answers by itself; T.31 8.3.5 allows 5 s, the default.
	ResponseTimeout time.Duration
	// WaitTimeout bounds waits for the remote side (dial, answer, carrier,
	// frames, data) when the context has no deadline; default 90 s.
	WaitTimeout time.Duration
	// Pulse selects pulse dialling (ATDP) instead of tone (ATDT).
	Pulse bool
	// CallerID asks the modem to report caller ID (AT+VCID=1) on Reset;
	// modems that refuse it are tolerated.
	CallerID bool
	// ValidateFCS makes ReceiveFrame check the FCS the modem passes on
	// after each frame, for modems that say OK for damaged frames.
	ValidateFCS bool
	// WireLog, if not nil, receives every byte to and from the modem.
	WireLog *WireLog
	// Quirks, if not nil, replaces the quirks looked up by identity.
	Quirks *Quirks
}

func (c *Config) responseTimeout() time.Duration {
	if c.ResponseTimeout > 0 {
		return c.ResponseTimeout
	}
	return 5 * time.Second
}

func (c *Config) waitTimeout() time.Duration {
	if c.WaitTimeout > 0 {
		return c.WaitTimeout
	}
	return 90 * time.Second
}

// DTRSetter is implemented by ports that can drive the DTR line, such as
// go.bug.st/serial's Port. HangUp drops DTR when the port has it.
type DTRSetter interface {
	SetDTR(dtr bool) error
}

// state is what the modem does between calls of the driver: the T.31
// command state, or a data state left open by the previous operation.
type state uint8

const (
	stCommand state = iota // command state: the next operation sends an AT command
	stHDLCRx               // CONNECT seen after ATD: the first frame follows
	stHDLCTx               // CONNECT seen after ATA or a non-final frame: send a frame
)

const (
	nbufs   = 4    // read buffers in flight between reader and caller
	bufSize = 4096 // bytes per read buffer
	chunk   = 1024 // data bytes stuffed per write
	maxLine = 512  // longest response line kept
)

// Modem is a class 1 (ITU-T T.31) fax modem on a byte stream. One
// goroutine reads the stream; every operation takes a context and ends at
// its deadline. A Modem is not safe for concurrent use, except Close,
// which may be called at any time from any goroutine and makes pending and
// later operations fail with ErrClosed.
type Modem struct {
	rw     io.ReadWriteCloser
	cfg    Config
	quirks Quirks
	ident  *Identity // cached by Reset or Probe
	log    *WireLog

	chunks chan []byte   // filled by readLoop; closed when it ends
	free   chan []byte   // empty buffers for readLoop
	done   chan struct{} // closed by Close
	rerr   error         // why readLoop ended; read after chunks is closed

	cur    []byte // buffer being consumed, returned to free when empty
	pend   []byte // unconsumed bytes of cur
	line   []byte // line being assembled
	wbuf   []byte // stuffed output
	rbuf   []byte // input of SendData / output of ReceiveData
	timer  *time.Timer
	timing bool // timer is armed for the current operation
	st     state

	rings    int       // RINGs seen and not yet returned by WaitRing
	ringSeq  int       // rings of the current incoming call
	lastRing time.Time // when the last RING came
	cid      CallerID  // caller ID of the current incoming call

	closeOnce sync.Once
	closeErr  error
}

// New returns a driver for the modem at the other end of rw and starts its
// reader goroutine. It sends nothing; call Reset or Probe next. Close
// closes rw.
func New(rw io.ReadWriteCloser, cfg Config) *Modem {
	m := &Modem{
		rw:     rw,
		cfg:    cfg,
		log:    cfg.WireLog,
		chunks: make(chan []byte, nbufs),
		free:   make(chan []byte, nbufs),
		done:   make(chan struct{}),
		line:   make([]byte, 0, maxLine),
		wbuf:   make([]byte, 0, 2*chunk+8),
		rbuf:   make([]byte, bufSize),
		timer:  time.NewTimer(time.Hour),
	}
	m.timer.Stop()
	if cfg.Quirks != nil {
		m.quirks = *cfg.Quirks
	}
	for range nbufs {
		m.free <- make([]byte, bufSize)
	}
	go m.readLoop()
	return m
}

// Close closes the port, which ends the reader goroutine and makes every
// pending operation return ErrClosed. It does not hang up: call HangUp
// first.
func (m *Modem) Close() error {
	m.closeOnce.Do(func() {
		close(m.done)
		m.closeErr = m.rw.Close()
	})
	return m.closeErr
}

// readLoop is the only reader of m.rw. It has no read timeout: deadlines
// live in the operations, and Close unblocks Read.
func (m *Modem) readLoop() {
	defer close(m.chunks)
	for {
		var b []byte
		select {
		case b = <-m.free:
		case <-m.done:
			return
		}
		n, err := m.rw.Read(b[:cap(b)])
		if n > 0 {
			m.log.Log(FromModem, b[:n])
			select {
			case m.chunks <- b[:n]:
			case <-m.done:
				return
			}
		} else {
			m.free <- b
		}
		if err != nil {
			m.rerr = err
			return
		}
	}
}

// errWait is returned by fill when the operation's own timer fired.
var errWait = errors.New("modem: wait timer")

// fill makes m.pend non-empty, waiting at most until ctx ends or the
// operation timer (started by the caller) fires.
func (m *Modem) fill(ctx context.Context) error {
	if len(m.pend) > 0 {
		return nil
	}
	if m.cur != nil {
		m.free <- m.cur
		m.cur = nil
	}
	select {
	case b, ok := <-m.chunks:
		if !ok {
			return m.readErr()
		}
		m.cur, m.pend = b, b
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-m.timerC():
		return errWait
	case <-m.done:
		return ErrClosed
	}
}

func (m *Modem) readErr() error {
	select {
	case <-m.done:
		return ErrClosed
	default:
	}
	if m.rerr == nil || m.rerr == io.EOF {
		return ErrClosed
	}
	return fmt.Errorf("%w: read: %w", ErrGone, m.rerr)
}

// startTimer (re)arms the operation timer; stopTimer disarms it. With
// Go 1.23 timers, neither leaves a stale tick in the channel.
func (m *Modem) startTimer(d time.Duration) {
	m.timer.Reset(d)
	m.timing = true
}

func (m *Modem) stopTimer() {
	m.timer.Stop()
	m.timing = false
}

func (m *Modem) timerC() <-chan time.Time {
	if m.timing {
		return m.timer.C
	}
	return nil
}

// readLine returns the next non-empty line, without CR and LF, in a buffer
// valid until the next read. Lines end at LF; overlong lines are cut.
func (m *Modem) readLine(ctx context.Context) ([]byte, error) {
	m.line = m.line[:0]
	for {
		if err := m.fill(ctx); err != nil {
			return nil, err
		}
		for i, c := range m.pend {
			switch {
			case len(m.line) == maxLine:
				m.pend = m.pend[i:]
				return m.line, nil
			case c == '\n':
				if len(m.line) == 0 {
					continue
				}
				m.pend = m.pend[i+1:]
				return m.line, nil
			case c != '\r':
				m.line = append(m.line, c)
			}
		}
		m.pend = m.pend[:0]
	}
}

// flush consumes input that is already waiting (stale results, echoes,
// unsolicited RING and caller ID lines) before a new command.
func (m *Modem) flush() {
	for {
		if len(m.pend) == 0 {
			if m.cur != nil {
				m.free <- m.cur
				m.cur = nil
			}
			select {
			case b, ok := <-m.chunks:
				if !ok {
					return
				}
				m.cur, m.pend = b, b
			default:
				m.line = m.line[:0]
				return
			}
		}
		for _, c := range m.pend {
			if c == '\n' || len(m.line) == maxLine {
				m.unsolicited(m.line)
				m.line = m.line[:0]
				continue
			}
			if c != '\r' {
				m.line = append(m.line, c)
			}
		}
		m.pend = m.pend[:0]
	}
}

// unsolicited handles a line that came outside a command: RING and caller
// ID are kept for WaitRing, anything else is dropped (it is in the log).
func (m *Modem) unsolicited(line []byte) {
	if len(line) == 0 {
		return
	}
	if ParseResult(line) == CodeRing {
		m.ring()
		return
	}
	parseCallerID(line, &m.cid)
}

func (m *Modem) ring() {
	now := time.Now()
	if m.ringSeq > 0 && now.Sub(m.lastRing) > ringGap {
		m.ringSeq, m.cid = 0, CallerID{}
	}
	m.ringSeq++
	m.rings++
	m.lastRing = now
}

// ringGap is the longest pause between two RINGs of one call: the US
// cadence repeats every 6 s, most others faster.
const ringGap = 10 * time.Second

// write sends p in one Write call and logs it.
func (m *Modem) write(p []byte) error {
	select {
	case <-m.done:
		return ErrClosed
	default:
	}
	m.log.Log(ToModem, p)
	if _, err := m.rw.Write(p); err != nil {
		select {
		case <-m.done:
			return ErrClosed
		default:
		}
		return fmt.Errorf("%w: write: %w", ErrGone, err)
	}
	return nil
}
