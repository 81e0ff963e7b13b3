package appliance

import (
	"context"
	"fmt"

	"faxbox/firmware/supervisor"
)

// supervisor puts every long-running part under one supervisor, in
// starting order: the hardware and the demo's remote machines before the
// pool that uses them, the web server last, so that it stops first.
func (a *App) supervisor(context.Context) (err error) {
	var specs []supervisor.Spec
	add := func(name string, svc supervisor.Service, p supervisor.Policy) {
		specs = append(specs, supervisor.Spec{Name: name, Service: svc, Policy: p})
	}
	add("front panel hardware", a.hw, supervisor.Restart)
	for i, r := range a.remotes {
		add(a.lines[i].Name+" remote fax machine", r, supervisor.Restart)
	}
	for i, acct := range a.sipAccounts {
		if a.cfg.SIP[i].Registrar != "" {
			add(fmt.Sprintf("sip[%d] registration", i), supervisor.Func(acct.Register), supervisor.Restart)
		}
	}
	add("modem pool", a.pool, supervisor.Essential)
	add("housekeeping", a.keeper, supervisor.Restart)
	if a.notices != nil {
		add("notices", a.notices, supervisor.Restart)
	}
	add("front panel", a.front, supervisor.Restart)
	add("installer console", a.consoles, supervisor.Restart)
	if a.mail != nil {
		add("fax by e-mail", a.mail, supervisor.Restart)
	}
	add("web server", supervisor.Func(a.web.Serve), supervisor.Essential)
	if wd := a.watchdog(); wd != nil {
		add("systemd watchdog", wd, supervisor.Restart) // last: its first round finds the others started
	}
	a.sup, err = supervisor.New(supervisor.Config{Services: specs, Logger: a.log})
	return err
}
