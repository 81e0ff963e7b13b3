//go:build spandsp

package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime/cgo"
	"time"

	msp "faxbox/modem/spandsp"
	"faxbox/t38"
	"faxbox/t38/spandsp"
)

// Config configures the gateway and the fax terminal behind it.
type Config struct {
	// Fax is the audio fax terminal on the gateway's analogue side: role,
	// file, ident, ECM (also the gateway's ECM capability) and modems
	// (also the gateway's).
	Fax msp.FaxConfig
	// Calling makes the fax terminal the calling party: it sends CNG into
	// the gateway, which relays it as T.38.
	Calling bool
	// Version is the T.38 version the gateway speaks (0 to 3).
	Version int
	// Redundancy is how many earlier packets each UDPTL datagram repeats.
	Redundancy int
	// LogLevel, when positive, sends spandsp's log to Logf.
	LogLevel int
	Logf     func(format string, args ...any)
}

// Result is the outcome of the fax terminal's call.
type Result struct {
	Code    msp.Code
	Pages   int
	BitRate int
	ECM     bool
	// GatewayPages is the pages the gateway counted through it.
	GatewayPages int
	// Sent and Received count IFP packets on the T.38 side.
	Sent, Received int
}

// OK reports whether the fax went through.
func (r Result) OK() bool { return r.Code == msp.CodeOK }

// Gateway is spandsp's T.38 gateway on a UDP socket with spandsp's audio
// fax terminal behind it, running in real time until the call ends or
// Close.
type Gateway struct {
	*spandsp.Port
	cfg  Config
	h    cgo.Handle
	gs   *gwState
	dec  t38.Decoder
	res  Result
	done bool
}

// The time step: 20 ms, 160 samples at 8 kHz.
const (
	tick        = 20 * time.Millisecond
	tickSamples = 160
)

// Start starts the gateway on conn, talking T.38 to remote.
func Start(conn net.PacketConn, remote net.Addr, cfg Config) (*Gateway, error) {
	g := &Gateway{Port: spandsp.NewPort(conn, remote), cfg: cfg}
	if cfg.Logf != nil {
		logf = cfg.Logf
	}
	g.h = cgo.NewHandle(g)
	g.gs = newGwState(g.h, cfg.Calling, cfg.Version, modemBits(cfg.Fax.Modems), cfg.Fax.ECM, cfg.LogLevel)
	if g.gs == nil {
		g.h.Delete()
		return nil, errors.New("gateway: t38_gateway_init or fax_init failed")
	}
	g.gs.configure(cfg.Fax.Role == msp.Send, cfg.Fax.File, cfg.Fax.Ident)
	go g.run()
	return g, nil
}

func modemBits(m msp.Modems) int {
	if m == 0 {
		m = msp.V27ter | msp.V29 | msp.V17
	}
	var b int
	if m&msp.V27ter != 0 {
		b |= supportV27ter
	}
	if m&msp.V29 != 0 {
		b |= supportV29
	}
	if m&msp.V17 != 0 {
		b |= supportV17
	}
	return b
}

// run drives spandsp: as many 20 ms steps as the wall clock says are due
// (a late tick is caught up, so the modems keep their timing), and the
// received datagrams as they come. Every call into spandsp happens here.
func (g *Gateway) run() {
	defer g.Ended()
	defer g.h.Delete()
	defer g.gs.free()
	in := make(chan []byte, 1024)
	go g.Read(in)
	tk := time.NewTicker(tick)
	defer tk.Stop()
	start, steps := time.Now(), 0
	tail := 0 // steps after the call ended, to send its last packets
	for tail < 50 {
		select {
		case b := <-in:
			g.receive(b)
		case now := <-tk.C:
			due := int(now.Sub(start) / tick)
			for n := 0; steps < due && n < 10; n++ {
				g.gs.step(tickSamples)
				steps++
				if g.done {
					tail++
				}
			}
			steps = max(steps, due-10)
		case <-g.Quit():
			if !g.done {
				g.gs.terminate()
			}
			return
		}
	}
}

func (g *Gateway) receive(b []byte) {
	rs, err := g.dec.Decode(b)
	if err != nil {
		g.logf("bad UDPTL datagram: %v", err)
		return
	}
	for _, r := range rs {
		g.res.Received++
		g.gs.rx(r.IFP, r.Seq)
	}
}

func (g *Gateway) logf(format string, args ...any) {
	if g.cfg.Logf != nil {
		g.cfg.Logf(format, args...)
	}
}

// tx sends one IFP packet from the gateway, count times (spandsp's own
// repetition of indicators), each copy the same datagram.
func (g *Gateway) tx(b []byte, count int) {
	encoded, err := g.Send(b, g.cfg.Redundancy, count)
	if encoded {
		g.res.Sent++
	}
	if err != nil {
		g.logf("%v", err)
	}
}

func (g *Gateway) phaseE(code int) {
	st := g.gs.stats()
	g.res.Code, g.res.BitRate, g.res.ECM, g.res.GatewayPages = msp.Code(code), st.bitRate, st.ecm != 0, st.gwPages
	if g.cfg.Fax.Role == msp.Send {
		g.res.Pages = st.pagesTx
	} else {
		g.res.Pages = st.pagesRx
	}
	g.done = true
}

// Wait returns the call's result once the gateway has finished.
func (g *Gateway) Wait(ctx context.Context) (Result, error) {
	if err := g.Await(ctx); err != nil {
		return g.res, fmt.Errorf("gateway: still running: %w", err)
	}
	return g.res, nil
}

// Close stops the gateway (the fax terminal's T.30 is terminated if the
// call is still on) and waits for it.
func (g *Gateway) Close() {
	g.Stop()
}
