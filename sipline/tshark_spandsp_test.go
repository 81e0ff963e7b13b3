//go:build spandsp

package sipline_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	msp "faxbox/modem/spandsp"
	"faxbox/sip"
	"faxbox/sipline"
	"faxbox/sipline/peer"
	"faxbox/t30"
	"faxbox/t38/spandsp"
)

// capture is tshark capturing on the loopback interface.
type capture struct {
	cmd    *exec.Cmd
	file   string
	stderr bytes.Buffer
	done   chan error
}

// startCapture runs tshark on lo with filter and waits until it captures.
func startCapture(t *testing.T, filter string) *capture {
	t.Helper()
	bin, err := exec.LookPath("tshark")
	if err != nil {
		t.Fatalf("tshark (Debian package tshark) is needed: %v", err)
	}
	c := &capture{file: filepath.Join(t.TempDir(), "call.pcapng"), done: make(chan error, 1)}
	c.cmd = exec.Command(bin, "-i", "lo", "-f", filter, "-w", c.file)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	c.cmd.Stderr = pw
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("tshark: %v", err)
	}
	pw.Close()
	started := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		once := false
		for sc.Scan() {
			c.stderr.WriteString(sc.Text() + "\n")
			if !once && strings.Contains(sc.Text(), "Capturing on") {
				once = true
				close(started)
			}
		}
		c.done <- c.cmd.Wait()
	}()
	t.Cleanup(func() {
		if c.cmd.ProcessState == nil {
			_ = c.cmd.Process.Kill()
		}
	})
	select {
	case <-started:
	case <-time.After(20 * time.Second):
		t.Fatalf("tshark did not start capturing:\n%s", c.stderr.String())
	}
	time.Sleep(200 * time.Millisecond) // the capture filter is in place once it says so
	return c
}

// stop ends the capture and waits for the file.
func (c *capture) stop(t *testing.T) {
	t.Helper()
	time.Sleep(300 * time.Millisecond) // the last datagrams reach the capture
	_ = c.cmd.Process.Signal(os.Interrupt)
	select {
	case <-c.done:
	case <-time.After(20 * time.Second):
		t.Fatal("tshark did not stop")
	}
}

// TestTsharkDecodesCall captures a whole faxd call on loopback, SIP and
// UDPTL, to sipp with spandsp's T.38 terminal, and has Wireshark's
// dissectors (an independent reading of RFC 3261, RFC 4566 and T.38)
// decode it: no malformed packet, the SIP dialog from INVITE to the 200
// for BYE, and T.38 packets both ways.
func TestTsharkDecodesCall(t *testing.T) {
	cfg := sip.Default()
	cfg.Listen, cfg.User, cfg.MaxCalls = "127.0.0.1", "fax", 1
	sipPort, media := peer.FreeUDPPort(t), peer.FreeUDPPort(t)
	cfg.SIPPorts = sip.PortRange{Lo: sipPort, Hi: sipPort}
	cfg.MediaPorts = sip.PortRange{Lo: media, Hi: min(media+9, 65535)}
	acct, err := sipline.Open(cfg, sipline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer acct.Close()
	rx := filepath.Join(t.TempDir(), "rx.tif")
	p := peer.Start(t, peer.Scenario(t, "uas-t38-fax"), "", spandsp.TerminalConfig{
		Fax: msp.FaxConfig{Role: msp.Receive, File: rx, Ident: "+44 20 7946 0000", ECM: true, Modems: msp.V27ter | msp.V29 | msp.V17}, Redundancy: 2})
	var sippPort int
	fmt.Sscanf(p.Addr(), "127.0.0.1:%d", &sippPort)
	cp := startCapture(t, fmt.Sprintf("udp port %d or udp port %d or udp portrange %d-%d",
		sipPort, sippPort, cfg.MediaPorts.Lo, cfg.MediaPorts.Hi))

	line := acct.Lines()[0]
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res := t30.Send(ctx, line, "sip:4420@"+p.Addr(), t30.Pages{testPage(t)}, t30.Options{Ident: "+32 2 555 01 01"})
	_ = line.HangUp(ctx)
	sr := p.Wait(ctx)
	cp.stop(t)
	if !res.OK() || !sr.OK() {
		t.Fatalf("faxd %+v; spandsp %+v", res, sr)
	}
	out, err := exec.Command("tshark", "-n", "-r", cp.file, "-o", "t38.use_pre_corrigendum_asn1_specification:TRUE", "-V").CombinedOutput()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	s := string(out)
	for _, bad := range []string{"[Malformed", "Expert Info (Error", "Dissector bug"} {
		if i := strings.Index(s, bad); i >= 0 {
			t.Fatalf("tshark: %s in %s", bad, s[max(0, i-2000):min(len(s), i+200)])
		}
	}
	for _, want := range []string{"Request-Line: INVITE sip:4420@", "Request-Line: ACK", "Request-Line: BYE", "Status-Line: SIP/2.0 200 OK",
		"Media Description, name and address (m): image", "t30-indicator: cng", "t30-data: v21"} {
		if !strings.Contains(s, want) {
			t.Errorf("tshark never shows %q", want)
		}
	}
	t38Frames := strings.Count(s, "ITU-T Recommendation T.38")
	if t38Frames < 50 {
		t.Errorf("only %d T.38 packets decoded", t38Frames)
	}
	t.Logf("tshark decoded %d frames, %d of them T.38", strings.Count(s, "\nFrame "), t38Frames)
}
