package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/config"
	"faxbox/firmware/events"
	"faxbox/firmware/numbers"
	"faxbox/firmware/store"
	"faxbox/modem"
	"faxbox/t30"
)

// MaxModems is the most serial modems a Pool drives; with the lines of
// SIP accounts (a line a call at once) a Pool has at most MaxLines.
const (
	MaxModems = 8
	MaxLines  = 256
)

// Modem is what a worker needs of its modem: a call (t30.Modem) and a
// reset that brings it back to a known state, which doubles as the probe
// after a failure. *modem.Modem implements it.
type Modem interface {
	t30.Modem
	Reset(ctx context.Context) error
}

// Opener opens the modem on a serial device ("/dev/ttyUSB0"). It fails
// with an error matching fs.ErrNotExist when the device is absent (a USB
// modem unplugged). A Modem it returns that is an io.Closer is closed by
// the pool when it fails, before the device is opened again, and when the
// pool stops.
type Opener func(device string) (Modem, error)

// Line is one modem of the pool and the telephone line it is on.
type Line struct {
	// Name identifies the modem in attempts, logs and Status ("ttyUSB0").
	Name string
	// Modem is the line's modem when the caller opened it (a simulated
	// line). Set either Modem or Device.
	Modem Modem
	// Device is the modem's serial device, which the pool opens with
	// Config.Open: at start, and again after the modem failed or vanished.
	// A device that cannot be opened leaves the modem out of service, with
	// the reason, and is tried again every ProbeEvery.
	Device string
	// PowerCycle, if not nil, is called before each Reset that tries to
	// bring the modem back after it failed: the board's power line.
	PowerCycle func(ctx context.Context) error
	// Answer is when the line answers incoming calls (answer.go); the
	// zero value never answers. Answered calls are received into the
	// store (receive.go) and cost no credit.
	Answer AnswerPolicy
	// AnswerAllowance is added to every answered call's connected time
	// to meter it from the answer, as the telephone company bills it: a
	// class 1 modem reports CONNECT only once it hears the answering
	// machine's V.21 flags, after its CED answer tone (2100 Hz for 2.6 to
	// 4 s in T.30).
	AnswerAllowance time.Duration
	// WireLog, if not nil, is the wire log the modem's driver was made
	// with (modem.Config.WireLog): the worker points it at each attempt's
	// trace for the call, and discards what the modem says between calls.
	// A MaxBinary of a few dozen bytes keeps the page data out of traces.
	WireLog *modem.WireLog
}

// Config configures a Pool.
type Config struct {
	Store  *store.Store    // required
	Ledger *billing.Ledger // required
	Lines  []Line          // one to MaxLines
	// DialPlan turns recipients' numbers into what the modem dials.
	DialPlan numbers.DialPlan
	// Fax is the engine's options (Ident, MaxRate, ECM, ...). MaxDuration
	// and OnEvent are set per call by the worker, and MaxRate and NoECM
	// adjusted to the destination's history (Learning).
	Fax t30.Options
	// Learning is how calls to a number start from what worked before.
	Learning Learning
	// Backoff is the wait before another attempt by cause.
	Backoff Backoff
	// Poll is the longest an idle worker sleeps before looking for due
	// jobs again (it also wakes on every store change). Default 1 min.
	Poll time.Duration
	// ProbeEvery is the wait between attempts to bring a failed modem back
	// (PowerCycle, then Reset). Default 30 s.
	ProbeEvery time.Duration
	// ResetTimeout bounds one Reset. Default 20 s.
	ResetTimeout time.Duration
	// Open opens the modems of the lines that give a Device (required
	// when one does).
	Open Opener
	// After is the clock a modem out of service waits on for its next
	// probe (ProbeEvery). Default time.After.
	After func(time.Duration) <-chan time.Time
	// Inbox routes received faxes to users by the caller's number or
	// identity (route.go); a fax no rule matches goes to all staff.
	Inbox config.Inbox
	// Now is the wall clock that Line.Answer's hours are read in (its
	// location is the appliance's). Default time.Now.
	Now func() time.Time
	// Bus receives an events.LineEvent at every change of a line's
	// status (Status); nil publishes nothing.
	Bus *events.Bus
	// Logger receives one line per call and per modem state change.
	// Default: discard.
	Logger *slog.Logger
}

// Pool runs one worker per modem. Create it with New and run it with Run.
type Pool struct {
	cfg     Config
	log     *slog.Logger
	workers []*worker
	started atomic.Bool // Run runs once
}

// New checks cfg and returns a pool; nothing runs until Run.
func New(cfg Config) (*Pool, error) {
	if cfg.Store == nil || cfg.Ledger == nil {
		return nil, fmt.Errorf("%w: a store and a ledger are required", ErrConfig)
	}
	if n := len(cfg.Lines); n < 1 || n > MaxLines {
		return nil, fmt.Errorf("%w: %d lines (1 to %d)", ErrConfig, n, MaxLines)
	}
	seen := map[string]bool{}
	for i, l := range cfg.Lines {
		if l.Name == "" || (l.Modem == nil) == (l.Device == "") {
			return nil, fmt.Errorf("%w: modem %d needs a name and either a driver or a device", ErrConfig, i+1)
		}
		if l.Device != "" && cfg.Open == nil {
			return nil, fmt.Errorf("%w: modem %s has a device and there is no Open", ErrConfig, l.Name)
		}
		if seen[l.Name] {
			return nil, fmt.Errorf("%w: modem %q twice", ErrConfig, l.Name)
		}
		seen[l.Name] = true
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Minute
	}
	if cfg.ProbeEvery <= 0 {
		cfg.ProbeEvery = 30 * time.Second
	}
	if cfg.ResetTimeout <= 0 {
		cfg.ResetTimeout = 20 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.After == nil {
		cfg.After = time.After
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Pool{cfg: cfg, log: log}
	for _, l := range cfg.Lines {
		p.workers = append(p.workers, &worker{pool: p, line: l, modem: l.Modem, log: log.With("modem", l.Name),
			status: ModemStatus{Name: l.Name, State: ModemProbing},
			lend:   make(chan lendRequest), done: make(chan struct{})})
	}
	return p, nil
}

// Run settles what a crash interrupted (the ledger's open calls, then the
// store's attempts in progress), starts the workers and returns when ctx is
// done and every worker has ended its call. A call in progress at that
// moment is hung up, settled and its job retried. Run returns nil after ctx
// ends, or the error that stopped recovery.
func (p *Pool) Run(ctx context.Context) error {
	if !p.started.CompareAndSwap(false, true) {
		return fmt.Errorf("%w: Run called twice", ErrConfig)
	}
	ss, err := p.cfg.Ledger.Recover(ctx)
	if err != nil {
		return fmt.Errorf("daemon: recovering billing: %w", err)
	}
	rs, err := p.cfg.Store.Recover(ctx, time.Now())
	if err != nil {
		return fmt.Errorf("daemon: recovering jobs: %w", err)
	}
	rx, err := p.cfg.Store.RecoverReceived(ctx)
	if err != nil {
		return fmt.Errorf("daemon: recovering received faxes: %w", err)
	}
	if len(ss) > 0 || len(rs) > 0 || len(rx) > 0 {
		p.log.Info("recovered interrupted calls", "calls", len(ss), "jobs", len(rs), "received", len(rx))
	}
	var wg sync.WaitGroup
	for _, w := range p.workers {
		wg.Go(func() { w.run(ctx) })
	}
	wg.Wait()
	return nil
}

// ModemState is what a worker's modem is doing.
type ModemState uint8

// Modem states.
const (
	ModemProbing    ModemState = iota + 1 // resetting, at start or after a failure
	ModemIdle                             // ready, waiting for a due job
	ModemCalling                          // in a call for Job
	ModemOutOfOrder                       // failed or absent; probed again every ProbeEvery
	ModemLent                             // lent by Borrow, out of scheduling
	ModemRinging                          // a call rings in, not (yet) answered
	ModemReceiving                        // in an incoming call, receiving Received
)

// String returns the state's name.
func (s ModemState) String() string {
	switch s {
	case ModemProbing:
		return "probing"
	case ModemIdle:
		return "idle"
	case ModemCalling:
		return "calling"
	case ModemOutOfOrder:
		return "out of service"
	case ModemLent:
		return "lent to the installer"
	case ModemRinging:
		return "ringing"
	case ModemReceiving:
		return "receiving"
	}
	return fmt.Sprintf("ModemState(%d)", uint8(s))
}

// ModemStatus is a snapshot of one worker.
type ModemStatus struct {
	Name  string
	State ModemState
	Job   int64 // the job in a call, when Calling
	// Received is the fax being received, once its first page is in,
	// when Receiving.
	Received int64
	Since    time.Time // when State was entered
	Err      string    // why it is out of service ("daemon: no device /dev/ttyUSB1 (modem unplugged?)")
	Calls    int       // calls dialled since start
	// Answered counts the incoming calls answered since start.
	Answered int
}

// Event returns the status as the bus carries it.
func (s ModemStatus) Event() events.LineEvent {
	return events.LineEvent{Line: s.Name, State: s.State.String(), Job: s.Job, Received: s.Received, Since: s.Since,
		Reason: s.Err, Calls: s.Calls, Answered: s.Answered}
}

// now is the pool's wall clock.
func (p *Pool) now() time.Time { return p.cfg.Now() }

// Status returns a snapshot of every modem, in configuration order.
func (p *Pool) Status() []ModemStatus {
	out := make([]ModemStatus, len(p.workers))
	for i, w := range p.workers {
		out[i] = w.snapshot()
	}
	return out
}
