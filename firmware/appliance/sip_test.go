//go:build linux

package appliance_test

import (
	"fmt"
	"net"
	"path/filepath"
	"testing"
)

// TestSIPLinesBesideModems: an appliance with a modem and a SIP account
// of two calls at once shows the account's two lines in the pool beside
// the modem, idle and ready, through the API, and the account with its
// registration state and calls in progress.
func TestSIPLinesBesideModems(t *testing.T) {
	dir := t.TempDir()
	devA := filepath.Join(dir, "ttyA")
	plugIn(t, devA)
	port := freeUDPPort(t)
	ap := startApplianceWith(t, dir, fmt.Sprintf(`
[[sip]]
user = "fax"
sip_ports = "%d"
media_ports = "%d-%d"
max_calls = 2
`, port, port+2, port+5), devA)
	ms := ap.waitModem("the modem and both SIP lines idle", func(m map[string]modemJSON) bool {
		return m["ttyA"].State == "idle" && m["sip0/1"].State == "idle" && m["sip0/2"].State == "idle"
	})
	if len(ms) != 3 {
		t.Errorf("lines %v, want ttyA, sip0/1 and sip0/2", ms)
	}
	// The account is listed with its lines: no registrar, no call.
	var v struct {
		Modems []struct{ Name, Account string } `json:"modems"`
		SIP    []struct {
			Name, State string
			Lines       []string
			Calls       int
		} `json:"sip"`
	}
	if code := ap.call("GET", "/api/modems", "", nil, &v); code != 200 || len(v.SIP) != 1 {
		t.Fatalf("GET /api/modems: %d %+v", code, v)
	}
	if s := v.SIP[0]; s.Name != "sip0" || s.State != "not registering" || fmt.Sprint(s.Lines) != "[sip0/1 sip0/2]" || s.Calls != 0 {
		t.Errorf("account %+v", s)
	}
	for _, m := range v.Modems {
		if want := map[string]string{"ttyA": "", "sip0/1": "sip0", "sip0/2": "sip0"}[m.Name]; m.Account != want {
			t.Errorf("line %s of account %q, want %q", m.Name, m.Account, want)
		}
	}
}

// freeUDPPort returns a UDP port on loopback that was free a moment ago,
// with the next five above it for media.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	for range 20 {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := c.LocalAddr().(*net.UDPAddr).Port
		c.Close()
		if port < 65000 {
			return port
		}
	}
	t.Fatal("no free UDP port below 65000")
	return 0
}
