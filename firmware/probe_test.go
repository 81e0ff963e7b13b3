//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"faxbox/internal/pty"
	"faxbox/modem"
	"faxbox/modem/sim"
)

// probeCmd runs faxd probe with args and returns its exit code, stdout
// and stderr.
func probeCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"probe"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// simOnPty serves a simulated modem on a new pty and returns the slave's
// path, which faxd opens as a serial port.
func simOnPty(t *testing.T, cfg sim.Config) string {
	t.Helper()
	p, err := pty.Open()
	if err != nil {
		t.Fatalf("no pty: %v", err)
	}
	m := sim.New(cfg)
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.Serve(p.Master)
	}()
	t.Cleanup(func() {
		m.Close()
		p.Close()
		<-done
	})
	return p.SlavePath
}

func TestProbeSim(t *testing.T) {
	for _, flow := range []string{"rtscts", "xonxoff", "none"} {
		t.Run(flow, func(t *testing.T) {
			dev := simOnPty(t, sim.Config{Modulations: []int{24, 48, 72, 96}})
			code, out, errs := probeCmd(t, "--modem", dev, "--baud", "38400", "--flow", flow)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
				t.Errorf("output is not one line: %q", out)
			}
			var info modem.Info
			if err := json.Unmarshal([]byte(out), &info); err != nil {
				t.Fatalf("%v: %q", err, out)
			}
			if info.Manufacturer != "Faxbox" || info.Model != "Simulated class 1 modem" {
				t.Errorf("identity %+v", info.Identity)
			}
			if !slices.Equal(info.Classes, []string{"0", "1", "1.0"}) {
				t.Errorf("classes %q", info.Classes)
			}
			if !slices.Equal(info.Rates, []int{2400, 4800, 7200, 9600}) {
				t.Errorf("rates %v", info.Rates)
			}
			// The JSON names its fields for people and scripts.
			for _, k := range []string{`"manufacturer":`, `"classes":`, `"rates":`, `"transmit":`} {
				if !strings.Contains(out, k) {
					t.Errorf("no %s in %s", k, out)
				}
			}
		})
	}
}

func TestProbeErrors(t *testing.T) {
	t.Parallel()
	silent, err := pty.Open() // nobody reads or answers on the master
	if err != nil {
		t.Fatalf("no pty: %v", err)
	}
	defer silent.Close()
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing device", []string{"--modem", filepath.Join(t.TempDir(), "ttyUSB9")}, 1, "no such port"},
		{"no answer", []string{"--modem", silent.SlavePath, "--timeout", "1s"}, 1, "no answer"},
		{"not class 1", []string{"--modem", simOnPty(t, sim.Config{Classes: "0,2"})}, 1, "not a fax modem"},
		{"no device given", nil, 1, "usage: faxd probe"},
		{"bad flow", []string{"--modem", "/dev/null", "--flow", "dtrdsr"}, 1, "--flow"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := probeCmd(t, tc.args...)
			if code != tc.code || !strings.Contains(errs, tc.want) || out != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, out, errs, tc.code, tc.want)
			}
		})
	}
}
