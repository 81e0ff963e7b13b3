package console_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"faxbox/firmware/config"
	"faxbox/firmware/console"
	"faxbox/modem"
	"faxbox/t30"
)

// fakeBackend records what the console asks of it. Methods that list
// return LogLines lines; LineCheck blocks until its context ends when
// BlockLineCheck is set.
type fakeBackend struct {
	mu       sync.Mutex
	calls    []string
	settings console.Settings
	// LogLines is how many lines Log and WireLog produce.
	LogLines int
	// BlockLineCheck makes LineCheck wait for its context to end.
	BlockLineCheck bool
	// started is closed when a blocking LineCheck has started.
	started chan struct{}
	// Unwired makes TestLEDs answer ErrNotAvailable.
	Unwired bool
}

func newFake() *fakeBackend {
	return &fakeBackend{
		settings: console.Settings{Country: "BE", Identity: config.Identity{Header: config.DefaultHeader},
			DialPlan: config.DialPlan{AreaDialing: config.AreaDialingDefault, Dialing: config.DialingTone}},
		LogLines: 3,
		started:  make(chan struct{}),
	}
}

func (f *fakeBackend) record(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

// Calls returns the calls so far.
func (f *fakeBackend) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeBackend) Status(ctx context.Context) (console.Status, error) {
	f.record("Status")
	return console.Status{
		Version: "v1.2.3",
		Modems: []console.ModemStatus{
			{Name: "ttyUSB0", State: "idle", Since: time.Date(2026, 11, 26, 7, 0, 0, 0, time.UTC)},
			{Name: "ttyUSB1", State: "out of order", Detail: "no answer to ATZ"},
			{Name: "sip0/1", State: "calling", Detail: "job 7"},
		},
		SIP: []console.SIPAccount{{Name: "sip0", Registrar: "pbx.example.com", State: "failing",
			Detail: "auth-failed: SIP 403 Forbidden", Next: time.Date(2026, 12, 7, 20, 9, 0, 0, time.UTC), Calls: 1, Lines: 2}},
		Waiting: 4, InCall: 1, Balance: "EUR 12.30", Available: "EUR 10.00",
		Disk:    console.Disk{Path: "/var/lib/faxbox", Used: 1 << 30, Total: 4 << 30},
		Network: []console.Interface{{Name: "eth0", Up: true, MAC: "00:11:22:33:44:55", Addrs: []string{"192.168.1.20/24"}}},
	}, nil
}

func (f *fakeBackend) ProbeModem(ctx context.Context, name string) (modem.Info, error) {
	f.record("ProbeModem %s", name)
	if name != "ttyUSB0" {
		return modem.Info{}, fmt.Errorf("no modem %q", name)
	}
	return modem.Info{Identity: modem.Identity{Manufacturer: "U.S. Robotics", Model: "56K FAX USB", Revision: "1.2"},
		Classes: []string{"0", "1", "1.0"}, Rates: []int{2400, 4800, 7200, 9600, 12000, 14400},
		Capabilities: modem.Capabilities{Transmit: []modem.Modulation{modem.V17At14400}}}, nil
}

func (f *fakeBackend) WireLog(ctx context.Context, name string, n int) ([]string, error) {
	f.record("WireLog %s %d", name, n)
	return lines("wire", min(n, f.LogLines)), nil
}

func lines(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s line %d", prefix, i+1)
	}
	return out
}

func (f *fakeBackend) LineCheck(ctx context.Context, name, number string) (console.LineReport, error) {
	f.record("LineCheck %s %s", name, number)
	if f.BlockLineCheck {
		close(f.started)
		<-ctx.Done()
		f.record("LineCheck cancelled")
		return console.LineReport{}, ctx.Err()
	}
	r := console.LineReport{DialTone: true, DialToneText: "OK", Number: number}
	if number != "" {
		r.Call = t30.Result{Reason: t30.ReasonOK, Text: "sent", Pages: 1, RemoteIdent: "+32 2 555 12 12", BitRate: 14400, Connected: 31 * time.Second}
	}
	return r, nil
}

func (f *fakeBackend) Settings() console.Settings {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.settings
}

// SetSettings validates as the real backend does, through config.Validate.
func (f *fakeBackend) SetSettings(ctx context.Context, s console.Settings) (string, error) {
	f.record("SetSettings %+v", s)
	c := config.Default()
	c.Identity, c.Country, c.DialPlan = s.Identity, s.Country, s.DialPlan
	if err := c.Validate(); err != nil {
		return "", err
	}
	f.mu.Lock()
	f.settings = s
	f.mu.Unlock()
	return "applies after a restart", nil
}

func (f *fakeBackend) Network() ([]console.Interface, error) {
	f.record("Network")
	return []console.Interface{{Name: "eth0", Up: true, Addrs: []string{"192.168.1.20/24", "fe80::1/64"}}, {Name: "wlan0"}}, nil
}

func (f *fakeBackend) WebAddresses() []string {
	f.record("WebAddresses")
	return []string{"https://192.168.1.20/"}
}

func (f *fakeBackend) ResetAdminPassword(ctx context.Context) (string, error) {
	f.record("ResetAdminPassword")
	return "tulip-anchor-42", nil
}

func (f *fakeBackend) RedeemVoucher(ctx context.Context, code string) (string, error) {
	f.record("RedeemVoucher %s", code)
	if !strings.HasPrefix(code, "FAX") {
		return "", fmt.Errorf("voucher %q: not a voucher code", code)
	}
	return "EUR 20.00 added; balance EUR 32.30", nil
}

func (f *fakeBackend) Log(n int, errorsOnly bool) []string {
	f.record("Log %d %v", n, errorsOnly)
	return lines("log", min(n, f.LogLines))
}

func (f *fakeBackend) TestLEDs(ctx context.Context) error {
	f.record("TestLEDs")
	if f.Unwired {
		return fmt.Errorf("%w: no board", console.ErrNotAvailable)
	}
	return nil
}

func (f *fakeBackend) TestSound(ctx context.Context) error {
	f.record("TestSound")
	return nil
}

func (f *fakeBackend) FactoryReset(ctx context.Context) error {
	f.record("FactoryReset")
	return nil
}

func (f *fakeBackend) Backup(_ context.Context, path string) (string, error) {
	f.record("Backup %s", path)
	return "backup written to " + path, nil
}

func (f *fakeBackend) Restore(_ context.Context, path string) (string, error) {
	f.record("Restore %s", path)
	if strings.Contains(path, "damaged") {
		return "", fmt.Errorf("the archive is damaged: truncated")
	}
	return "restoring " + path + ": restarting", nil
}

func (f *fakeBackend) Reboot(ctx context.Context) error {
	f.record("Reboot")
	return nil
}
