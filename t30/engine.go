package t30

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"faxbox/modem"
	"faxbox/pages"
)

// Modem is what a call needs of a class 1 modem (ITU-T T.31). The driver
// in package modem implements it; tests may use anything that speaks the
// same way.
type Modem interface {
	Dial(ctx context.Context, number string) error
	Answer(ctx context.Context) error
	HangUp(ctx context.Context) error
	SendFrame(ctx context.Context, frame []byte, final bool) error
	ReceiveFrame(ctx context.Context, buf []byte) ([]byte, error)
	SendData(ctx context.Context, mod modem.Modulation, r io.Reader) (int64, error)
	ReceiveData(ctx context.Context, mod modem.Modulation, w io.Writer) (int64, error)
	Silence(ctx context.Context, d time.Duration) error
	WaitSilence(ctx context.Context, d time.Duration) error
}

// Document is the pages a sender sends, in order. Page may render or read
// each page when asked, so a long document need not sit in memory.
type Document interface {
	Len() int
	Page(i int) (*pages.Page, error)
}

// Pages is a Document held in memory.
type Pages []*pages.Page

// Len implements Document.
func (p Pages) Len() int { return len(p) }

// Page implements Document.
func (p Pages) Page(i int) (*pages.Page, error) { return p[i], nil }

// ReceivedPage is a page the called station received and confirmed.
type ReceivedPage struct {
	Number int // 1-based
	Page   *pages.Page
	Stats  pages.Stats
	Params Params // the DCS it was sent under
}

// Options configure a call. The zero value sends and receives at up to
// 14400 bit/s, in error correction mode with MMR when the other end has
// them, else with MR.
type Options struct {
	// Ident is this station's identification (TSI or CSI), up to 20
	// characters of digits, spaces and '+'.
	Ident string
	// MaxRate caps the bit rate (0: 14400).
	MaxRate int
	// NoMR disables two-dimensional coding (T.4 MR).
	NoMR bool
	// NoECM disables error correction mode (T.30 Annex A), and with it
	// MMR.
	NoECM bool
	// NoMMR disables T.6 coding in ECM.
	NoMMR bool
	// Modulations lists what the local modem can do (modem Capabilities);
	// nil means every class 1 rate.
	Modulations []modem.Modulation
	// OnEvent receives the call's events in order, on the call's goroutine.
	// It must return quickly.
	OnEvent func(Event)
	// OnPage receives each page the called station confirmed, before the
	// confirmation goes out; an error makes the station answer RTN (the
	// sender will send the page again) and is logged.
	OnPage func(ReceivedPage) error
	// Logger receives the protocol trace (frames, states); nil discards it.
	Logger *slog.Logger
	// MaxDuration, when positive, limits the call from the moment it is
	// connected: then the call ends at once, cleanly (DCN, hang-up), with
	// ReasonTimeLimit, and only the pages confirmed before count. The
	// DCN and hang-up that follow take up to HangUpMargin more, which the
	// daemon leaves out of the credit it turns into a limit, so that a
	// call never costs more than the credit available.
	MaxDuration time.Duration
}

// HangUpMargin bounds the time a call takes to end after MaxDuration:
// the DCN and the modem's hang-up.
const HangUpMargin = hangupTimeout

// ErrTimeLimit is the cause of a call ended by Options.MaxDuration.
var ErrTimeLimit = errors.New("t30: the call reached its time limit")

// limit returns ctx bounded by MaxDuration from the connection, once the
// call is connected; the returned function releases it.
func (c *call) limit(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.o.MaxDuration <= 0 || c.connectedAt.IsZero() {
		return ctx, func() {}
	}
	return context.WithDeadlineCause(ctx, c.connectedAt.Add(c.o.MaxDuration), ErrTimeLimit)
}

// ended reports why ctx ended: the time limit or a cancellation.
func ended(ctx context.Context) Reason {
	if errors.Is(context.Cause(ctx), ErrTimeLimit) {
		return ReasonTimeLimit
	}
	return ReasonCancelled
}

// T.30 timers (T.30 5.4.3.2 and Annex A).
const (
	timerT1 = 35 * time.Second // to identify the remote station
	timerT2 = 6 * time.Second  // for a command
	timerT4 = 3 * time.Second  // for a response
	// frameAllowance is added to T2 and T4 so that a frame that starts in
	// time can be received whole: a preamble of 1 s and up to about 2 s of
	// V.21 octets.
	frameAllowance = 3 * time.Second
	// commandWait is how long the called station listens for the caller's
	// command before repeating DIS: longer than the caller's own repetition
	// cycle (DCS, TCF with training, then T4 for our answer, about 10 s),
	// so that when a DCS is lost the caller repeats it into a listening
	// receiver instead of the two talking over each other.
	commandWait = timerT2 + timerT4 + frameAllowance
	// silence is the pause between V.21 and high-speed signals (T.30
	// 5.3.2.4: 75 ms ±20 ms), made with +FTS as HylaFAX does.
	silence = 75 * time.Millisecond
	// hangupTimeout bounds the last DCN and hang-up of a call that ends.
	hangupTimeout = 10 * time.Second
	// maxTries is how often a command is repeated without an answer (T.30
	// 5.4.3.1: three times).
	maxTries = 3
	// retryPause separates attempts to receive a frame after +FCERROR or
	// a carrier without a frame (HylaFAX: 200 ms).
	retryPause = 200 * time.Millisecond
)

// errNoFrame is returned by recv when nothing arrived in time.
var errNoFrame = errors.New("t30: no frame in time")

// call is the state every call has, owned by the goroutine that runs it.
type call struct {
	m     Modem
	o     Options
	log   *slog.Logger
	frame []byte // receive buffer
	out   []byte // transmit buffer

	connectedAt time.Time
	remote      string
	params      Params
	paramsSet   bool
	page        int // 1-based page in progress, 0 before phase C
	// heardCarrier is set by recv when a high-speed carrier was on while
	// it listened for a frame: the far end is there, talking.
	heardCarrier bool
	// sent is what the sender fitted pages to: the lowest resolution
	// and the pages whose rows were merged (sendres.go).
	sent sentResolution
}

func newCall(m Modem, o Options) *call {
	lg := o.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	return &call{m: m, o: o, log: lg, frame: make([]byte, 0, 512), out: make([]byte, 0, 512)}
}

func (c *call) emit(e Event) {
	c.log.Debug("t30 event", "event", e.String())
	if c.o.OnEvent != nil {
		c.o.OnEvent(e)
	}
}

func (c *call) connected() {
	if lm, ok := c.m.(lineModulations); ok {
		c.o.Modulations = capModulations(c.o.modulations(), lm.Modulations())
	}
	c.connectedAt = time.Now()
	c.emit(Connected{At: c.connectedAt})
}

// send sends frames as one message: all but the last non-final.
func (c *call) send(ctx context.Context, frames ...Frame) error {
	for i, f := range frames {
		final := i == len(frames)-1
		b, err := AppendFrame(c.out[:0], withFinal(f, final))
		if err != nil {
			return err
		}
		c.out = b
		c.log.Debug("t30 send", "frame", describeFrame(f))
		if err := c.m.SendFrame(ctx, b, final); err != nil {
			return err
		}
	}
	return nil
}

// withFinal sets the final bit of a frame's header.
func withFinal(f Frame, final bool) Frame {
	switch v := f.(type) {
	case *DISFrame:
		v.Final = final
	case *DCSFrame:
		v.Final = final
	case *IdentFrame:
		v.Final = final
	case *NonStandardFrame:
		v.Final = final
	case *SignalFrame:
		v.Final = final
	case *PPSFrame:
		v.Final = final
	case *EORFrame:
		v.Final = final
	case *PPRFrame:
		v.Final = final
	case *CTCFrame:
		v.Final = final
	case *FCDFrame:
		v.Final = final
	case *UnknownFrame:
		v.Final = final
	}
	return f
}

// signal returns a frame without FIF from this station. x is the X bit:
// true for the calling station.
func signal(fcf FCF, x bool) *SignalFrame {
	return &SignalFrame{FrameHeader: FrameHeader{FCF: fcf, X: x}}
}

func describeFrame(f Frame) string {
	h := f.Header()
	switch v := f.(type) {
	case *DISFrame:
		return fmt.Sprintf("%v %v", h.FCF, v.Caps)
	case *DCSFrame:
		return fmt.Sprintf("%v %v", h.FCF, v.Params)
	case *IdentFrame:
		return fmt.Sprintf("%v %q", h.FCF, v.Ident)
	}
	return h.FCF.String()
}

// recv receives frames until a final one, when the first of them begins
// within wait, and returns every good frame of the message. Frames with a
// bad FCS are dropped, as T.30 5.4.2 asks; if nothing good arrived it
// returns errNoFrame. Errors of the modem other than timeouts and bad
// frames are returned.
//
// wait bounds the start of the message, as T.30's timers do: a response
// that begins in time is received whole. With a modem that cannot bound
// the start alone (see frameStarter), wait bounds the whole message.
func (c *call) recv(ctx context.Context, wait time.Duration) ([]Frame, error) {
	c.heardCarrier = false
	startBy := time.Now().Add(wait)
	var got []Frame
	for {
		remaining := time.Until(startBy)
		if remaining <= 0 || ctx.Err() != nil {
			if len(got) > 0 {
				return got, nil
			}
			return nil, errNoFrame
		}
		b, err := c.receiveFrame(ctx, remaining)
		switch {
		case err == nil:
		case errors.Is(err, modem.ErrBadFCS):
			c.log.Debug("t30 frame with bad FCS dropped")
			continue
		case errors.Is(err, modem.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) ||
			errors.Is(err, modem.ErrNoCarrier) || errors.Is(err, modem.ErrFCError):
			// No frame this time: a carrier without a frame, the wrong
			// carrier (the far end still sends TCF or page data), or the
			// modem's own frame timeout. Pause, then listen again until
			// wait is over, as HylaFAX does, rather than spin on AT+FRH.
			if errors.Is(err, modem.ErrFCError) {
				c.heardCarrier = true
			}
			select {
			case <-ctx.Done():
			case <-time.After(min(retryPause, max(0, time.Until(startBy)))):
			}
			continue
		default:
			return got, err
		}
		f, perr := Parse(b)
		if perr != nil {
			c.log.Debug("t30 unparsable frame dropped", "err", perr, "bytes", fmt.Sprintf("% x", b))
			continue
		}
		c.log.Debug("t30 recv", "frame", describeFrame(f))
		got = append(got, f)
		if f.Header().Final {
			return got, nil
		}
		// The next frame of the message follows at once.
		startBy = time.Now().Add(frameAllowance)
	}
}

// frameStarter is a modem that can bound the wait for a frame to begin
// separately from its reception (the modem package's driver can).
type frameStarter interface {
	ReceiveFrameStarting(ctx context.Context, buf []byte, start time.Duration) ([]byte, error)
}

// receiveFrame receives one frame that must begin within start.
func (c *call) receiveFrame(ctx context.Context, start time.Duration) ([]byte, error) {
	if fs, ok := c.m.(frameStarter); ok {
		return fs.ReceiveFrameStarting(ctx, c.frame[:0], start)
	}
	fctx, cancel := context.WithTimeout(ctx, start)
	defer cancel()
	return c.m.ReceiveFrame(fctx, c.frame[:0])
}

// find returns the first frame of the message with one of the FCFs.
func find(msg []Frame, fcfs ...FCF) Frame {
	for _, f := range msg {
		for _, x := range fcfs {
			if f.Header().FCF == x {
				return f
			}
		}
	}
	return nil
}

// last returns the FCF of the message's final frame (what it says).
func last(msg []Frame) FCF {
	if len(msg) == 0 {
		return Null
	}
	return msg[len(msg)-1].Header().FCF
}

// hangUp ends the call: a DCN when asked (best effort), then the modem
// hangs up. It uses its own time limit, since ctx may be over.
func (c *call) hangUp(sendDCN, x bool) {
	ctx, cancel := context.WithTimeout(context.Background(), hangupTimeout)
	defer cancel()
	if sendDCN {
		if err := c.send(ctx, signal(DCN, x)); err != nil {
			c.log.Debug("t30 DCN not sent", "err", err)
		}
	}
	if err := c.m.HangUp(ctx); err != nil {
		c.log.Debug("t30 hang-up failed", "err", err)
	}
}

// result completes a Result with what the call knows.
func (c *call) result(r Reason, pagesDone int, err error) Result {
	res := Result{Reason: r, Text: describe(r, c.page), Pages: pagesDone, RemoteIdent: c.remote, Err: err}
	if !c.connectedAt.IsZero() {
		res.Connected = time.Since(c.connectedAt)
	}
	if c.paramsSet {
		res.BitRate = c.params.Rate.BitsPerSecond()
		res.ECM = c.params.ECM
		res.Coding = pagesCoding(c.params.Coding)
		res.Resolution = pagesResolution(c.params.Resolution)
	}
	c.sent.fill(&res)
	c.emit(Finished{Result: res})
	return res
}

// modemReason maps a modem failure to a reason: our modem's fault, or the
// line's. During a call (connected), ERROR means the modem went back on
// hook because the line dropped: class 1 modems answer ERROR to +FTH,
// +FRH, +FTM and +FTS once the call is gone.
func modemReason(err error, connected bool) Reason {
	switch {
	case errors.Is(err, context.Canceled):
		return ReasonCancelled
	case errors.Is(err, modem.ErrError) && connected:
		return ReasonLineDropped
	case errors.Is(err, modem.ErrNotResponding), errors.Is(err, modem.ErrClosed), errors.Is(err, modem.ErrError),
		errors.Is(err, modem.ErrGone):
		return ReasonModem
	}
	var pe *modem.ProtocolError
	if errors.As(err, &pe) {
		return ReasonModem
	}
	return ReasonLineDropped
}

// commander is what a modem that takes raw commands offers (the modem
// package's driver does): the engine uses it to ask a modem that stopped
// answering in the middle of a call whether it is still there.
type commander interface {
	Command(ctx context.Context, cmd string) ([]string, error)
}

// callFailure maps a modem failure during a call to a reason. A modem that
// stopped answering is asked "AT": if it answers, it was the line (a modem
// may stop taking data when the call drops under it), else the modem.
func (c *call) callFailure(ctx context.Context, err error) Reason {
	if ctx.Err() != nil {
		return ended(ctx)
	}
	connected := !c.connectedAt.IsZero()
	r := modemReason(err, connected)
	if r != ReasonModem || !connected || !errors.Is(err, modem.ErrNotResponding) {
		return r
	}
	if c.modemAlive() {
		c.log.Debug("t30 modem answers again: the line dropped", "err", err)
		return ReasonLineDropped
	}
	return r
}

// modemAlive asks the modem "AT" and reports whether it answered. A modem
// that takes no raw commands is taken to be alive.
func (c *call) modemAlive() bool {
	cm, ok := c.m.(commander)
	if !ok {
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := cm.Command(ctx, "AT")
	return err == nil
}

// firstWrite wraps a writer to call f once, on the first bytes: data
// started to flow.
type firstWrite struct {
	w    io.Writer
	f    func()
	done bool
}

func (fw *firstWrite) Write(p []byte) (int, error) {
	if !fw.done && len(p) > 0 {
		fw.done = true
		fw.f()
	}
	return fw.w.Write(p)
}

// receiveData receives high-speed data, waiting at most wait for it to
// start but without limit (other than the modem's own gap timeout) once
// it flows. lost, when not nil, learns of data the line lost beyond
// recovery, from lines that can tell (lossReporter).
//
// When nothing starts within wait it returns an error matching
// modem.ErrTimeout, as a modem's own timeout would.
func (c *call) receiveData(ctx context.Context, mod modem.Modulation, w io.Writer, wait time.Duration, lost func(octets int)) (int64, error) {
	dctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	t := time.AfterFunc(wait, func() { cancel(errNoData) })
	defer t.Stop()
	fw := &firstWrite{w: w, f: func() { t.Stop() }}
	var n int64
	var err error
	if lr, ok := c.m.(lossReporter); ok && lost != nil {
		n, err = lr.ReceiveDataReportingLoss(dctx, mod, fw, lost)
	} else {
		n, err = c.m.ReceiveData(dctx, mod, fw)
	}
	if err != nil && ctx.Err() == nil && errors.Is(context.Cause(dctx), errNoData) {
		return n, fmt.Errorf("%w: %w", errNoData, modem.ErrTimeout)
	}
	return n, err
}

// errNoData reports high-speed data that did not start in time.
var errNoData = errors.New("t30: no high-speed data in time")
