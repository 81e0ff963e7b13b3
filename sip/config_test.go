package sip

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfigDefaultValid(t *testing.T) {
	c := Default()
	if err := c.Validate("sip[0]"); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
	c.Registrar, c.User, c.PasswordFile = "pbx.example:5080", "fax", "/etc/faxbox/sip.pw"
	if err := c.Validate("sip[0]"); err != nil {
		t.Fatalf("with an account: %v", err)
	}
	if p := c.T38.Params(); p.UDPEC != ECRedundancy || p.MaxDatagram != 400 || p.RateManagement != TransferredTCF {
		t.Errorf("T38.Params() = %+v", p)
	}
}

func TestConfigValidateReportsAll(t *testing.T) {
	c := Default()
	c.Registrar = "bad host"
	c.Transport = "sctp"
	c.MediaPorts = PortRange{40000, 40001}
	c.SessionExpires = Duration(30 * time.Second)
	c.T38.ErrorControl = "magic"
	c.T38.Version = 4
	err := c.Validate("sip[1]")
	var keys []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var ce *ConfigError
		if !errors.As(e, &ce) {
			t.Fatalf("%v is not a *ConfigError", e)
		}
		keys = append(keys, ce.Key)
	}
	got := strings.Join(keys, " ")
	for _, want := range []string{"sip[1].registrar", "sip[1].user", "sip[1].password_file", "sip[1].transport",
		"sip[1].media_ports", "sip[1].session_expires", "sip[1].t38.error_control", "sip[1].t38.version"} {
		if !strings.Contains(got, want) {
			t.Errorf("errors %q lack %s", got, want)
		}
	}
}

func TestPortRangeText(t *testing.T) {
	var r PortRange
	if err := r.UnmarshalText([]byte("5060-5069")); err != nil || r != (PortRange{5060, 5069}) {
		t.Fatalf("got %v, %v", r, err)
	}
	if err := r.UnmarshalText([]byte("x-1")); err == nil {
		t.Error("x-1 accepted")
	}
}

func TestReadPassword(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(p, []byte("s3cret\r\nignored\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := Config{PasswordFile: p}
	if pw, err := c.ReadPassword(); err != nil || pw != "s3cret" {
		t.Errorf("ReadPassword = %q, %v", pw, err)
	}
}
