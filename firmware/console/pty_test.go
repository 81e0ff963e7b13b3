//go:build linux

package console_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/console"
	"faxbox/internal/pty"

	"golang.org/x/sys/unix"
)

// installer is the far end of a console: it types and reads what the
// console shows, as a terminal emulator on a serial cable does.
type installer struct {
	t    *testing.T
	f    *os.File
	out  []byte          // read but not yet expected
	done <-chan struct{} // closed when the session has ended
	err  error           // what Run returned, once done is closed
}

// startPTY runs a console session on the slave side of a new
// pseudo-terminal and returns the installer at the master side. The
// session ends at the latest when the test does.
func startPTY(t *testing.T, cfg console.Config) *installer {
	t.Helper()
	p, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	slave, err := os.OpenFile(p.SlavePath, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		p.Close()
		t.Fatal(err)
	}
	if cfg.Guard == nil {
		cfg.Guard = &console.Guard{Delay: 10 * time.Millisecond}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	in := &installer{t: t, f: p.Master, done: done}
	go func() {
		in.err = console.Run(ctx, slave, cfg)
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		p.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("the session did not end")
		}
		slave.Close()
	})
	return in
}

// typ types s.
func (in *installer) typ(s string) {
	in.t.Helper()
	if _, err := in.f.WriteString(s); err != nil {
		in.t.Fatalf("typing %q: %v", s, err)
	}
}

// expect reads until the output contains want and returns the output up
// to and including it; what follows is kept for the next expect.
func (in *installer) expect(want string) string {
	in.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	buf := make([]byte, 4096)
	for {
		if i := bytes.Index(in.out, []byte(want)); i >= 0 {
			got := string(in.out[:i+len(want)])
			in.out = in.out[i+len(want):]
			return got
		}
		in.f.SetReadDeadline(deadline)
		n, err := in.f.Read(buf)
		in.out = append(in.out, buf[:n]...)
		if err != nil {
			in.t.Fatalf("waiting for %q: %v; got %q", want, err, tail(in.out))
		}
	}
}

func tail(b []byte) string {
	if len(b) > 600 {
		return "..." + string(b[len(b)-600:])
	}
	return string(b)
}

// login types the PIN and waits for the shell's prompt.
func (in *installer) login() {
	in.t.Helper()
	in.expect("PIN: ")
	in.typ(testPIN + "\r")
	in.expect("faxbox# ")
}

// run types a command line and returns its output, up to the next
// prompt.
func (in *installer) run(line string) string {
	in.t.Helper()
	in.typ(line + "\r")
	return strings.TrimSuffix(in.expect("faxbox# "), "faxbox# ")
}

// wait returns what the session ended with.
func (in *installer) wait() error {
	in.t.Helper()
	select {
	case <-in.done:
		return in.err
	case <-time.After(10 * time.Second):
		in.t.Fatal("the session did not end")
		return nil
	}
}

// ptyConfig is a console on fake, guarded by testPIN.
func ptyConfig(t *testing.T, fake *fakeBackend) console.Config {
	return console.Config{Backend: fake, PINHash: bcryptHash(t, testPIN), Logger: discardLogger()}
}

func TestPTYWrongPINThenRight(t *testing.T) {
	fake := newFake()
	in := startPTY(t, ptyConfig(t, fake))
	in.expect("Faxbox installer console\r\n")
	in.expect("PIN: ")
	in.typ("1357\r")
	got := in.expect("Wrong PIN.\r\n")
	if got != "****\r\nWrong PIN.\r\n" {
		t.Errorf("wrong PIN shows %q, want the PIN masked", got)
	}
	in.expect("PIN: ")
	in.typ(testPIN + "\r")
	got = in.expect("faxbox# ")
	if strings.Contains(got, testPIN) {
		t.Errorf("the PIN was echoed: %q", got)
	}
	if !strings.Contains(got, "Type help") {
		t.Errorf("after login: %q", got)
	}
	if out := in.run("status"); !strings.Contains(out, "v1.2.3") {
		t.Errorf("status after login: %q", out)
	}
}

// TestPTYCommands types every command as an installer would and checks
// what it shows and what it asked of the backend.
func TestPTYCommands(t *testing.T) {
	fake := newFake()
	in := startPTY(t, ptyConfig(t, fake))
	in.login()
	tests := []struct {
		line string
		want []string // in the output
		call string   // the last backend call, "" for none
	}{
		{"status", []string{"version   v1.2.3", "queue     4 waiting, 1 in a call", "balance   EUR 12.30 (EUR 10.00 available)",
			"disk      /var/lib/faxbox: 1.0 GiB of 4.0 GiB used (25%)", "ttyUSB0    idle since 2026-11-26 07:00:00",
			"ttyUSB1    out of order: no answer to ATZ", "sip0/1     calling: job 7", "sip       1 account\r\n",
			"sip0       failing at pbx.example.com: auth-failed: SIP 403 Forbidden, next REGISTER 2026-12-07 20:09:00, 1 of 2 lines in a call",
			"eth0 up 00:11:22:33:44:55 192.168.1.20/24"}, "Status"},
		{"modem list", []string{"ttyUSB0    idle", "ttyUSB1    out of order", "sip0/1     calling",
			"SIP account sip0       failing at pbx.example.com"}, "Status"},
		{"modem probe ttyUSB0", []string{"manufacturer  U.S. Robotics", "classes       0, 1, 1.0", "rates         2400, 4800, 7200, 9600, 12000, 14400 bit/s"}, "ProbeModem ttyUSB0"},
		{"modem probe ttyS9", []string{`error: no modem "ttyS9"`}, "ProbeModem ttyS9"},
		{"modem probe", []string{"usage: modem probe NAME"}, ""},
		{"modem wire-log ttyUSB0 2", []string{"wire line 1\r\nwire line 2\r\n"}, "WireLog ttyUSB0 2"},
		{"modem wire-log ttyUSB0", []string{"wire line 3"}, "WireLog ttyUSB0 100"},
		{"modem wire-log ttyUSB0 lots", []string{`error: "lots" is not a number of lines`}, ""},
		{"line check ttyUSB0", []string{"dial tone     present (OK)"}, "LineCheck ttyUSB0 "},
		{"line check ttyUSB0 +32 2 555 12 12", []string{"test call     +3225551212", "result        ok: sent", "remote        +32 2 555 12 12",
			"rate          14400 bit/s", "pages         1 confirmed", "connected     31s"}, "LineCheck ttyUSB0 +3225551212"},
		{"show identity", []string{`fax-number             ""`, `header                 "{date}`}, ""},
		{"set fax-number +3225550199", []string{`fax-number: "+3225550199" (was "")`, "applies after a restart"}, "SetSettings"},
		{"set country XX", []string{`error: country: "XX" is not an ISO 3166-1 country code`}, "SetSettings"},
		{"set dialing pulse", []string{`dialing: "pulse" (was "tone")`}, "SetSettings"},
		{"set colour blue", []string{`error: no setting "colour"`}, ""},
		{"show dial-plan", []string{`dialing                "pulse"`, `area-code              ""`}, ""},
		{"show country", []string{`country                "BE"`}, ""},
		{"network", []string{"eth0 up 192.168.1.20/24 fe80::1/64", "wlan0 down (no address)"}, "Network"},
		{"web", []string{"https://192.168.1.20/"}, "WebAddresses"},
		{"admin reset-password", []string{"tulip-anchor-42"}, "ResetAdminPassword"},
		{"voucher redeem FAX-1234-5678", []string{"EUR 20.00 added; balance EUR 32.30"}, "RedeemVoucher FAX-1234-5678"},
		{"voucher redeem nonsense", []string{`error: voucher "nonsense": not a voucher code`}, "RedeemVoucher nonsense"},
		{"errors", []string{"log line 1", "log line 3"}, "Log 50 true"},
		{"log 2", []string{"log line 1\r\nlog line 2\r\n"}, "Log 2 false"},
		{"test leds", []string{"LED test...", "LED test done."}, "TestLEDs"},
		{"test sound", []string{"sound test done."}, "TestSound"},
		{"stattus", []string{`unknown command "stattus"; did you mean status?`}, ""},
		{"modem frobnicate", []string{"did you mean modem list, modem probe, modem wire-log?"}, ""},
		{"status now", []string{"usage: status (help status explains)"}, ""},
	}
	for _, tc := range tests {
		before := len(fake.Calls())
		out := in.run(tc.line)
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: output lacks %q:\n%s", tc.line, w, out)
			}
		}
		calls := fake.Calls()[before:]
		switch {
		case tc.call == "" && len(calls) > 0:
			t.Errorf("%s: called %q, want no call", tc.line, calls)
		case tc.call != "" && (len(calls) != 1 || !strings.HasPrefix(calls[0], tc.call)):
			t.Errorf("%s: called %q, want one %q", tc.line, calls, tc.call)
		}
		if strings.Contains(strings.ReplaceAll(out, "\r\n", ""), "\n") {
			t.Errorf("%s: a bare LF in the output (raw terminals need CRLF): %q", tc.line, out)
		}
	}
	s := fake.Settings()
	if s.Identity.FaxNumber != "+3225550199" || s.Country != "BE" || s.DialPlan.Dialing != "pulse" {
		t.Errorf("settings after set: %+v", s)
	}
}

// TestPTYHelp checks that help lists the commands and that help explains
// each of them.
func TestPTYHelp(t *testing.T) {
	in := startPTY(t, ptyConfig(t, newFake()))
	in.login()
	list := in.run("help")
	var names []string
	for _, l := range strings.Split(list, "\r\n") {
		if !strings.HasPrefix(l, "  ") {
			continue
		}
		// The name and synopsis fill the first 32 columns: the name is
		// the lower-case words ("modem probe NAME", "show [identity]").
		var words []string
		for _, w := range strings.Fields(l[2:min(len(l), 34)]) {
			if w != strings.ToLower(w) || strings.HasPrefix(w, "[") {
				break
			}
			words = append(words, w)
		}
		names = append(names, strings.Join(words, " "))
	}
	if len(names) < 18 {
		t.Fatalf("help lists %d commands: %q", len(names), list)
	}
	for _, n := range names {
		out := in.run("help " + n)
		if !strings.HasPrefix(out, "help "+n+"\r\n"+n) || len(out) < len("help "+n)+30 {
			t.Errorf("help %s: %q", n, out)
		}
	}
	if out := in.run("help set"); !strings.Contains(out, "international-prefix") {
		t.Errorf("help set does not list the settings: %q", out)
	}
	if out := in.run("help stattus"); !strings.Contains(out, "did you mean status?") {
		t.Errorf("help of an unknown command: %q", out)
	}
}

// TestPTYLineEditing edits lines with backspace, DEL, Ctrl-U and Ctrl-C,
// arrow keys, UTF-8, every line end, and an over-long line.
func TestPTYLineEditing(t *testing.T) {
	fake := newFake()
	in := startPTY(t, console.Config{Backend: fake, PINHash: bcryptHash(t, testPIN), MaxLine: 40, Logger: discardLogger()})
	in.expect("PIN: ")
	in.typ("24x\b68\r") // a typo in the PIN, erased
	in.expect("faxbox# ")

	// Backspace and DEL erase with "\b \b".
	in.typ("statx\x7fus\r")
	if got := in.expect("faxbox# "); !strings.HasPrefix(got, "statx\b \bus\r\n") || !strings.Contains(got, "v1.2.3") {
		t.Errorf("DEL: %q", got)
	}
	// Ctrl-U erases the line; arrow keys and other controls are ignored.
	in.typ("reboot\x15we\x1b[A\x1bOB\x07b\r")
	if got := in.expect("faxbox# "); !strings.HasPrefix(got, "reboot"+strings.Repeat("\b \b", 6)+"web\r\n") || !strings.Contains(got, "https://") {
		t.Errorf("Ctrl-U and escapes: %q", got)
	}
	// Ctrl-C abandons the line: nothing runs.
	before := len(fake.Calls())
	in.typ("factory-reset\x03")
	in.expect("^C\r\nfaxbox# ")
	// LF and CRLF end lines as CR does; the LF of a CRLF is no empty line.
	in.typ("web\nweb\r\nweb\r")
	for range 3 {
		if got := in.expect("faxbox# "); !strings.Contains(got, "https://") {
			t.Errorf("line end: %q", got)
		}
	}
	if calls := fake.Calls()[before:]; len(calls) != 3 {
		t.Errorf("calls after Ctrl-C and three web: %q", calls)
	}
	// UTF-8 is accepted and echoed as typed.
	in.typ("set organisation Café Zoë\r")
	if got := in.expect("faxbox# "); !strings.HasPrefix(got, "set organisation Café Zoë\r\n") {
		t.Errorf("UTF-8 echo: %q", got)
	}
	if o := fake.Settings().Identity.Organisation; o != "Café Zoë" {
		t.Errorf("organisation %q", o)
	}
	// A line longer than MaxLine rings the bell instead of growing.
	in.typ(strings.Repeat("x", 45) + "\r")
	got := in.expect("faxbox# ")
	if !strings.HasPrefix(got, strings.Repeat("x", 40)+strings.Repeat("\a", 5)+"\r\n") {
		t.Errorf("over-long line: %q", got)
	}
	// Ctrl-D on an empty line logs out.
	in.typ("\x04")
	in.expect("Logged out.\r\n")
	if err := in.wait(); err != nil {
		t.Errorf("after Ctrl-D: %v", err)
	}
	noLeak(t)
}

// TestPTYInterrupt presses Ctrl-C during a line check that would go on
// for ever: the check's context is cancelled and the shell goes on.
func TestPTYInterrupt(t *testing.T) {
	fake := newFake()
	fake.BlockLineCheck = true
	in := startPTY(t, ptyConfig(t, fake))
	in.login()
	in.typ("line check ttyUSB0 +3225551212\r")
	in.expect("(Ctrl-C hangs up)\r\n")
	<-fake.started
	in.typ("\x03")
	in.expect("^C\r\nInterrupted.\r\nfaxbox# ")
	if c := fake.Calls(); c[len(c)-1] != "LineCheck cancelled" {
		t.Errorf("calls %q: the line check was not cancelled", c)
	}
	if out := in.run("status"); !strings.Contains(out, "v1.2.3") {
		t.Errorf("after Ctrl-C: %q", out)
	}
}

// TestPTYLongOutput lists thousands of lines and checks that all arrive,
// in order, and that Ctrl-C stops a longer listing.
func TestPTYLongOutput(t *testing.T) {
	fake := newFake()
	fake.LogLines = 5000
	in := startPTY(t, ptyConfig(t, fake))
	in.login()
	out := in.run("log 5000")
	lines := strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n")
	if len(lines) != 5001 {
		t.Fatalf("log 5000 shows %d lines", len(lines)-1)
	}
	for i, l := range lines[1:] {
		if want := fmt.Sprintf("log line %d", i+1); l != want {
			t.Fatalf("line %d is %q, want %q", i+1, l, want)
		}
	}

	fake.LogLines = 100000
	in.typ("log 100000\r")
	in.expect("log line 100\r\n")
	in.typ("\x03")
	got := in.expect("Interrupted.\r\nfaxbox# ")
	if strings.Contains(got, "log line 100000\r\n") {
		t.Errorf("Ctrl-C did not stop the listing")
	}
}

// TestPTYHangUp closes the installer's end in the middle of a long
// listing and in the middle of a line: the session ends with ErrHangUp
// and leaves no goroutine behind.
func TestPTYHangUp(t *testing.T) {
	for _, tc := range []struct {
		name string
		do   func(in *installer)
	}{
		{"during output", func(in *installer) {
			in.typ("log 100000\r")
			in.expect("log line 50\r\n")
		}},
		{"mid-line", func(in *installer) {
			in.typ("modem pro")
			in.expect("modem pro")
		}},
		{"at the PIN prompt", func(in *installer) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFake()
			fake.LogLines = 100000
			in := startPTY(t, ptyConfig(t, fake))
			if tc.name == "at the PIN prompt" {
				in.expect("PIN: ")
				in.typ("12")
				in.expect("**")
			} else {
				in.login()
			}
			tc.do(in)
			in.f.Close()
			if err := in.wait(); !isHangUp(err) {
				t.Errorf("Run returned %v, want a hang-up", err)
			}
			noLeak(t)
		})
	}
}

// TestPTYConfirm checks that factory reset and reboot run only after the
// exact phrase.
func TestPTYConfirm(t *testing.T) {
	fake := newFake()
	in := startPTY(t, ptyConfig(t, fake))
	in.login()
	in.typ("factory-reset\r")
	in.expect(`Type "erase everything" to go ahead`)
	in.typ("erase\r")
	if got := in.expect("faxbox# "); !strings.Contains(got, "Not confirmed: nothing done.") {
		t.Errorf("wrong phrase: %q", got)
	}
	in.typ("reboot\r")
	in.expect("confirm: ")
	in.typ("\x03")
	in.expect("faxbox# ")
	for _, c := range fake.Calls() {
		if c == "FactoryReset" || c == "Reboot" {
			t.Fatalf("%s ran without its confirmation", c)
		}
	}
	in.typ("factory-reset\r")
	in.expect("confirm: ")
	in.typ("erase everything\r")
	if got := in.expect("faxbox# "); !strings.Contains(got, "Factory reset done.") {
		t.Errorf("factory reset: %q", got)
	}
	in.typ("reboot\r")
	in.expect("confirm: ")
	in.typ("reboot\r")
	in.expect("Rebooting.")
	c := fake.Calls()
	if len(c) < 2 || c[len(c)-2] != "FactoryReset" || c[len(c)-1] != "Reboot" {
		t.Errorf("calls %q", c)
	}
}

// TestPTYNotAvailable shows a function the appliance lacks plainly.
func TestPTYNotAvailable(t *testing.T) {
	fake := newFake()
	fake.Unwired = true
	in := startPTY(t, ptyConfig(t, fake))
	in.login()
	if out := in.run("test leds"); !strings.Contains(out, "not available on this appliance: no board\r\n") || strings.Contains(out, "error:") {
		t.Errorf("test leds without a board: %q", out)
	}
}
