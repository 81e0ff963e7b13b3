// Package installer is the installer console of the running appliance:
// the console.Backend over its pool, store, ledger, settings file and
// front panel (status, modem probe and line check, settings, vouchers,
// LED and sound tests, factory reset, reboot), the unix socket and serial
// port its sessions run on ([Consoles]), and [Dial], the client of
// `faxd console`.
//
// The console's commands, prompts and PIN check are package console's;
// this package only connects them to the appliance.
package installer
