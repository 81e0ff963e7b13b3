package appliance

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"faxbox/firmware/api"
	"faxbox/firmware/billing"
	"faxbox/firmware/config"
	"faxbox/firmware/console"
	"faxbox/firmware/contacts"
	"faxbox/firmware/daemon"
	"faxbox/firmware/demo"
	"faxbox/firmware/events"
	"faxbox/firmware/housekeep"
	"faxbox/firmware/installer"
	"faxbox/firmware/notify"
	"faxbox/firmware/numbers"
	"faxbox/firmware/panel"
	"faxbox/firmware/settings"
	"faxbox/firmware/store"
	"faxbox/firmware/submission"
	"faxbox/firmware/supervisor"
	"faxbox/firmware/users"
	"faxbox/internal/datadir"
	"faxbox/internal/sdnotify"
	"faxbox/pages/render"
	"faxbox/pages/render/sandbox"
	"faxbox/sipline"
	"faxbox/ui"
)

// Options are what the appliance is started with.
type Options struct {
	// Config is the configuration loaded at start; ConfigPath the file it
	// came from, "" when none (the demo's defaults).
	Config     *config.Config
	ConfigPath string
	// DataDir, if set, replaces the configured data directory.
	DataDir string
	// Listen, if set, replaces web.listen (and the demo's address).
	Listen string
	// DemoLines is how many simulated lines the demo has (at least 1).
	DemoLines int
	// SimScale compresses the simulated lines' time (1 is real time).
	SimScale float64
	// Version is faxd's, as the console and the administration page show it.
	Version string
	// Stdout receives the banner; Stderr the log.
	Stdout, Stderr io.Writer
	// Ready, if set, is called once the web UI and API listen.
	Ready func(addr, token string)
	// ProbeEvery, if set, replaces the pool's wait between attempts to
	// bring a modem out of service back (daemon.Config.ProbeEvery). It is
	// for tests, which cannot wait the default; faxd has no flag for it.
	ProbeEvery time.Duration
	// Notify, if set, is the service manager's socket: it is told READY=1
	// once the modem pool, the store and the web server pass their health
	// checks, and WATCHDOG=1 every WatchdogEvery while they do (0: no
	// keep-alives); see health.go. faxd sets both from $NOTIFY_SOCKET
	// and $WATCHDOG_USEC.
	Notify        *sdnotify.Notifier
	WatchdogEvery time.Duration
	// Journal says Stderr is the systemd journal: log lines carry their
	// priority ("<3>") and no time, which the journal records itself.
	Journal bool
}

// DefaultListen is the demo's address; DemoTokenFile the file in the
// demo's data directory that holds its API token, for `faxd submit --demo`.
const (
	DefaultListen = "127.0.0.1:8080"
	DemoTokenFile = "api-token"
)

// Names of the demo's users and files.
const (
	demoUser       = "demo"
	apiUser        = "api" // the user of a configured API token
	demoCreditWhy  = "demo credit"
	demoRemoteName = "remote" // the demo's remote machines' faxes, in the data directory
	shutdownGrace  = 10 * time.Second
)

// App is the appliance, built by New and run by Run.
type App struct {
	o      Options
	cfg    *config.Config
	dir    string // the data directory
	dbPath string
	db     *sql.DB // the one handle on dbPath, shared by every package's tables
	log    *slog.Logger
	ring   *console.Ring // the log's recent lines, for the console
	// bus carries the lines' and the account's changes from the pool,
	// the ledger and the SIP accounts to the web UI's event stream and
	// the front panel.
	bus *events.Bus

	// Built by New, in this order.
	st        *store.Store
	led       *billing.Ledger
	accounts  *users.Store
	book      *contacts.Book
	user      store.User
	token     string // the API token; "" when there is none
	parser    *numbers.Parser
	rnd       *render.Renderer // the demo's own faxes, trusted
	renderers *sandbox.Pool    // staff's documents, in child processes under limits
	cfgFile   *settings.File
	lines     []daemon.Line
	// openDevice opens the configured modems' devices for the pool.
	openDevice daemon.Opener
	// sipAccounts are the [[sip]] accounts, whose lines are in lines.
	sipAccounts []*sipline.Account
	caller      *demo.Caller // the demo's incoming calls; nil outside the demo
	remotes     []*demo.Remote
	hw          *panel.Hardware
	pool        *daemon.Pool
	keeper      *housekeep.Keeper
	sub         *submission.Submitter // the API's and fax by e-mail's
	apiSrv      *api.Server
	web         *ui.Server
	mail        *mailGateway    // nil without email_to_fax.listen
	notices     *notify.Watcher // nil without smtp.host
	front       *panel.Panel
	consoles    *installer.Consoles
	sup         *supervisor.Supervisor
	restart     *restarter // a restore staged: Run stops, Serve starts again

	closers []func() error // what New opened, closed in reverse by close
}

// New opens and wires the appliance of o; on error it closes what it had
// opened.
func New(ctx context.Context, o Options) (_ *App, err error) {
	a := &App{o: o, cfg: o.Config, bus: events.NewBus(), restart: newRestarter()}
	defer func() {
		if err != nil {
			a.close()
		}
	}()
	a.ring = console.NewRing(1000, logHandler(o.Stderr, a.cfg.LogLevel.Level(), o.Journal))
	a.log = slog.New(a.ring)
	steps := []func(context.Context) error{
		a.openData,   // store, ledger, accounts, address book; the API's user and token
		a.openLines,  // the modems, or the demo's simulated lines and remote machines
		a.openPool,   // the front panel's hardware, then the pool that power-cycles through it; housekeeping
		a.openWeb,    // the JSON API and the web UI, listening
		a.openMail,   // fax by e-mail and notices, when configured
		a.openPanel,  // the front panel and the installer console, over the pool
		a.supervisor, // every long-running part as a service
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// Run shows the banner and runs the services until ctx ends, an
// essential one fails, or a restore is staged (then it returns
// ErrRestart); then it stops them in reverse order and closes what New
// opened.
func (a *App) Run(ctx context.Context) error {
	defer a.close()
	addr := a.web.Addrs()[0].String()
	a.banner(addr)
	if a.o.Ready != nil {
		a.o.Ready(addr, a.token)
	}
	ctx, stop := a.restart.watch(ctx)
	defer stop()
	err := a.sup.Run(ctx)
	if errors.Is(context.Cause(ctx), ErrRestart) {
		err = ErrRestart
	}
	a.log.Info("stopped", "err", err)
	return err
}

// onClose registers what close closes, in reverse order.
func (a *App) onClose(f func() error) { a.closers = append(a.closers, f) }

// close closes what New opened, the last opened first.
func (a *App) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		if err := a.closers[i](); err != nil {
			a.log.Warn("closing", "err", err)
		}
	}
	a.closers = nil
}

// dataDir is the data directory: Options.DataDir, else the configured
// one (the demo's own by default), created if missing.
func (a *App) dataDir() error {
	dir := a.o.DataDir
	switch {
	case dir != "":
	case a.cfg.Demo && a.cfg.DataDir == "":
		dir = filepath.Join(config.DemoDataDir, "demo")
	default:
		dir = a.cfg.DataPath()
	}
	if err := datadir.Tighten(dir); err != nil { // private, also for an install made before
		return fmt.Errorf("data directory: %w", err)
	}
	a.dir, a.dbPath = dir, filepath.Join(dir, "faxbox.db")
	return nil
}
