//go:build spandsp && linux

package main

import (
	"encoding/json"
	"slices"
	"testing"

	"faxbox/modem"
	"faxbox/modem/spandsp"
)

// TestProbeSpandsp probes spandsp's T.31 software modem on its pty, as an
// installer probes a USB modem.
func TestProbeSpandsp(t *testing.T) {
	t.Parallel()
	l, err := spandsp.NewModemPair(spandsp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	code, out, errs := probeCmd(t, "--modem", l.SlavePath(0), "--timeout", "20s")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	t.Logf("%s", out)
	var info modem.Info
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	if info.Model != "spandsp" || !slices.Contains(info.Classes, "1") {
		t.Errorf("identity %+v, classes %q", info.Identity, info.Classes)
	}
	if want := []int{2400, 4800, 7200, 9600, 12000, 14400}; !slices.Equal(info.Rates, want) {
		t.Errorf("rates %v, want %v", info.Rates, want)
	}
}
