// Package demo is what `faxd serve --demo` puts at the other end of its
// simulated telephone lines: for each line, a simulated modem for the
// appliance and a remote fax machine (Faxbox's own T.30 engine on a
// second simulated modem) that receives every fax sent to it into a
// directory and, when asked, sends the appliance a fax.
//
// The package builds lines and runs remote machines; it does not run the
// appliance, its pool or its API.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"faxbox/firmware/faxfile"
	"faxbox/modem"
	"faxbox/modem/sim"
	"faxbox/pages/render"
	"faxbox/t30"
)

// The demo's numbers.
const (
	// FaxNumber is the appliance's fax number when the configuration
	// gives none.
	FaxNumber = "+3225550100"
	// RemoteCSI is the remote fax machines' identity (T.30 CSI and TSI).
	RemoteCSI = "+32 2 555 12 12"
)

// Line is a simulated telephone line: Local is the appliance's modem,
// Remote the remote fax machine's, reset.
type Line struct {
	Local, Remote *modem.Modem
	line          *sim.Line
}

// LineConfig configures a Line.
type LineConfig struct {
	// FaxNumber is the appliance's number, as the remote's caller ID sees it.
	FaxNumber string
	// Scale compresses the line's time (1 is real time, as a telephone
	// line).
	Scale float64
	// WireLog, if set, receives the bytes of the appliance's modem.
	WireLog *modem.WireLog
}

// NewLine returns a simulated line with its two modems; a number ending
// in 0000 is busy, so that the demo shows a retry.
func NewLine(ctx context.Context, cfg LineConfig) (*Line, error) {
	busy := func(dialled string) bool { return strings.HasSuffix(dialled, "0000") }
	sl := sim.NewLine(sim.LineConfig{Scale: cfg.Scale, Busy: busy},
		sim.Config{Number: strings.TrimPrefix(cfg.FaxNumber, "+"), Name: "Faxbox demo"},
		sim.Config{Manufacturer: "Faxbox", Model: "Simulated remote fax machine"})
	l := &Line{Local: modem.New(sl.A().Conn(), modem.Config{WireLog: cfg.WireLog}),
		Remote: modem.New(sl.B().Conn(), modem.Config{}), line: sl}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := l.Remote.Reset(rctx); err != nil {
		l.Close()
		return nil, fmt.Errorf("simulated remote fax machine: %w", err)
	}
	return l, nil
}

// Close closes both modems and the line.
func (l *Line) Close() error {
	return errors.Join(l.Local.Close(), l.Remote.Close(), l.line.Close())
}

// Call asks a remote fax machine to send Doc to the appliance; the call's
// result comes back on Done.
type Call struct {
	Doc  t30.Document
	Done chan t30.Result
}

// RemoteConfig configures a Remote.
type RemoteConfig struct {
	Modem *modem.Modem // the line's Remote
	// Dir keeps what arrives as TIFF-F, fax-TIME.tif with Tag before the
	// extension (calls on several lines end at the same second).
	Dir, Tag string
	// Calls are the calls to make; nil: none.
	Calls <-chan Call
	// Logger receives the calls' outcomes. Default: discard.
	Logger *slog.Logger
}

// Remote is a remote fax machine of the demo.
type Remote struct {
	cfg RemoteConfig
	log *slog.Logger
}

// NewRemote returns the remote fax machine on cfg.Modem.
func NewRemote(cfg RemoteConfig) *Remote {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Remote{cfg: cfg, log: log}
}

// Run answers every call at the first ring and makes the calls it is
// asked for, until ctx ends; then it returns nil.
func (r *Remote) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		// Wait for a ring or for a call to make, whichever comes first.
		rctx, cancel := context.WithCancel(ctx)
		asked := make(chan Call, 1)
		go func() {
			select {
			case c := <-r.cfg.Calls:
				asked <- c
				cancel()
			case <-rctx.Done():
			}
		}()
		_, err := r.cfg.Modem.WaitRing(rctx)
		cancel()
		if err == nil {
			r.answer(ctx)
		} else if ctx.Err() == nil && len(asked) == 0 {
			time.Sleep(50 * time.Millisecond)
		}
		select {
		case c := <-asked:
			res := t30.Send(ctx, r.cfg.Modem, "1", c.Doc, t30.Options{Ident: RemoteCSI})
			r.log.Info("remote fax machine: call made", "result", res.Reason, "pages", res.Pages)
			c.Done <- res
		default:
		}
	}
	return nil
}

// answer receives one call.
func (r *Remote) answer(ctx context.Context) {
	stamp := time.Now().Format("20060102-150405")
	name := filepath.Join(r.cfg.Dir, "fax-"+stamp+r.cfg.Tag+".tif")
	for i := 2; ; i++ {
		if _, err := os.Stat(name); errors.Is(err, fs.ErrNotExist) {
			break
		}
		name = filepath.Join(r.cfg.Dir, fmt.Sprintf("fax-%s%s-%d.tif", stamp, r.cfg.Tag, i))
	}
	f, err := faxfile.Create(name)
	if err != nil {
		r.log.Error("remote fax machine", "err", err)
		return
	}
	res := t30.Receive(ctx, r.cfg.Modem, t30.Options{Ident: RemoteCSI, OnPage: f.Add})
	name, err = f.Finish()
	if err != nil {
		r.log.Error("remote fax machine", "err", err)
	}
	r.log.Info("remote fax machine: call ended", "result", res.Reason, "pages", res.Pages, "file", name)
}

// Caller hands the remote fax machines the calls to make.
type Caller struct {
	calls     chan Call
	rnd       *render.Renderer
	faxNumber string
}

// NewCaller returns a Caller whose faxes, rendered by rnd, are addressed
// to faxNumber, the appliance's.
func NewCaller(rnd *render.Renderer, faxNumber string) *Caller {
	return &Caller{calls: make(chan Call), rnd: rnd, faxNumber: faxNumber}
}

// Calls is what the remote machines take their calls from
// (RemoteConfig.Calls).
func (c *Caller) Calls() <-chan Call { return c.calls }

// Incoming makes a remote fax machine send the appliance a short fax, so
// that reception can be seen: it is api.Config.DemoIncoming. It returns
// once a machine has taken the call; the call goes on in the background,
// and its fax appears in the inbox page by page.
func (c *Caller) Incoming(ctx context.Context) error {
	doc, err := c.rnd.Render(ctx, render.Message{From: render.Party{Name: "Simulated remote fax machine", Fax: RemoteCSI},
		To: render.Party{Fax: c.faxNumber}, Subject: "Reply from the demo",
		Body: "This fax was sent to Faxbox by the demo's simulated remote fax machine.", Time: time.Now()}, nil)
	if err != nil {
		return err
	}
	var ps t30.Pages
	for p, err := range doc.Pages(ctx) {
		if err != nil {
			return err
		}
		ps = append(ps, p)
	}
	call := Call{Doc: ps, Done: make(chan t30.Result, 1)}
	select {
	case c.calls <- call:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
