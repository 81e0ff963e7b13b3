// Package layers holds no code: its test states the layer order of the
// module's packages and fails when a package imports one of a higher
// layer, or when a package is in no layer. Imports go one way:
//
//	internal, pages            what a fax is: page images, codecs, rendering
//	modem, t38, sip, board     lines: class 1 modems over serial, T.38 over UDPTL, SIP; GPIO and sound
//	t30                        the fax protocol, over t30.Modem
//	firmware domain            numbers, config, store, billing, users, contacts, setupcode, supervisor
//	firmware services          modem pool (daemon), panel, notices, reports, mail gateway, submission, console sessions, demo
//	firmware/api               the JSON API
//	ui                         the web UI and HTTPS server around the API
//	appliance parts            settings file, installer console
//	firmware/appliance         the running appliance: wiring and supervision
//	firmware (package main)    faxd: flags and one-shot tools
package layers
