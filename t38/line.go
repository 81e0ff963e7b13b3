package t38

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"faxbox/modem"
)

// Redundancy is how many earlier IFP packets each UDPTL datagram repeats
// (T.38 clause 9.1), by the kind of its primary packet: gateways commonly
// protect indicators and control (V.21) data most, image data least.
type Redundancy struct {
	Indicator, Control, Image int // each 0 to 3
}

// DefaultRedundancy is 3 for indicators and V.21 control data, 2 for
// image data.
var DefaultRedundancy = Redundancy{Indicator: 3, Control: 3, Image: 2}

// Config configures a Line.
type Config struct {
	// Params are the session's negotiated T.38 parameters.
	Params Params
	// V0Corrigendum makes a version 0 session use the corrigendum's
	// ASN.1 (T.38 Annex A.1) rather than the 1998 notation (Annex A.2,
	// see Syntax). Version 0 equipment speaks either; the 1998 one is the
	// default here as in spandsp (and so FreeSWITCH's and Asterisk's
	// spandsp-based fax) and in Wireshark. Ignored in later versions.
	V0Corrigendum bool
	// Redundancy applies when Params.ErrorCorrection is ECRedundancy; nil
	// means DefaultRedundancy.
	Redundancy *Redundancy
	// NoPacing sends data as fast as the socket takes it instead of at the
	// modulation's bit rate, for a far end that is a T.38 terminal rather
	// than a gateway with a modem behind it.
	NoPacing bool
	// Logger receives debug records; nil discards them.
	Logger *slog.Logger
	// Trace, when set, is called with every IFP packet sent and received
	// (from several goroutines, one at a time).
	Trace func(TraceEntry)
}

// TraceEntry is one IFP packet for a call's trace.
type TraceEntry struct {
	At        time.Time
	Sent      bool
	Seq       uint16
	Packet    Packet
	Recovered bool // rebuilt from redundancy or parity
}

// Line is one T.38 session seen as a fax modem: it implements the
// t30.Modem interface over UDPTL, so that the T.30 engine runs over IP as
// it runs over a class 1 modem. Its methods are for one goroutine (the
// call's); a goroutine of its own reads the socket until HangUp.
type Line struct {
	conn   net.PacketConn
	remote net.Addr
	cfg    Config
	syn    Syntax
	red    Redundancy
	log    *slog.Logger

	txMu  sync.Mutex
	enc   Encoder
	trace sync.Mutex // serialises cfg.Trace

	rx       chan rxEvent
	back     []rxEvent // events pushed back by the call's goroutine
	quiet    *quietTracker
	done     chan struct{}
	readDone chan struct{}
	stopOnce sync.Once
	readErr  error // set before readDone closes

	// Transmit state, the call's goroutine only.
	v21On      bool
	v21Since   time.Time
	lastInd    Indicator
	indSent    bool
	fcsInFrame bool // the peer puts the FCS in hdlc-data (a known quirk)

	// The V.21 frame being received, kept across ReceiveFrame calls.
	rxFrame    []byte
	rxDamaged  bool
	rxInSignal bool
	stats      LineStats
	statsMu    sync.Mutex
}

// LineStats counts what a Line did, for the call's trace and metrics.
type LineStats struct {
	Sent, Received, Recovered, Lost, Malformed, Dropped, Foreign int
}

// rxQueue bounds the events waiting for the call's goroutine: a peer
// flooding the socket loses packets, not memory.
const rxQueue = 4096

// NewLine starts a T.38 session on conn, a bound UDP socket, with the far
// end at remote. The Line reads conn until HangUp; it never closes it.
func NewLine(conn net.PacketConn, remote net.Addr, cfg Config) (*Line, error) {
	if err := cfg.Params.Validate(); err != nil {
		return nil, err
	}
	red := DefaultRedundancy
	if cfg.Redundancy != nil {
		red = *cfg.Redundancy
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	l := &Line{
		conn: conn, remote: remote, cfg: cfg, red: red, log: lg,
		syn:      Syntax{Version: cfg.Params.Version, PreCorrigendum: !cfg.V0Corrigendum},
		enc:      Encoder{Mode: cfg.Params.ErrorCorrection, MaxDatagram: cfg.Params.MaxDatagram},
		rx:       make(chan rxEvent, rxQueue),
		quiet:    newQuietTracker(),
		done:     make(chan struct{}),
		readDone: make(chan struct{}),
	}
	go l.readLoop()
	return l, nil
}

// Modulations returns the modulations the session allows, those up to
// its T38MaxBitRate (Params.Modulations): the T.30 engine asks once the
// call is up and offers or uses no faster one.
func (l *Line) Modulations() []modem.Modulation { return l.cfg.Params.Modulations() }

// Stats returns the counts so far.
func (l *Line) Stats() LineStats {
	l.statsMu.Lock()
	defer l.statsMu.Unlock()
	return l.stats
}

func (l *Line) count(f func(*LineStats)) {
	l.statsMu.Lock()
	f(&l.stats)
	l.statsMu.Unlock()
}

func (l *Line) traceIt(e TraceEntry) {
	if l.cfg.Trace == nil {
		return
	}
	l.trace.Lock()
	defer l.trace.Unlock()
	l.cfg.Trace(e)
}

// errLineClosed is returned by a Line's methods after HangUp or when its
// socket failed; it matches modem.ErrNoCarrier, so the T.30 engine takes
// it as the call gone.
var errLineClosed = fmt.Errorf("%w (T.38 session ended)", modem.ErrNoCarrier)

func (l *Line) closedErr() error {
	select {
	case <-l.readDone:
		if l.readErr != nil {
			return &ClosedError{Err: errors.Join(errLineClosed, l.readErr)}
		}
	default:
	}
	return &ClosedError{Err: errLineClosed}
}

// HangUp ends the session: it tells the far end there is no signal and
// stops reading the socket. It does not close the socket, which the SIP
// side owns. Calling it again does nothing.
func (l *Line) HangUp(ctx context.Context) error {
	var err error
	l.stopOnce.Do(func() {
		if !l.indSent || l.lastInd != NoSignal {
			err = l.sendIndicator(NoSignal)
		}
		close(l.done)
		_ = l.conn.SetReadDeadline(time.Now())
		select {
		case <-l.readDone:
		case <-ctx.Done():
		}
	})
	return err
}

// sleep waits d or until ctx ends or the line closes.
func (l *Line) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return timeoutErr(ctx)
	case <-l.done:
		return l.closedErr()
	}
}

// timeoutErr is the error for a context that ended: modem.ErrTimeout
// (and the context's own error) as the modem driver reports it.
func timeoutErr(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return ctx.Err()
	}
	return fmt.Errorf("t38: %w: %w", modem.ErrTimeout, ctx.Err())
}
