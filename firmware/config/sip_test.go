package config_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/config"
	"faxbox/sip"
)

// checkExampleSIP: the example's [[sip]] table shows every default.
func checkExampleSIP(t *testing.T, c *config.Config) {
	t.Helper()
	if len(c.SIP) != 1 || !reflect.DeepEqual(c.SIP[0], sip.Default()) {
		t.Errorf("the example's [[sip]] table is not sip.Default():\n got %+v\nwant %+v", c.SIP, sip.Default())
	}
}

// customSIP is two accounts whose every key differs from the default.
func customSIP() []sip.Config {
	a := sip.Config{
		Registrar: "sip.trunk.example:5060", Proxy: "proxy.trunk.example:5070", Domain: "trunk.example",
		User: "4420123456", AuthUser: "auth4420", PasswordFile: "/etc/faxbox/trunk.pw", Number: "+442012345678",
		Transport: sip.TCP, Listen: "192.168.1.10", SIPPorts: sip.PortRange{Lo: 5080, Hi: 5081},
		MediaPorts: sip.PortRange{Lo: 41000, Hi: 41099}, MaxCalls: 8, Expires: sip.Duration(5 * time.Minute),
		SessionExpires: sip.Duration(20 * time.Minute), RingTimeout: sip.Duration(45 * time.Second),
		Answer: sip.AnswerNever, AnswerAfter: sip.Duration(2 * time.Second),
		T38: sip.T38Options{Version: 3, MaxBitRate: 9600, MaxDatagram: 320, MaxBuffer: 600, ErrorControl: "fec",
			RateManagement: "localTCF", ReinviteAfter: sip.Duration(3 * time.Second), NoFaxTimeout: sip.Duration(90 * time.Second)},
	}
	b := sip.Default()
	b.User, b.SIPPorts, b.MediaPorts = "fax", sip.PortRange{Lo: 5090, Hi: 5090}, sip.PortRange{Lo: 42000, Hi: 42009}
	return []sip.Config{a, b}
}

// TestSIPTables: [[sip]] tables take sip.Default for every key they leave
// out, at any depth, and a bad value is reported with its line and key.
func TestSIPTables(t *testing.T) {
	c, err := config.Parse([]byte(`
[[sip]]
registrar = "sip.trunk.example"
user = "4420"
password_file = "/etc/faxbox/trunk.pw"
max_calls = 8

[sip.t38]
version = 3

[[sip]]
user = "fax"
sip_ports = "5070"
media_ports = "42000-42009"
`))
	if err != nil {
		t.Fatal(err)
	}
	// Without [[modems]], a file with [[sip]] tables has no modem: the
	// default one is for files that name no line at all.
	if len(c.SIP) != 2 || len(c.Modems) != 0 {
		t.Fatalf("%d sip, %d modems", len(c.SIP), len(c.Modems))
	}
	if err := c.Validate(); err != nil {
		t.Errorf("an appliance with SIP lines only: %v", err)
	}
	want := sip.Default()
	want.Registrar, want.User, want.PasswordFile, want.MaxCalls, want.T38.Version = "sip.trunk.example", "4420", "/etc/faxbox/trunk.pw", 8, 3
	if !reflect.DeepEqual(c.SIP[0], want) {
		t.Errorf("sip[0] = %+v\nwant %+v", c.SIP[0], want)
	}
	if c.SIP[1].T38 != sip.Default().T38 || c.SIP[1].SIPPorts != (sip.PortRange{Lo: 5070, Hi: 5070}) {
		t.Errorf("sip[1] = %+v", c.SIP[1])
	}
}

func TestSIPErrors(t *testing.T) {
	for _, tc := range []struct{ doc, key, msg string }{
		{"[[sip]]\nregistrar = \"pbx\"\n", "sip[0].user", "line 1"},
		{"[[sip]]\nuser = \"fax\"\n\n[sip.t38]\nversion = 7\n", "sip[0].t38.version", "line 5"},
		{"[[sip]]\nuser = \"fax\"\nmax_calls = 0\n", "sip[0].max_calls", "line 3"},
		{"[[sip]]\nuser = \"fax\"\nmax_cals = 2\n", "sip[0].max_cals", "unknown key"},
		{"[[sip]]\nuser = \"a\"\n[[sip]]\nuser = \"b\"\n", "sip[1].sip_ports", "overlaps"},
		{"[[sip]]\nuser = \"fax\"\nring_timeout = 30\n", "sip[0].ring_timeout", "want a string"},
	} {
		_, err := config.Parse([]byte(tc.doc))
		var fe *config.FieldError
		found := false
		for _, e := range config.FieldErrors(err) {
			if e.Key == tc.key && strings.Contains(e.Error(), tc.msg) {
				found = true
			}
		}
		if !found || !errors.As(err, &fe) {
			t.Errorf("%q: %v; want %s with %q", tc.doc, err, tc.key, tc.msg)
		}
	}
}
