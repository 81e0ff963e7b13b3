// Package appliance is the running Faxbox: [New] opens and wires
// everything `faxd serve` needs (the database, the ledger and accounts,
// the modems or the demo's simulated lines, the front panel, the modem
// pool, the web UI and JSON API, fax by e-mail, notices, housekeeping and
// the installer console) and [App.Run] runs its long-running parts as
// services under one supervisor until its context ends.
//
// Construction is explicit and in one direction: each part gets what it
// needs in its constructor, lower layers first, and no part is given
// another after it is built. The order of the services is the order of
// start; they stop in reverse, the web server first (after the systemd
// watchdog, when there is one) and the front panel's
// hardware last. The modem pool and the web server are essential (their
// end stops the appliance); every other service is restarted with back-off.
//
// The package parses no flags and loads no configuration file: package
// main does, and passes the result in [Options].
package appliance
