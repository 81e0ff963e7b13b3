package console

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"faxbox/firmware/config"
	"faxbox/modem"
	"faxbox/t30"
)

// Actor is the name under which the console's changes are logged and
// recorded (the ledger's "who", the audit log's actor).
const Actor = "console"

// Backend is everything the console's commands act on. The daemon
// implements it over its configuration, store, ledger, modem pool and
// board; tests use a fake. Methods that change something validate as the
// web UI does and return an error that says what is wrong; a function the
// appliance does not have returns an error wrapping ErrNotAvailable.
// Methods may be called from several sessions at once.
type Backend interface {
	// Status is the appliance at a glance.
	Status(ctx context.Context) (Status, error)
	// ProbeModem borrows the named modem from the pool (waiting for a
	// call in progress to end) and asks it who it is and what it can do.
	ProbeModem(ctx context.Context, name string) (modem.Info, error)
	// WireLog returns the last n lines exchanged with the named modem.
	WireLog(ctx context.Context, name string, n int) ([]string, error)
	// LineCheck borrows the named modem and checks for dial tone and, if
	// number is not empty, makes a test call to it.
	LineCheck(ctx context.Context, name, number string) (LineReport, error)

	// Settings returns the appliance's identity, country and dial plan as
	// configured.
	Settings() Settings
	// SetSettings validates s as the web UI does, stores it in the
	// configuration and returns a note on when it takes effect ("applies
	// after a restart").
	SetSettings(ctx context.Context, s Settings) (note string, err error)

	// Network returns the network interfaces and their addresses.
	Network() ([]Interface, error)
	// WebAddresses returns the URLs the web UI is served on.
	WebAddresses() []string
	// ResetAdminPassword sets a new one-time password for the
	// administrator and returns it, to be shown once.
	ResetAdminPassword(ctx context.Context) (string, error)
	// RedeemVoucher redeems a voucher code into the prepaid balance and
	// says what it added.
	RedeemVoucher(ctx context.Context, code string) (string, error)
	// Log returns the last n lines of the log, oldest first: only warnings
	// and errors when errorsOnly.
	Log(n int, errorsOnly bool) []string

	// TestLEDs lights each front-panel LED in turn.
	TestLEDs(ctx context.Context) error
	// TestSound plays the test sound.
	TestSound(ctx context.Context) error
	// FactoryReset erases the appliance's data. The console asks for the
	// typed confirmation first.
	FactoryReset(ctx context.Context) error
	// Reboot restarts the appliance.
	Reboot(ctx context.Context) error

	// Backup writes a backup of the appliance (the data directory, the
	// configuration and TLS files) to the file path on the appliance, ""
	// for a dated file in the data directory's backups folder, while it
	// works, and says where and what it wrote.
	Backup(ctx context.Context, path string) (string, error)
	// Restore checks the backup at path on the appliance and stages it;
	// the appliance then restarts on it. It says what it restores; a
	// damaged archive or one of a newer Faxbox is refused with the reason
	// and changes nothing. The console asks for the typed confirmation
	// first.
	Restore(ctx context.Context, path string) (string, error)
}

// Status is the appliance at a glance, for the status command.
type Status struct {
	Version string
	Modems  []ModemStatus
	// SIP is the SIP accounts, whose lines are among Modems.
	SIP []SIPAccount
	// Waiting counts the jobs waiting to be sent; InCall those in a call.
	Waiting, InCall int
	// Balance and Available are formatted with the currency ("EUR 12.30").
	Balance, Available string
	Disk               Disk
	Network            []Interface
	// SetupCode is the code that the web UI's first-run setup asks for,
	// while no administrator exists; "" otherwise.
	SetupCode string
}

// ModemStatus is one modem of the pool.
type ModemStatus struct {
	Name  string
	State string // idle, calling, probing, out of order
	Since time.Time
	// Detail says more: the job in a call, why it is out of order.
	Detail string
}

// SIPAccount is one SIP account: its registration and its calls.
type SIPAccount struct {
	Name      string // "sip0", its lines' prefix
	Registrar string // "" when it does not register
	// State is "registered", "failing", "registering" or "not
	// registering"; Detail says why it fails ("auth-failed: SIP 403
	// Forbidden"); Next is when the next REGISTER goes.
	State  string
	Detail string
	Next   time.Time
	// Calls is how many of its Lines are in a call.
	Calls, Lines int
}

// String returns "sip0  registered at pbx.example.com, next REGISTER
// 2026-12-07 20:09:00, 1 of 2 lines in a call".
func (a SIPAccount) String() string {
	s := fmt.Sprintf("%-10s %s", a.Name, a.State)
	if a.Registrar != "" {
		s += " at " + a.Registrar
	}
	if a.Detail != "" {
		s += ": " + a.Detail
	}
	if !a.Next.IsZero() {
		s += ", next REGISTER " + a.Next.UTC().Format(time.DateTime)
	}
	return s + fmt.Sprintf(", %d of %d lines in a call", a.Calls, a.Lines)
}

// Disk is the use of the file system of the data directory.
type Disk struct {
	Path        string
	Used, Total uint64 // bytes
}

// String returns "/var/lib/faxbox: 1.2 GiB of 7.1 GiB used (17%)".
func (d Disk) String() string {
	if d.Total == 0 {
		return d.Path + ": unknown"
	}
	return fmt.Sprintf("%s: %s of %s used (%d%%)", d.Path, bytesString(d.Used), bytesString(d.Total), d.Used*100/d.Total)
}

func bytesString(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// Interface is one network interface.
type Interface struct {
	Name  string
	Up    bool
	MAC   string
	Addrs []string // CIDR notation: "192.168.1.20/24"
}

// String returns "eth0 up 00:11:22:33:44:55 192.168.1.20/24 fe80::1/64".
func (i Interface) String() string {
	state := "down"
	if i.Up {
		state = "up"
	}
	s := i.Name + " " + state
	if i.MAC != "" {
		s += " " + i.MAC
	}
	if len(i.Addrs) == 0 {
		return s + " (no address)"
	}
	return s + " " + strings.Join(i.Addrs, " ")
}

// SystemNetwork returns the machine's network interfaces from
// net.Interfaces, loopback left out.
func SystemNetwork() ([]Interface, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("console: network interfaces: %w", err)
	}
	var out []Interface
	for _, nif := range ifs {
		if nif.Flags&net.FlagLoopback != 0 {
			continue
		}
		i := Interface{Name: nif.Name, Up: nif.Flags&net.FlagUp != 0, MAC: nif.HardwareAddr.String()}
		addrs, err := nif.Addrs()
		if err != nil {
			return nil, fmt.Errorf("console: addresses of %s: %w", nif.Name, err)
		}
		for _, a := range addrs {
			i.Addrs = append(i.Addrs, a.String())
		}
		out = append(out, i)
	}
	return out, nil
}

// LineReport is the outcome of a line check.
type LineReport struct {
	// DialTone says whether the modem heard dial tone; DialToneText says
	// what the modem answered.
	DialTone     bool
	DialToneText string
	// Number is the number called, "" when no test call was made; Call is
	// the T.30 result of the test call.
	Number string
	Call   t30.Result
}

// Settings are what the console's show and set commands change: the
// appliance's identity, country and dial plan, as in the configuration.
type Settings struct {
	Identity config.Identity
	Country  string
	DialPlan config.DialPlan
}
