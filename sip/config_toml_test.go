package sip

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// TestConfigTOML decodes [[sip]] tables over the defaults, as the
// appliance's configuration does, and validates them.
func TestConfigTOML(t *testing.T) {
	b, err := os.ReadFile("testdata/sip.toml")
	if err != nil {
		t.Fatal(err)
	}
	// Each table goes over Default(), key by key, as the appliance's
	// configuration loader applies its defaults.
	var raw struct {
		SIP []map[string]any `toml:"sip"`
	}
	if err := toml.Unmarshal(b, &raw); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	if len(raw.SIP) != 2 {
		t.Fatalf("%d tables, want 2", len(raw.SIP))
	}
	var sips []Config
	for i, table := range raw.SIP {
		tb, err := toml.Marshal(table)
		if err != nil {
			t.Fatal(err)
		}
		c := Default()
		if err := toml.Unmarshal(tb, &c); err != nil {
			t.Fatalf("table %d: %v", i, err)
		}
		if err := c.Validate(fmt.Sprintf("sip[%d]", i)); err != nil {
			t.Errorf("table %d: %v", i, err)
		}
		sips = append(sips, c)
	}
	file := struct{ SIP []Config }{sips}
	trunk, pbx := file.SIP[0], file.SIP[1]
	if trunk.MediaPorts != (PortRange{40000, 40099}) || trunk.MaxCalls != 8 || trunk.Transport != UDP ||
		time.Duration(trunk.AnswerAfter) != 2*time.Second || time.Duration(trunk.SessionExpires) != 30*time.Minute {
		t.Errorf("trunk = %+v", trunk)
	}
	p := trunk.T38.Params()
	if p.Version != 3 || p.MaxDatagram != 320 || p.UDPEC != ECFEC || p.MaxBitRate != 14400 ||
		time.Duration(trunk.T38.ReinviteAfter) != 3*time.Second {
		t.Errorf("trunk T.38 = %+v, %+v", p, trunk.T38)
	}
	if pbx.Transport != TCP || pbx.SIPPorts != (PortRange{5070, 5071}) || pbx.Answer != AnswerNever ||
		pbx.AuthUser != "fax-auth" || pbx.MaxCalls != 4 {
		t.Errorf("pbx = %+v", pbx)
	}
}
