package installer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"faxbox/firmware/backup"
	"faxbox/firmware/billing"
	"faxbox/firmware/config"
	"faxbox/firmware/console"
	"faxbox/firmware/daemon"
	"faxbox/firmware/numbers"
	"faxbox/firmware/settings"
	"faxbox/firmware/store"
	"faxbox/modem"
	"faxbox/pages"
	"faxbox/sipline"
	"faxbox/t30"
)

// Config is what the console's backend reads and acts on; fields left
// nil make their commands answer "not available on this appliance".
type Config struct {
	Config   *config.Config // as loaded at start; not changed. Required.
	Settings *settings.File // where SetSettings saves; shared with the administration page. Required.
	DataDir  string
	Store    *store.Store    // required
	Ledger   *billing.Ledger // required
	Pool     *daemon.Pool    // nil: no modems
	WebAddrs []string        // the web UI's listen addresses
	Ring     *console.Ring   // the daemon's log; nil: none kept
	Version  string          // of faxd, as the status shows it

	// Borrow lends a modem of the pool to the console (probe, line
	// check), waiting for a call in progress; release gives it back.
	Borrow func(ctx context.Context, name string) (m *modem.Modem, release func(), err error)
	// WireLog returns the last n lines exchanged with a modem.
	WireLog func(name string, n int) ([]string, error)
	// Board runs the front panel's LED and sound tests.
	Board interface {
		TestLEDs(ctx context.Context) error
		TestSound(ctx context.Context) error
	}
	// ResetAdmin gives the administrator a one-time password.
	ResetAdmin func(ctx context.Context) (string, error)
	// SIP is the [[sip]] accounts' registration and calls; nil: none.
	SIP func() []sipline.Status
	// SetupCode is the first-run setup's code, "" once used.
	SetupCode func() string
	// FactoryReset erases the data; nil means EraseDataDir.
	FactoryReset func(ctx context.Context) error
	// Reboot restarts the machine; nil means `systemctl reboot`.
	Reboot func(ctx context.Context) error
	// WriteBackup writes the appliance's backup to w; StageRestore checks
	// and stages one read from r and returns then, which restarts the
	// appliance on it (backup.go). Either nil: not available.
	WriteBackup  func(ctx context.Context, w io.Writer) (*backup.Manifest, error)
	StageRestore func(ctx context.Context, r io.Reader) (*backup.Manifest, func(), error)
}

// Backend is console.Backend over what `faxd serve` runs.
type Backend struct {
	cfg Config

	mu       sync.Mutex
	settings console.Settings // as last saved
}

// NewBackend returns the console's backend over cfg.
func NewBackend(cfg Config) (*Backend, error) {
	if cfg.Config == nil || cfg.Settings == nil || cfg.Store == nil || cfg.Ledger == nil {
		return nil, errors.New("installer: Config, Settings, Store and Ledger are required")
	}
	c := cfg.Config
	return &Backend{cfg: cfg, settings: console.Settings{Identity: c.Identity, Country: c.Country, DialPlan: c.DialPlan}}, nil
}

func notAvailable(what string) error {
	return fmt.Errorf("%w: %s", console.ErrNotAvailable, what)
}

// Status implements console.Backend. The queue is counted over the
// newest 1000 messages.
func (b *Backend) Status(ctx context.Context) (console.Status, error) {
	st := console.Status{Version: b.cfg.Version, Disk: diskUsage(b.cfg.DataDir)}
	if b.cfg.SetupCode != nil {
		st.SetupCode = b.cfg.SetupCode()
	}
	if b.cfg.Pool != nil {
		for _, m := range b.cfg.Pool.Status() {
			ms := console.ModemStatus{Name: m.Name, State: m.State.String(), Since: m.Since, Detail: m.Err}
			if m.State == daemon.ModemCalling {
				ms.Detail = fmt.Sprintf("job %d", m.Job)
			}
			st.Modems = append(st.Modems, ms)
		}
	}
	if b.cfg.SIP != nil {
		st.SIP = sipAccounts(b.cfg.SIP())
	}
	msgs, err := b.cfg.Store.ListMessages(ctx, store.ListOptions{Limit: 1000})
	if err != nil {
		return st, fmt.Errorf("queue: %w", err)
	}
	for _, m := range msgs {
		st.Waiting += m.Counts[store.Queued] + m.Counts[store.Retry]
		st.InCall += m.Counts[store.Dialing] + m.Counts[store.Sending]
	}
	a, err := b.cfg.Ledger.Account(ctx, "")
	if err != nil {
		return st, fmt.Errorf("balance: %w", err)
	}
	st.Balance, st.Available = a.Currency.Format(a.Balance), a.Currency.Format(a.Available)
	st.Network, err = console.SystemNetwork()
	return st, err
}

// sipAccounts turns the SIP accounts' status into the console's.
func sipAccounts(sts []sipline.Status) []console.SIPAccount {
	var out []console.SIPAccount
	for _, s := range sts {
		a := console.SIPAccount{Name: s.Name, Registrar: s.Registrar, State: s.State, Next: s.Next,
			Calls: s.Calls, Lines: len(s.Lines)}
		if s.State == sipline.RegFailing {
			a.Detail = string(s.Reason)
			if s.Status != 0 {
				a.Detail += fmt.Sprintf(": SIP %d", s.Status)
			}
			if s.Detail != "" {
				a.Detail += " (" + s.Detail + ")"
			}
		}
		out = append(out, a)
	}
	return out
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
func (b *Backend) withModem(ctx context.Context, name string, fn func(m *modem.Modem) error) error {
	if b.cfg.Borrow == nil {
		return notAvailable("the console cannot borrow a modem from the pool yet")
	}
	m, release, err := b.cfg.Borrow(ctx, name)
	if err != nil {
		return fmt.Errorf("modem %s: %w", name, err)
	}
	defer release()
	return fn(m)
}

// ProbeModem implements console.Backend.
func (b *Backend) ProbeModem(ctx context.Context, name string) (modem.Info, error) {
	var info modem.Info
	err := b.withModem(ctx, name, func(m *modem.Modem) (err error) {
		info, err = m.Probe(ctx)
		return err
	})
	return info, err
}

// WireLog implements console.Backend.
func (b *Backend) WireLog(_ context.Context, name string, n int) ([]string, error) {
	if b.cfg.WireLog == nil {
		return nil, notAvailable("the modems' wire logs are not kept")
	}
	return b.cfg.WireLog(name, n)
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
func (b *Backend) LineCheck(ctx context.Context, name, number string) (console.LineReport, error) {
	var r console.LineReport
	var dial string
	if number != "" {
		p, err := numbers.NewParser(b.cfg.Config.Country)
		if err != nil {
			return r, err
		}
		n, err := p.Parse(number)
		if err != nil {
			return r, err
		}
		d, err := b.cfg.Config.NumberDialPlan().Dial(n)
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
		r.Call = t30.Send(ctx, m, dial, t30.Pages{page}, t30.Options{Ident: b.cfg.Config.Ident()})
		return nil
	})
	return r, err
}

// Settings implements console.Backend: the configuration file's
// settings as saved now (the administration page changes them too), or
// the last ones entered when there is no file or it cannot be read.
func (b *Backend) Settings() console.Settings {
	b.mu.Lock()
	defer b.mu.Unlock()
	if c, ok := b.cfg.Settings.Saved(); ok {
		return console.Settings{Identity: c.Identity, Country: c.Country, DialPlan: c.DialPlan}
	}
	return b.settings
}

// SetSettings implements console.Backend: the configuration file is read
// again, changed, validated and saved as a whole (settingsFile.change),
// so that what others changed in it is kept. The daemon applies it at its
// next start.
func (b *Backend) SetSettings(_ context.Context, s console.Settings) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	msg, err := b.cfg.Settings.Change(func(c *config.Config) { c.Identity, c.Country, c.DialPlan = s.Identity, s.Country, s.DialPlan })
	if errors.Is(err, settings.ErrNoConfigFile) {
		msg, err = "not saved: this appliance runs without a configuration file (demo)", nil
	}
	if err != nil {
		return "", err
	}
	b.settings = s
	return msg, nil
}

// Network implements console.Backend.
func (b *Backend) Network() ([]console.Interface, error) { return console.SystemNetwork() }

// WebAddresses implements console.Backend: the listen addresses, with the
// machine's addresses for a wildcard host.
func (b *Backend) WebAddresses() []string {
	var out []string
	for _, a := range b.cfg.WebAddrs {
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
func (b *Backend) ResetAdminPassword(ctx context.Context) (string, error) {
	if b.cfg.ResetAdmin == nil {
		return "", notAvailable("there is no administrator account yet")
	}
	return b.cfg.ResetAdmin(ctx)
}

// RedeemVoucher implements console.Backend through the ledger, as the
// API's POST /api/vouchers/redeem does.
func (b *Backend) RedeemVoucher(ctx context.Context, code string) (string, error) {
	e, err := b.cfg.Ledger.Redeem(ctx, strings.TrimSpace(code), console.Actor)
	if err != nil {
		return "", errors.New(strings.TrimPrefix(err.Error(), "billing: "))
	}
	c := b.cfg.Ledger.Currency()
	return fmt.Sprintf("Voucher %s redeemed: %s added; balance %s, %s available.", e.Voucher, c.Format(e.Amount),
		c.Format(e.Balance), c.Format(e.Available())), nil
}

// Log implements console.Backend.
func (b *Backend) Log(n int, errorsOnly bool) []string {
	if b.cfg.Ring == nil {
		return nil
	}
	return b.cfg.Ring.Lines(n, errorsOnly)
}

// TestLEDs implements console.Backend.
func (b *Backend) TestLEDs(ctx context.Context) error {
	if b.cfg.Board == nil {
		return notAvailable("no front panel")
	}
	return b.cfg.Board.TestLEDs(ctx)
}

// TestSound implements console.Backend.
func (b *Backend) TestSound(ctx context.Context) error {
	if b.cfg.Board == nil {
		return notAvailable("no sound output")
	}
	return b.cfg.Board.TestSound(ctx)
}

// FactoryReset implements console.Backend.
func (b *Backend) FactoryReset(ctx context.Context) error {
	if b.cfg.FactoryReset != nil {
		return b.cfg.FactoryReset(ctx)
	}
	return EraseDataDir(b.cfg.DataDir)
}

// EraseDataDir removes everything in dir but the console's socket: the
// database, faxes, pages and archives. The daemon must restart after it.
func EraseDataDir(dir string) error {
	es, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("factory reset: %w", err)
	}
	var errs []error
	for _, e := range es {
		if e.Name() == SocketName {
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
func (b *Backend) Reboot(ctx context.Context) error {
	if b.cfg.Reboot != nil {
		return b.cfg.Reboot(ctx)
	}
	if out, err := exec.CommandContext(ctx, "systemctl", "reboot").CombinedOutput(); err != nil {
		return fmt.Errorf("reboot: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}
