package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"go.bug.st/serial"
	"golang.org/x/sys/unix"

	"faxbox/firmware/billing"
	"faxbox/firmware/config"
	"faxbox/firmware/console"
	"faxbox/firmware/daemon"
	"faxbox/firmware/numbers"
	"faxbox/firmware/store"
	"faxbox/modem"
	"faxbox/pages"
	"faxbox/t30"
)

// consoleSocket is the name of the console's unix socket in the data
// directory; `faxd console` connects to it.
const consoleSocket = "console.sock"

// serialRetry is the wait before the console's serial port is opened
// again after it failed or vanished (a USB gadget port unplugged).
const serialRetry = 5 * time.Second

// startConsoles starts the installer console of a running daemon: a unix
// socket DIR/console.sock (mode 0600) that `faxd console` connects to,
// one session per connection, and, when console.device is set, sessions
// one after another on that serial port (8N1 at console.baud). On the
// socket a session needs the PIN when console.pin_hash is set and none
// otherwise (only the daemon's user can open the socket); on the serial
// port the PIN is required. stop ends every session and removes the
// socket.
func startConsoles(ctx context.Context, cfg *config.Config, dir string, b console.Backend, log *slog.Logger) (stop func(), err error) {
	if cfg.Console.Device != "" && cfg.Console.PINHash == "" {
		return nil, fmt.Errorf("console.device %s: %w", cfg.Console.Device, console.ErrNoPIN)
	}
	guard := &console.Guard{}
	sessionCfg := console.Config{Backend: b, PINHash: cfg.Console.PINHash, Guard: guard, Logger: log}

	path := filepath.Join(dir, consoleSocket)
	ln, err := listenUnix(path)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		sc := sessionCfg
		sc.NoPIN = true
		for {
			conn, err := ln.Accept()
			if err != nil {
				if ctx.Err() == nil {
					log.Error("console: socket", "err", err)
				}
				return
			}
			wg.Go(func() {
				defer conn.Close()
				if err := console.Run(ctx, conn, sc); err != nil && !errors.Is(err, console.ErrHangUp) {
					log.Error("console: session on the socket", "err", err)
				}
			})
		}
	})
	if dev := cfg.Console.Device; dev != "" {
		sc := sessionCfg
		sc.Repeat = true
		wg.Go(func() { serialConsole(ctx, dev, cfg.Console.Baud, sc, log) })
	}
	return func() {
		cancel()
		ln.Close()
		wg.Wait()
		os.Remove(path)
	}, nil
}

// listenUnix listens on the unix socket at path, mode 0600, replacing a
// socket that a daemon which died left behind.
func listenUnix(path string) (net.Listener, error) {
	if c, err := net.Dial("unix", path); err == nil {
		c.Close()
		return nil, fmt.Errorf("console: %s: another faxd serve is running", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("console: %w", err)
	}
	// The umask makes the socket private from the start; Chmod then
	// states the mode whatever the umask was.
	old := unix.Umask(0o077)
	ln, err := net.Listen("unix", path)
	unix.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("console: %w", err)
	}
	return ln, nil
}

// serialConsole runs console sessions on a serial port until ctx ends,
// opening it again when it fails.
func serialConsole(ctx context.Context, dev string, baud int, cfg console.Config, log *slog.Logger) {
	for ctx.Err() == nil {
		port, err := serial.Open(dev, &serial.Mode{BaudRate: baud, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit})
		if err != nil {
			log.Warn("console: cannot open the serial port", "device", dev, "err", err)
		} else {
			log.Info("console: on the serial port", "device", dev, "baud", baud)
			// Run closes the port when it returns, which ends its read.
			if err := console.Run(ctx, port, cfg); err != nil {
				log.Warn("console: serial port", "device", dev, "err", err)
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(serialRetry):
		}
	}
}

// consoleBackend is console.Backend over what `faxd serve` runs. Fields
// left nil make their commands answer "not available on this appliance".
type consoleBackend struct {
	cfg        *config.Config // as loaded at start; not changed
	configFile *settingsFile  // where SetSettings saves; shared with the administration page
	dataDir    string
	store      *store.Store
	ledger     *billing.Ledger
	pool       *daemon.Pool // nil: no modems
	webAddrs   []string
	ring       *console.Ring // the daemon's log; nil: none kept

	// borrow lends a modem of the pool to the console (probe, line
	// check), waiting for a call in progress; release gives it back.
	borrow func(ctx context.Context, name string) (m *modem.Modem, release func(), err error)
	// wireLog returns the last n lines exchanged with a modem.
	wireLog func(name string, n int) ([]string, error)
	// board runs the front panel's LED and sound tests.
	board interface {
		TestLEDs(ctx context.Context) error
		TestSound(ctx context.Context) error
	}
	// resetAdmin gives the administrator a one-time password.
	resetAdmin func(ctx context.Context) (string, error)
	// setupCode is the first-run setup's code, "" once used.
	setupCode func() string
	// factoryReset erases the data; nil means eraseDataDir.
	factoryReset func(ctx context.Context) error
	// reboot restarts the machine; nil means `systemctl reboot`.
	reboot func(ctx context.Context) error

	mu       sync.Mutex
	settings console.Settings // as last saved
}

// newConsoleBackend returns the console's backend; the integrator sets
// the optional hooks (borrow, wireLog, board, resetAdmin) afterwards.
func newConsoleBackend(cfg *config.Config, configPath, dataDir string, st *store.Store, led *billing.Ledger,
	pool *daemon.Pool, webAddrs []string, ring *console.Ring) *consoleBackend {
	return &consoleBackend{cfg: cfg, configFile: newSettingsFile(cfg, configPath), dataDir: dataDir, store: st, ledger: led, pool: pool,
		webAddrs: webAddrs, ring: ring,
		settings: console.Settings{Identity: cfg.Identity, Country: cfg.Country, DialPlan: cfg.DialPlan}}
}

func notAvailable(what string) error {
	return fmt.Errorf("%w: %s", console.ErrNotAvailable, what)
}

// Status implements console.Backend. The queue is counted over the
// newest 1000 messages.
func (b *consoleBackend) Status(ctx context.Context) (console.Status, error) {
	st := console.Status{Version: version(), Disk: diskUsage(b.dataDir)}
	if b.setupCode != nil {
		st.SetupCode = b.setupCode()
	}
	if b.pool != nil {
		for _, m := range b.pool.Status() {
			ms := console.ModemStatus{Name: m.Name, State: m.State.String(), Since: m.Since, Detail: m.Err}
			if m.State == daemon.ModemCalling {
				ms.Detail = fmt.Sprintf("job %d", m.Job)
			}
			st.Modems = append(st.Modems, ms)
		}
	}
	msgs, err := b.store.ListMessages(ctx, store.ListOptions{Limit: 1000})
	if err != nil {
		return st, fmt.Errorf("queue: %w", err)
	}
	for _, m := range msgs {
		st.Waiting += m.Counts[store.Queued] + m.Counts[store.Retry]
		st.InCall += m.Counts[store.Dialing] + m.Counts[store.Sending]
	}
	a, err := b.ledger.Account(ctx, "")
	if err != nil {
		return st, fmt.Errorf("balance: %w", err)
	}
	st.Balance, st.Available = a.Currency.Format(a.Balance), a.Currency.Format(a.Available)
	st.Network, err = console.SystemNetwork()
	return st, err
}

// version is the module version and VCS revision faxd was built from.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " (" + s.Value[:12] + ")"
		}
	}
	return v
}

// diskUsage is the use of the file system that holds dir.
func diskUsage(dir string) console.Disk {
	d := console.Disk{Path: dir}
	var fs unix.Statfs_t
	if unix.Statfs(dir, &fs) == nil {
		bs := uint64(fs.Bsize) //nolint:gosec // a block size is positive
		d.Total = uint64(fs.Blocks) * bs
		d.Used = d.Total - uint64(fs.Bfree)*bs
	}
	return d
}

// withModem borrows the named modem for fn.
func (b *consoleBackend) withModem(ctx context.Context, name string, fn func(m *modem.Modem) error) error {
	if b.borrow == nil {
		return notAvailable("the console cannot borrow a modem from the pool yet")
	}
	m, release, err := b.borrow(ctx, name)
	if err != nil {
		return fmt.Errorf("modem %s: %w", name, err)
	}
	defer release()
	return fn(m)
}

// ProbeModem implements console.Backend.
func (b *consoleBackend) ProbeModem(ctx context.Context, name string) (modem.Info, error) {
	var info modem.Info
	err := b.withModem(ctx, name, func(m *modem.Modem) (err error) {
		info, err = m.Probe(ctx)
		return err
	})
	return info, err
}

// WireLog implements console.Backend.
func (b *consoleBackend) WireLog(_ context.Context, name string, n int) ([]string, error) {
	if b.wireLog == nil {
		return nil, notAvailable("the modems' wire logs are not kept")
	}
	return b.wireLog(name, n)
}

// lineTestPage is the page of a test call: blank A4 at standard
// resolution.
func lineTestPage() (*pages.Page, error) {
	return pages.NewPage(pages.WidthA4, 1143)
}

// LineCheck implements console.Backend: a reset, dial tone with ATX4 and
// "ATDT;" (dial nothing and stay in command state, V.250 6.3.1), then a
// test call of one blank page through the dial plan, as the daemon makes
// its calls.
func (b *consoleBackend) LineCheck(ctx context.Context, name, number string) (console.LineReport, error) {
	var r console.LineReport
	var dial string
	if number != "" {
		p, err := numbers.NewParser(b.cfg.Country)
		if err != nil {
			return r, err
		}
		n, err := p.Parse(number)
		if err != nil {
			return r, err
		}
		d, err := b.cfg.NumberDialPlan().Dial(n)
		if err != nil {
			return r, err
		}
		dial, r.Number = d.String(), n.International()
	}
	err := b.withModem(ctx, name, func(m *modem.Modem) error {
		if err := m.Reset(ctx); err != nil {
			return fmt.Errorf("reset: %w", err)
		}
		m.Command(ctx, "ATX4") //nolint:errcheck // a modem without X4 still dials
		_, err := m.Command(ctx, "ATDT;")
		switch {
		case err == nil:
			r.DialTone, r.DialToneText = true, "OK"
		case errors.Is(err, modem.ErrNoDialTone):
			r.DialToneText = "NO DIALTONE"
		default:
			return fmt.Errorf("dial tone: %w", err)
		}
		if err := m.HangUp(ctx); err != nil {
			return fmt.Errorf("hang up: %w", err)
		}
		if dial == "" || !r.DialTone {
			return nil
		}
		page, err := lineTestPage()
		if err != nil {
			return err
		}
		r.Call = t30.Send(ctx, m, dial, t30.Pages{page}, t30.Options{Ident: b.cfg.Ident()})
		return nil
	})
	return r, err
}

// Settings implements console.Backend: the configuration file's
// settings as saved now (the administration page changes them too), or
// the last ones entered when there is no file or it cannot be read.
func (b *consoleBackend) Settings() console.Settings {
	b.mu.Lock()
	defer b.mu.Unlock()
	if c, ok := b.configFile.saved(); ok {
		return console.Settings{Identity: c.Identity, Country: c.Country, DialPlan: c.DialPlan}
	}
	return b.settings
}

// SetSettings implements console.Backend: the configuration file is read
// again, changed, validated and saved as a whole (settingsFile.change),
// so that what others changed in it is kept. The daemon applies it at its
// next start.
func (b *consoleBackend) SetSettings(_ context.Context, s console.Settings) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	msg, err := b.configFile.change(func(c *config.Config) { c.Identity, c.Country, c.DialPlan = s.Identity, s.Country, s.DialPlan })
	if errors.Is(err, errNoConfigFile) {
		msg, err = "not saved: this appliance runs without a configuration file (demo)", nil
	}
	if err != nil {
		return "", err
	}
	b.settings = s
	return msg, nil
}

// Network implements console.Backend.
func (b *consoleBackend) Network() ([]console.Interface, error) { return console.SystemNetwork() }

// WebAddresses implements console.Backend: the listen addresses, with the
// machine's addresses for a wildcard host.
func (b *consoleBackend) WebAddresses() []string {
	var out []string
	for _, a := range b.webAddrs {
		host, port, err := net.SplitHostPort(a)
		if err != nil {
			out = append(out, a)
			continue
		}
		scheme := "http"
		if port == "443" {
			scheme = "https"
		}
		hosts := []string{host}
		if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
			hosts = localAddrs()
		}
		for _, h := range hosts {
			out = append(out, fmt.Sprintf("%s://%s/", scheme, net.JoinHostPort(h, port)))
		}
	}
	return out
}

// localAddrs returns the machine's IP addresses, loopback left out.
func localAddrs() []string {
	ifs, err := console.SystemNetwork()
	if err != nil {
		return nil
	}
	var out []string
	for _, i := range ifs {
		for _, a := range i.Addrs {
			if ip, _, err := net.ParseCIDR(a); err == nil && !ip.IsLinkLocalUnicast() {
				out = append(out, ip.String())
			}
		}
	}
	return out
}

// ResetAdminPassword implements console.Backend.
func (b *consoleBackend) ResetAdminPassword(ctx context.Context) (string, error) {
	if b.resetAdmin == nil {
		return "", notAvailable("there is no administrator account yet")
	}
	return b.resetAdmin(ctx)
}

// RedeemVoucher implements console.Backend through the ledger, as the
// API's POST /api/vouchers/redeem does.
func (b *consoleBackend) RedeemVoucher(ctx context.Context, code string) (string, error) {
	e, err := b.ledger.Redeem(ctx, strings.TrimSpace(code), console.Actor)
	if err != nil {
		return "", errors.New(trimBilling(err))
	}
	c := b.ledger.Currency()
	return fmt.Sprintf("Voucher %s redeemed: %s added; balance %s, %s available.", e.Voucher, c.Format(e.Amount),
		c.Format(e.Balance), c.Format(e.Available())), nil
}

// Log implements console.Backend.
func (b *consoleBackend) Log(n int, errorsOnly bool) []string {
	if b.ring == nil {
		return nil
	}
	return b.ring.Lines(n, errorsOnly)
}

// TestLEDs implements console.Backend.
func (b *consoleBackend) TestLEDs(ctx context.Context) error {
	if b.board == nil {
		return notAvailable("no front panel")
	}
	return b.board.TestLEDs(ctx)
}

// TestSound implements console.Backend.
func (b *consoleBackend) TestSound(ctx context.Context) error {
	if b.board == nil {
		return notAvailable("no sound output")
	}
	return b.board.TestSound(ctx)
}

// FactoryReset implements console.Backend.
func (b *consoleBackend) FactoryReset(ctx context.Context) error {
	if b.factoryReset != nil {
		return b.factoryReset(ctx)
	}
	return eraseDataDir(b.dataDir)
}

// eraseDataDir removes everything in dir but the console's socket: the
// database, faxes, pages and archives. The daemon must restart after it.
func eraseDataDir(dir string) error {
	es, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("factory reset: %w", err)
	}
	var errs []error
	for _, e := range es {
		if e.Name() == consoleSocket {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("factory reset: %w", err)
	}
	return nil
}

// Reboot implements console.Backend.
func (b *consoleBackend) Reboot(ctx context.Context) error {
	if b.reboot != nil {
		return b.reboot(ctx)
	}
	if out, err := exec.CommandContext(ctx, "systemctl", "reboot").CombinedOutput(); err != nil {
		return fmt.Errorf("reboot: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}
