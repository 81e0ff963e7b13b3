package appliance

import (
	"context"
	"fmt"
	"path/filepath"

	"faxbox/firmware/config"
	"faxbox/firmware/daemon"
	"faxbox/firmware/demo"
	"faxbox/firmware/events"
	"faxbox/firmware/housekeep"
	"faxbox/firmware/panel"
	"faxbox/internal/datadir"
	"faxbox/modem"
	"faxbox/sip"
	"faxbox/sipline"
	"faxbox/t30"
)

// openLines gives the pool the configured modems, which it opens itself
// (a device missing now is out of service until it appears), or in demo
// mode makes the simulated lines, each with its remote fax machine at the
// far end.
func (a *App) openLines(ctx context.Context) error {
	if a.cfg.Demo {
		return a.demoLines(ctx)
	}
	wls := map[string]*modem.WireLog{}
	for _, mc := range a.cfg.Modems {
		wl := daemon.NewWireLog() // each call's trace gets the modem's wire log
		wls[mc.Device] = wl
		a.lines = append(a.lines, daemon.Line{Name: filepath.Base(mc.Device), Device: mc.Device, WireLog: wl,
			Answer: daemon.AnswerPolicyFrom(mc), AnswerAllowance: mc.AnswerAllowance.D()})
	}
	a.openDevice = modemOpener(a.cfg, wls)
	return a.openSIP()
}

// openSIP opens the [[sip]] accounts: one line a call an account may
// carry at once, which the pool uses like its modems. Each account
// registers as a service of its own (services.go).
func (a *App) openSIP() error {
	for i, sc := range a.cfg.SIP {
		pw, err := sc.ReadPassword()
		if err != nil {
			return fmt.Errorf("sip[%d]: %w", i, err)
		}
		name := fmt.Sprintf("sip%d", i)
		acct, err := sipline.Open(sc, sipline.Options{Password: pw, Name: name, OnRegister: publishRegistration(a.bus, name),
			Log: a.log})
		if err != nil {
			return fmt.Errorf("sip[%d]: %w", i, err)
		}
		a.onClose(acct.Close)
		a.sipAccounts = append(a.sipAccounts, acct)
		answer := daemon.AnswerPolicy{Mode: config.AnswerRings, Rings: 1} // the account's answer_after rings
		if sc.Answer == sip.AnswerNever {
			answer = daemon.AnswerPolicy{}
		}
		for _, l := range acct.Lines() {
			a.lines = append(a.lines, daemon.Line{Name: l.Name(), Modem: l, Answer: answer})
		}
	}
	return nil
}

// sipStatus is the [[sip]] accounts' registration and calls in progress,
// for the administration page, /metrics and the console.
func (a *App) sipStatus() []sipline.Status {
	out := make([]sipline.Status, 0, len(a.sipAccounts))
	for _, acct := range a.sipAccounts {
		out = append(out, acct.Status())
	}
	return out
}

// modemOpener opens the configured modem of a device path for the pool.
func modemOpener(cfg *config.Config, wls map[string]*modem.WireLog) daemon.Opener {
	byDevice := map[string]config.Modem{}
	for _, mc := range cfg.Modems {
		byDevice[mc.Device] = mc
	}
	return func(device string) (daemon.Modem, error) {
		mc, ok := byDevice[device]
		if !ok {
			return nil, fmt.Errorf("modem %s: not configured", device)
		}
		md, err := openModem(mc, cfg, wls[device])
		if err != nil {
			return nil, err // never a nil *modem.Modem inside the interface
		}
		return md, nil
	}
}

// openModem opens a configured class 1 modem that logs its bytes to wl;
// the pool resets it.
func openModem(mc config.Modem, cfg *config.Config, wl *modem.WireLog) (*modem.Modem, error) {
	var flow modem.Flow
	switch mc.Flow {
	case config.FlowRTSCTS:
		flow = modem.FlowRTSCTS
	case config.FlowXONXOFF:
		flow = modem.FlowXONXOFF
	default:
		flow = modem.FlowNone
	}
	md, err := modem.Open(modem.PortConfig{Device: mc.Device, Baud: mc.Baud, Flow: flow},
		modem.Config{Init: mc.Init, Pulse: cfg.DialPlan.Dialing == config.DialingPulse, WireLog: wl, CallerID: true})
	if err != nil {
		return nil, fmt.Errorf("modem %s: %w", mc.Device, err)
	}
	return md, nil
}

// demoLines makes the demo's simulated lines (Options.DemoLines) and
// their remote fax machines, which keep what they receive in
// DATA_DIR/remote and take the calls they make from a.caller.
func (a *App) demoLines(ctx context.Context) error {
	remoteDir := filepath.Join(a.dir, demoRemoteName)
	if err := datadir.MkdirAll(remoteDir); err != nil {
		return err
	}
	a.caller = demo.NewCaller(a.rnd, a.cfg.Identity.FaxNumber)
	n := max(a.o.DemoLines, 1)
	for i := range n {
		wl := daemon.NewWireLog()
		line, err := demo.NewLine(ctx, demo.LineConfig{FaxNumber: a.cfg.Identity.FaxNumber, Scale: a.o.SimScale, WireLog: wl})
		if err != nil {
			return err
		}
		a.onClose(line.Close)
		name := fmt.Sprintf("sim%d", i)
		a.lines = append(a.lines, daemon.Line{Name: name, Modem: line.Local, WireLog: wl,
			Answer: daemon.AnswerPolicy{Mode: config.AnswerRings, Rings: 2}, AnswerAllowance: config.DefaultAnswerAllowance.D()})
		tag := ""
		if n > 1 {
			tag = "-" + name // calls on several lines end at the same second
		}
		a.remotes = append(a.remotes, demo.NewRemote(demo.RemoteConfig{Modem: line.Remote, Dir: remoteDir, Tag: tag,
			Calls: a.caller.Calls(), Logger: a.log}))
	}
	return nil
}

// openPool opens the front panel's hardware, whose power lines the pool's
// watchdog uses, then the modem pool over the lines, and housekeeping.
func (a *App) openPool(context.Context) (err error) {
	var names []string
	for _, l := range a.lines {
		names = append(names, l.Name)
	}
	if a.hw, err = panel.Open(a.cfg, names, a.log); err != nil {
		return err
	}
	a.onClose(a.hw.Close) // after the pool has stopped: its watchdog power-cycles through it
	for i := range a.lines {
		a.lines[i].PowerCycle = a.hw.PowerCycler(a.lines[i].Name)
	}
	a.pool, err = daemon.New(daemon.Config{Store: a.st, Ledger: a.led, Lines: a.lines, Open: a.openDevice, DialPlan: a.cfg.NumberDialPlan(),
		Fax: t30.Options{Ident: a.cfg.Ident()}, Backoff: daemon.BackoffFrom(a.cfg.Retry.Backoff), ProbeEvery: a.o.ProbeEvery, Inbox: a.cfg.Inbox, Bus: a.bus, Logger: a.log})
	if err != nil {
		return err
	}
	a.keeper, err = housekeep.New(housekeep.Config{Store: a.st, Retention: a.cfg.Retention, Logger: a.log})
	return err
}

// publishRegistration publishes the outcome of each registration attempt
// of SIP account name on bus.
func publishRegistration(bus *events.Bus, name string) func(sip.RegStatus) {
	return func(st sip.RegStatus) {
		ev := events.SIPRegistration{Account: name, Registered: st.Registered, Expires: st.Expires, Status: st.Status}
		if st.Err != nil {
			ev.Reason = st.Err.Error()
		}
		bus.Publish(ev)
	}
}
