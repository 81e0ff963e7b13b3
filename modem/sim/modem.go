package sim

import (
	"errors"
	"io"
	"sync"
)

// Config describes one simulated modem. The zero value is a V.17 modem
// that identifies itself as "Faxbox".
type Config struct {
	// Number and Name are what the far end's caller ID shows when this
	// modem dials.
	Number, Name string
	// Manufacturer, Model and Revision answer AT+FMI?, AT+FMM? and
	// AT+FMR?; defaults "Faxbox", "Simulated class 1 modem", "1.0".
	Manufacturer, Model, Revision string
	// NoIdentity makes AT+FMI?, AT+FMM? and AT+FMR? answer ERROR, as
	// many data/fax modems do.
	NoIdentity bool
	// Modulations are the T.31 codes offered by AT+FTM and AT+FRM; nil
	// means all of T.31 Table 1 (V.27ter, V.29, V.17).
	Modulations []int
	// Classes answers AT+FCLASS=?; default "0,1,1.0".
	Classes string
	// TxBuffer is how many data bytes the transmitter holds before it
	// stops reading from the DTE (flow control); default 1024.
	TxBuffer int
}

// Modem is a simulated class 1 (T.31) fax modem at one end of a Line.
// Attach a DTE with Conn (in-process) or Serve (a pty master); one of them,
// once.
type Modem struct {
	line *Line
	side Side
	cfg  Config

	rx   chan event       // from the line
	ctl  chan func(*core) // from the test
	dead chan struct{}    // closed when the core stops
	quit chan struct{}    // closed by stop

	startOnce sync.Once
	stopOnce  sync.Once
}

// New returns a modem on a line of its own with nothing at the other end:
// dialling gives NO DIALTONE. Close it with Close.
func New(cfg Config) *Modem {
	return NewLine(LineConfig{NoDialTone: true}, cfg, Config{}).A()
}

func newModem(l *Line, side Side, cfg Config) *Modem {
	if cfg.Manufacturer == "" {
		cfg.Manufacturer = "Faxbox"
	}
	if cfg.Model == "" {
		cfg.Model = "Simulated class 1 modem"
	}
	if cfg.Revision == "" {
		cfg.Revision = "1.0"
	}
	if cfg.Modulations == nil {
		cfg.Modulations = []int{24, 48, 72, 73, 74, 96, 97, 98, 121, 122, 145, 146}
	}
	if cfg.Classes == "" {
		cfg.Classes = "0,1,1.0"
	}
	if cfg.TxBuffer == 0 {
		cfg.TxBuffer = 1024
	}
	return &Modem{
		line: l,
		side: side,
		cfg:  cfg,
		rx:   make(chan event, 4096),
		ctl:  make(chan func(*core), 16),
		dead: make(chan struct{}),
		quit: make(chan struct{}),
	}
}

// Line returns the line the modem is on.
func (m *Modem) Line() *Line { return m.line }

// errStarted reports a second Conn or Serve.
var errStarted = errors.New("sim: modem already has a DTE")

// Conn starts the modem and returns the DTE's end of its serial line, as
// an io.ReadWriteCloser with a bounded buffer each way (writes block when
// the modem's buffer is full, like hardware flow control). It also has
// SetDTR(bool) error: dropping DTR hangs up. Closing it stops the modem.
func (m *Modem) Conn() io.ReadWriteCloser {
	c := &conn{m: m, in: newPipe(64 << 10), out: newPipe(4 << 10)}
	if !m.start(c.out, c.in) {
		panic(errStarted)
	}
	return c
}

// Serve runs the modem on rw, typically the master side of a pty whose
// slave the driver opens, until rw fails or the line is closed. It returns
// the error that ended it, nil after Close.
func (m *Modem) Serve(rw io.ReadWriter) error {
	done := make(chan error, 1)
	if !m.startFunc(rw, writerFunc(func(p []byte) (int, error) { return rw.Write(p) }), done) {
		return errStarted
	}
	select {
	case err := <-done:
		return err
	case <-m.quit:
		<-m.dead
		return nil
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

type pipeWriter struct{ p *pipe }

func (w pipeWriter) Write(b []byte) (int, error) { return w.p.Write(b) }

func (m *Modem) start(from *pipe, to *pipe) bool {
	return m.startFunc(from, pipeWriter{to}, nil)
}

// startFunc starts the DTE reader and the core.
func (m *Modem) startFunc(r io.Reader, w io.Writer, done chan error) bool {
	ok := false
	m.startOnce.Do(func() {
		ok = true
		in := make(chan []byte)
		go func() {
			defer close(in)
			for {
				b := make([]byte, 512)
				n, err := r.Read(b)
				if n > 0 {
					select {
					case in <- b[:n]:
					case <-m.dead:
						return
					}
				}
				if err != nil {
					if done != nil {
						done <- err
					}
					return
				}
			}
		}()
		k := newCore(m, in, w)
		go k.run()
	})
	return ok
}

// Close stops the modem's line and both its modems.
func (m *Modem) Close() error { return m.line.Close() }

// stop ends the core; it is called by Line.Close.
func (m *Modem) stop() {
	m.stopOnce.Do(func() { close(m.quit) })
}

// deliver hands a line event to the core, dropping it if the core has
// stopped (or never started: nobody is there to hear it).
func (m *Modem) deliver(ev event) {
	select {
	case m.rx <- ev:
	case <-m.dead:
	case <-m.line.quit:
	}
}

// control runs f on the core's goroutine.
func (m *Modem) control(f func(*core)) {
	select {
	case m.ctl <- f:
	case <-m.dead:
	case <-m.quit:
	}
}

// Freeze makes the modem stop responding: it ignores the DTE and sends
// nothing more, as a hung modem does.
func (m *Modem) Freeze() { m.control(func(k *core) { k.frozen = true }) }

// Garbage sends b to the DTE now, as line noise on the serial cable or a
// confused modem would.
func (m *Modem) Garbage(b []byte) {
	b = append([]byte(nil), b...)
	m.control(func(k *core) { k.write(b) })
}

// Underruns returns how many 20 ms ticks of high-speed transmission found
// the transmit buffer empty before the DTE ended the data: a DTE that
// feeds the modem fast enough causes none.
func (m *Modem) Underruns() int {
	r := make(chan int, 1)
	m.control(func(k *core) { r <- k.underruns })
	select {
	case n := <-r:
		return n
	case <-m.dead:
		return -1
	}
}
