package installer_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/sys/unix"

	"faxbox/firmware/billing"
	"faxbox/firmware/config"
	"faxbox/firmware/console"
	"faxbox/firmware/daemon"
	"faxbox/firmware/demo"
	"faxbox/firmware/installer"
	"faxbox/firmware/settings"
	"faxbox/firmware/store"
	"faxbox/internal/pty"
	"faxbox/internal/teststream"
	"faxbox/modem"
	"faxbox/t30"
)

const consoleTestPIN = "5791"

// consoleFixture is a daemon's console backend over a real store, ledger
// and configuration file in a temporary directory, with one simulated
// modem on a simulated line whose far end is the demo's remote fax
// machine.
type consoleFixture struct {
	dir, cfgPath string
	cfg          *config.Config
	backend      *installer.Backend
	ring         *console.Ring
	log          *slog.Logger
	rebooted     chan struct{}
	t            *testing.T
}

func newConsoleFixture(t *testing.T) *consoleFixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	h, err := bcrypt.GenerateFromPassword([]byte(consoleTestPIN), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.Identity.FaxNumber = demo.FaxNumber
	cfg.Console.PINHash = string(h)
	cfgPath := filepath.Join(dir, "faxbox.toml")
	if err := cfg.Save(cfgPath); err != nil {
		t.Fatal(err)
	}
	ring := console.NewRing(500, nil)
	log := slog.New(ring)
	db := filepath.Join(dir, "faxbox.db")
	st, err := store.Open(ctx, store.Config{Path: db, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cur, err := billing.ParseCurrency(cfg.Billing.Currency)
	if err != nil {
		t.Fatal(err)
	}
	led, err := billing.Open(ctx, billing.Config{Path: db, Currency: cur, InstallDefaultTariff: true, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { led.Close() })

	line, err := demo.NewLine(ctx, demo.LineConfig{FaxNumber: cfg.Identity.FaxNumber, Scale: 20})
	if err != nil {
		t.Fatal(err)
	}
	local := line.Local
	remoteCtx, stopRemote := context.WithCancel(ctx)
	remoteDone := make(chan struct{})
	go func() {
		defer close(remoteDone)
		demo.NewRemote(demo.RemoteConfig{Modem: line.Remote, Dir: filepath.Join(dir, "remote"), Logger: log}).Run(remoteCtx)
	}()
	t.Cleanup(func() { stopRemote(); line.Close(); <-remoteDone })
	if err := os.MkdirAll(filepath.Join(dir, "remote"), 0o755); err != nil {
		t.Fatal(err)
	}
	pool, err := daemon.New(daemon.Config{Store: st, Ledger: led, Lines: []daemon.Line{{Name: "sim0", Modem: local}}, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	f := &consoleFixture{dir: dir, cfgPath: cfgPath, cfg: cfg, ring: ring, log: log, rebooted: make(chan struct{}, 1), t: t}
	borrow := func(ctx context.Context, name string) (*modem.Modem, func(), error) {
		if name != "sim0" {
			return nil, nil, errors.New("no such modem")
		}
		return local, func() {}, nil
	}
	f.backend, err = installer.NewBackend(installer.Config{Config: cfg, Settings: settings.New(cfg, cfgPath), DataDir: dir,
		Store: st, Ledger: led, Pool: pool, WebAddrs: []string{"127.0.0.1:8080"}, Ring: ring, Version: "test",
		Borrow: borrow, Reboot: func(context.Context) error { f.rebooted <- struct{}{}; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// start listens on the console's socket (and serial port) and runs the
// sessions until stop, which fails the test if Run did not end cleanly.
func (f *consoleFixture) start(ctx context.Context) (stop func(), err error) {
	c, err := installer.Listen(installer.ConsolesConfig{Backend: f.backend, DataDir: f.dir, PINHash: f.cfg.Console.PINHash,
		Device: f.cfg.Console.Device, Baud: f.cfg.Console.Baud, Logger: f.log})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	return sync.OnceFunc(func() {
		cancel()
		if err := <-done; err != nil {
			f.t.Errorf("consoles: Run: %v", err)
		}
	}), nil
}

// TestConsoleSocket runs `faxd console`'s client against the daemon's
// console socket, end to end: log in, status, change the country (saved
// in the configuration file, and logged), a wrong change, a voucher, a
// line check with a test call over the simulated line, a function the
// appliance lacks, reboot, and quit.
func TestConsoleSocket(t *testing.T) {
	f := newConsoleFixture(t)
	ctx := t.Context()
	stop, err := f.start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(f.dir, installer.SocketName)
	if fi, err := os.Stat(sock); err != nil || fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
		t.Fatalf("console socket: %v %v, want a socket with mode 0600", fi.Mode(), err)
	}
	if _, err := f.start(ctx); err == nil || !strings.Contains(err.Error(), "another faxd serve") {
		t.Errorf("a second daemon on the same socket: %v", err)
	}

	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	clientDone := make(chan error, 1)
	go func() {
		clientDone <- installer.Dial(ctx, sock, inR, outW)
		outW.Close()
	}()
	out := teststream.New(t, outR)
	typ := func(s string) {
		t.Helper()
		if _, err := inW.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	run := func(line string) string {
		t.Helper()
		typ(line + "\r")
		return out.Expect("faxbox# ")
	}

	out.Expect("Faxbox installer console\r\nPIN: ")
	typ(consoleTestPIN + "\r")
	out.Expect("faxbox# ")

	got := run("status")
	for _, want := range []string{"version   ", "queue     0 waiting, 0 in a call", "balance   0.00 EUR (0.00 EUR available)",
		"disk      " + f.dir + ": ", "sim0       "} {
		if !strings.Contains(got, want) {
			t.Errorf("status lacks %q:\n%s", want, got)
		}
	}

	if got := run("set country DE"); !strings.Contains(got, `country: "DE" (was "BE"); saved in `+f.cfgPath) {
		t.Errorf("set country: %q", got)
	}
	if got := run("set country XX"); !strings.Contains(got, "error: country: \"XX\" is not an ISO 3166-1 country code") {
		t.Errorf("set country XX: %q", got)
	}
	if got := run("set ident " + strings.Repeat("9", 21)); !strings.Contains(got, "error: identity.ident") {
		t.Errorf("set an over-long ident: %q", got)
	}
	saved, err := config.Load(f.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Country != "DE" || saved.Identity.Ident != "" || saved.Console.PINHash != f.cfg.Console.PINHash {
		t.Errorf("saved configuration: country %q ident %q pin_hash kept %v", saved.Country, saved.Identity.Ident,
			saved.Console.PINHash == f.cfg.Console.PINHash)
	}
	if got := run("show country"); !strings.Contains(got, `country                "DE"`) {
		t.Errorf("show country after set: %q", got)
	}

	if got := run("voucher redeem NOT-A-VOUCHER"); !strings.Contains(got, "error: ") {
		t.Errorf("a bad voucher: %q", got)
	}
	if got := run("web"); !strings.Contains(got, "http://127.0.0.1:8080/") {
		t.Errorf("web: %q", got)
	}
	if got := run("test leds"); !strings.Contains(got, "not available on this appliance: no front panel") {
		t.Errorf("test leds without a board: %q", got)
	}
	if got := run("admin reset-password"); !strings.Contains(got, "not available on this appliance") {
		t.Errorf("reset-password without accounts: %q", got)
	}

	// The line check dials through the dial plan (now DE) and sends the
	// test page to the simulated remote fax machine.
	got = run("line check sim0 +32 2 555 12 12")
	for _, want := range []string{"dial tone     present", "test call     +32 2 555 12 12", "result        ok:", "remote        " + demo.RemoteCSI, "pages         1 confirmed"} {
		if !strings.Contains(got, want) {
			t.Errorf("line check lacks %q:\n%s", want, got)
		}
	}

	// Every change is in the log, with the console as the actor.
	got = run("log 200")
	for _, want := range []string{"msg=\"console: login\" actor=console", "msg=\"console: change\" actor=console command=set args=\"country DE\"",
		"msg=\"console: change failed\" actor=console command=set args=\"country XX\"", "command=\"voucher redeem\" err="} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "NOT-A-VOUCHER") {
		t.Errorf("the log shows a voucher code:\n%s", got)
	}

	typ("reboot\r")
	out.Expect("confirm: ")
	typ("reboot\r")
	out.Expect("Rebooting.")
	select {
	case <-f.rebooted:
	case <-time.After(10 * time.Second):
		t.Error("reboot did not reach the backend")
	}
	out.Expect("faxbox# ")
	typ("quit\r")
	out.Expect("Logged out.\r\n")
	if err := <-clientDone; err != nil {
		t.Errorf("faxd console after quit: %v", err)
	}
	inW.Close()
	stop()
	if _, err := os.Stat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket after stop: %v", err)
	}
}

// TestConsoleSerial runs the console on a serial port (a pty): a session
// after each logout, and stop ends it.
func TestConsoleSerial(t *testing.T) {
	f := newConsoleFixture(t)
	p, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	f.cfg.Console.Device = p.SlavePath
	stop, err := f.start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	out := teststream.New(t, p.Master)
	for range 2 {
		out.Expect("Faxbox installer console\r\nPIN: ")
		p.Master.WriteString(consoleTestPIN + "\r")
		out.Expect("faxbox# ")
		p.Master.WriteString("modem list\r")
		if got := out.Expect("faxbox# "); !strings.Contains(got, "sim0") {
			t.Errorf("modem list: %q", got)
		}
		p.Master.WriteString("quit\r")
		out.Expect("Logged out.\r\n")
	}
	out.Expect("PIN: ")
	done := make(chan struct{})
	go func() { stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("stop did not return with a session waiting on the serial port")
	}
}

func TestConsoleSerialNeedsPIN(t *testing.T) {
	f := newConsoleFixture(t)
	f.cfg.Console.Device = "/dev/ttyS0"
	f.cfg.Console.PINHash = ""
	if _, err := f.start(t.Context()); !errors.Is(err, console.ErrNoPIN) {
		t.Errorf("a serial console without a PIN: %v, want ErrNoPIN", err)
	}
}

func TestConsoleClientNoDaemon(t *testing.T) {
	err := installer.Dial(t.Context(), filepath.Join(t.TempDir(), installer.SocketName), strings.NewReader(""), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "is faxd serve running?") {
		t.Errorf("no daemon: %v", err)
	}
}

// TestEraseDataDir checks that factory reset removes everything in the
// data directory but the console's socket.
func TestEraseDataDir(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"faxbox.db", "faxbox.db-wal", "pages/1/p1.tif", "remote/fax.tif"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := unix.Mkfifo(filepath.Join(dir, installer.SocketName), 0o600); err != nil { // stands for the socket
		t.Fatal(err)
	}
	if err := installer.EraseDataDir(dir); err != nil {
		t.Fatal(err)
	}
	es, _ := os.ReadDir(dir)
	if len(es) != 1 || es[0].Name() != installer.SocketName {
		t.Errorf("left after the reset: %v", es)
	}
}

// The test call's page is a valid page for the engine.
var _ t30.Document = t30.Pages{}
