package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"faxbox/firmware/api"
	"faxbox/firmware/billing"
	"faxbox/firmware/config"
	"faxbox/firmware/console"
	"faxbox/firmware/contacts"
	"faxbox/firmware/daemon"
	"faxbox/firmware/housekeep"
	"faxbox/firmware/notify"
	"faxbox/firmware/numbers"
	"faxbox/firmware/store"
	"faxbox/firmware/users"
	"faxbox/internal/sqlitedb"
	"faxbox/modem"
	"faxbox/modem/sim"
	"faxbox/pages/render"
	"faxbox/t30"
	"faxbox/ui"
)

// serveOptions are what "faxd serve" is started with. The unexported
// fields below the flags exist for tests.
type serveOptions struct {
	configPath string
	demo       bool
	demoLines  int
	listen     string

	// dataDir, if set, replaces the configured data directory.
	dataDir string
	// simScale compresses the simulated line's time in demo mode (1 is
	// real time, as a telephone line).
	simScale float64
	// ready, if set, is called once the API listens.
	ready func(addr, token string)
}

// demoUser is the sender that the demo's API token acts as; apiUser that
// of a configured token.
const (
	demoUser       = "demo"
	apiUser        = "api"
	demoCreditWhy  = "demo credit"
	demoFaxNumber  = "+3225550100"
	demoRemoteCSI  = "+32 2 555 12 12"
	defaultListen  = "127.0.0.1:8080"
	demoTokenFile  = "api-token" // in the demo's data directory
	shutdownGrace  = 10 * time.Second
	demoRemoteName = "remote"
)

// runServe implements "faxd serve".
func runServe(args []string, stdout, stderr io.Writer) error {
	fl := newFlagSet("serve", "serve [--config FILE] [--demo] [--listen HOST:PORT]", stderr)
	var o serveOptions
	fl.StringVar(&o.configPath, "config", "", "configuration file (default "+config.DefaultPath+"; none needed with --demo)")
	fl.BoolVar(&o.demo, "demo", false, "demo mode: a simulated modem and remote fax machine, demo credit, data under ./var/demo")
	fl.IntVar(&o.demoLines, "demo-lines", 1, fmt.Sprintf("with --demo: how many simulated modems, each on its own line to a remote fax machine (1 to %d)", daemon.MaxModems))
	fl.StringVar(&o.listen, "listen", "", "HTTPS address of the web UI and the JSON API (default "+defaultListen+" with --demo, else web.listen)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() != 0 || o.demoLines < 1 || o.demoLines > daemon.MaxModems {
		fl.Usage()
		return errUsage
	}
	ctx, stop := signalContext()
	defer stop()
	return serve(ctx, o, stdout, stderr)
}

// serve runs the daemon until ctx ends, then shuts it down gracefully:
// the API stops taking requests, a call in progress is hung up and settled,
// and the databases are closed.
func serve(ctx context.Context, o serveOptions, stdout, stderr io.Writer) (err error) {
	cfg, cfgPath, err := serveConfig(o)
	if err != nil {
		return err
	}
	// The log goes to stderr, and its recent lines to a ring the
	// installer console shows.
	ring := console.NewRing(1000, slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel.Level()}))
	log := slog.New(ring)

	dir := o.dataDir
	switch {
	case dir != "":
	case cfg.Demo && cfg.DataDir == "":
		dir = filepath.Join(config.DemoDataDir, "demo")
	default:
		dir = cfg.DataPath()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	dbPath := filepath.Join(dir, "faxbox.db")

	st, err := store.Open(ctx, store.Config{Path: dbPath, MaxAttempts: cfg.Retry.Attempts, Logger: log})
	if errors.Is(err, store.ErrDamaged) {
		return fmt.Errorf("%w\nRestore %s from a backup, or move it away and faxd starts with an empty one (the fax files beside it stay)", err, dbPath)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	led, err := openLedger(ctx, cfg, dbPath, log)
	if err != nil {
		return err
	}
	defer led.Close()
	accounts, err := users.Open(ctx, users.Config{Path: dbPath, Accounts: st, Logger: log})
	if err != nil {
		return err
	}
	defer accounts.Close()

	name := apiUser
	if cfg.Demo {
		name = demoUser
	}
	user, err := st.UserByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		user, err = st.CreateUser(ctx, name)
	}
	if err != nil {
		return fmt.Errorf("user %s: %w", name, err)
	}

	var token string
	if cfg.Demo {
		// A new token each start, kept where faxd submit --demo reads it.
		token = rand.Text()
		err := writeAtomic(filepath.Join(dir, demoTokenFile), func(w io.Writer) error { // mode 0600
			_, err := io.WriteString(w, token+"\n")
			return err
		})
		if err != nil {
			return fmt.Errorf("demo API token: %w", err)
		}
		if err := demoCredit(ctx, led, cfg); err != nil {
			return err
		}
	} else if cfg.Web.APITokenFile != "" {
		if token, err = readToken(cfg.Web.APITokenFile); err != nil {
			return err
		}
	}
	// Browsers sign in with sessions; scripts use the API token, if any.
	auth := &users.SessionAuth{Users: accounts}
	if token != "" {
		auth.Token = &api.TokenAuth{Token: token, Principal: api.Principal{User: user, Admin: true}}
	}

	parser, err := numbers.NewParser(cfg.Country)
	if err != nil {
		return fmt.Errorf("country %q: %w", cfg.Country, err)
	}
	rnd := render.New(render.Options{Header: cfg.Identity.Header, StationFax: cfg.Identity.FaxNumber})

	// The modems, and in demo mode the remote fax machine at the other end
	// of the simulated line.
	var lines []daemon.Line
	var openDevice daemon.Opener
	var closers []func()
	defer func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}()
	remoteCtx, stopRemote := context.WithCancel(context.Background())
	defer stopRemote()
	var remoteDone sync.WaitGroup
	var demoCalls chan demoCall // the demo's remote machines take calls to make from it
	remoteDir := filepath.Join(dir, demoRemoteName)
	if cfg.Demo {
		if err := os.MkdirAll(remoteDir, 0o755); err != nil {
			return err
		}
		closers = append(closers, func() { stopRemote(); remoteDone.Wait() })
		demoCalls = make(chan demoCall)
		for i := range max(o.demoLines, 1) {
			wl := daemon.NewWireLog()
			local, remote, closeLine, err := demoLine(ctx, cfg, o.simScale, wl)
			if err != nil {
				return err
			}
			closers = append(closers, closeLine)
			lines = append(lines, daemon.Line{Name: fmt.Sprintf("sim%d", i), Modem: local, WireLog: wl,
				Answer: daemon.AnswerPolicy{Mode: config.AnswerRings, Rings: 2}})
			tag := ""
			if o.demoLines > 1 {
				tag = fmt.Sprintf("-sim%d", i) // calls on several lines end at the same second
			}
			remoteDone.Go(func() { demoRemote(remoteCtx, remote, remoteDir, tag, demoCalls, log) })
		}
	} else {
		// The pool opens the devices itself (modemOpener): one that is
		// absent is out of service until it appears.
		wls := map[string]*modem.WireLog{}
		for _, mc := range cfg.Modems {
			wl := daemon.NewWireLog() // each call's trace gets the modem's wire log
			wls[mc.Device] = wl
			lines = append(lines, daemon.Line{Name: filepath.Base(mc.Device), Device: mc.Device, WireLog: wl,
				Answer: daemon.AnswerPolicyFrom(mc)})
		}
		openDevice = modemOpener(cfg, wls)
	}

	// The front panel, and the modems' power lines for the watchdog.
	var names []string
	for _, l := range lines {
		names = append(names, l.Name)
	}
	panel, err := openBoard(cfg, names, log)
	if err != nil {
		return err
	}
	for i := range lines {
		lines[i].PowerCycle = panel.PowerCycler(lines[i].Name)
	}

	pool, err := daemon.New(daemon.Config{Store: st, Ledger: led, Lines: lines, Open: openDevice, DialPlan: cfg.NumberDialPlan(),
		Fax: t30.Options{Ident: cfg.Ident()}, Backoff: daemon.BackoffFrom(cfg.Retry.Backoff), Inbox: cfg.Inbox, Logger: log})
	if err != nil {
		return err
	}
	book, err := contacts.Open(ctx, contacts.Config{Path: dbPath, Numbers: parser})
	if err != nil {
		return err
	}
	defer book.Close()
	statsDB, err := sqlitedb.Open(dbPath) // read by /metrics
	if err != nil {
		return err
	}
	defer statsDB.Close()
	keeper, err := housekeep.New(housekeep.Config{Store: st, Retention: cfg.Retention, Logger: log})
	if err != nil {
		return err
	}
	settings := newSettingsFile(cfg, cfgPath) // changed by the console and the administration page
	apiSrv, err := api.New(api.Config{Store: st, Ledger: led, Renderer: rnd, Numbers: parser,
		Auth: auth, From: render.Party{Organisation: cfg.Identity.Organisation, Fax: cfg.Identity.FaxNumber},
		MaxAttempts: cfg.Retry.Attempts, Demo: cfg.Demo, Logger: log,
		Modems: pool.Status, Contacts: book, DB: statsDB, System: systemStatus(keeper, panel),
		DemoIncoming: demoIncoming(demoCalls, rnd, cfg), Audit: accounts.Record, Settings: settings.apiSettings,
		SaveSettings: settings.apiSaveSettings, WireLog: lastWireLog(st)})
	if err != nil {
		return err
	}
	defer apiSrv.Close() // ends the event streams, which Shutdown does not wait for
	var notices *notify.Watcher
	if cfg.SMTP.Host != "" {
		notices, err = notify.NewWatcher(ctx, notify.WatcherConfig{Store: st, Database: dbPath,
			Mailer: notify.NewSender(cfg.SMTP), From: cfg.SMTP.From, Address: noticeAddress(accounts), Logger: log,
			Forward: notify.Forwarding{To: cfg.Inbox.ForwardTo, ToUser: cfg.Inbox.ForwardToUser}})
		if err != nil {
			return err
		}
		defer notices.Close()
	}
	// HTTPS on web.listen with a plain-HTTP redirect; the demo serves
	// HTTPS on loopback only.
	listen, redirect := cfg.Web.Listen, cfg.Web.RedirectHTTP
	if cfg.Demo {
		listen, redirect = []string{defaultListen}, ""
	}
	if o.listen != "" {
		listen = []string{o.listen}
	}
	web, err := ui.New(ui.Config{Users: accounts, Auth: auth, API: apiSrv, Listen: listen, RedirectHTTP: redirect,
		TLSCert: cfg.Web.TLSCert, TLSKey: cfg.Web.TLSKey, DataDir: dir, ShutdownGrace: shutdownGrace, Logger: log})
	if err != nil {
		return err
	}
	setupNeeded, err := accounts.SetupNeeded(ctx)
	if err != nil {
		return err
	}
	if err := web.Listen(); err != nil {
		return err
	}
	// Fax by e-mail, when email_to_fax.listen is set.
	var mail *mailGateway
	if cfg.EmailToFax.Listen != "" {
		if mail, err = openMailGateway(ctx, cfg, dbPath, accounts, apiSrv, parser, led, web, log); err != nil {
			return err
		}
		defer mail.close()
	}

	poolCtx, stopPool := context.WithCancel(context.Background())
	defer stopPool()
	poolDone := make(chan error, 1)
	go func() { poolDone <- pool.Run(poolCtx) }()
	// What runs beside the pool: the front panel, housekeeping, the
	// notices and the installer console; they end with it.
	var beside sync.WaitGroup
	beside.Go(func() {
		if err := panel.run(poolCtx, st, led, pool, keeper); err != nil {
			log.Error("front panel", "err", err)
		}
	})
	beside.Go(func() { keeper.Run(poolCtx) })
	if notices != nil {
		beside.Go(func() { notices.Run(poolCtx) })
	}
	if mail != nil {
		beside.Go(func() {
			if err := mail.gw.Serve(poolCtx, mail.ln); err != nil {
				log.Error("fax by e-mail", "err", err)
			}
		})
	}
	cb := newConsoleBackend(cfg, cfgPath, dir, st, led, pool, webURLs(web), ring)
	cb.borrow = borrowModem(pool)
	cb.wireLog = lastWireLog(st)
	cb.board = panel
	cb.configFile = settings
	cb.resetAdmin = accounts.ResetAdminPassword
	stopConsoles, err := startConsoles(poolCtx, cfg, dir, cb, log)
	if err != nil {
		return err
	}
	defer stopConsoles()
	webCtx, stopWeb := context.WithCancel(context.Background())
	defer stopWeb()
	srvDone := make(chan error, 1)
	go func() { srvDone <- web.Serve(webCtx) }()

	addr := web.Addrs()[0].String()
	banner(stdout, cfg, addr, token, dir, remoteDir, led, setupNeeded)
	if o.ready != nil {
		o.ready(addr, token)
	}

	select {
	case <-ctx.Done():
	case err = <-srvDone:
		err = fmt.Errorf("web server: %w", err)
		srvDone <- nil
	case err = <-poolDone:
		if err == nil {
			err = errors.New("the modem pool stopped")
		}
		poolDone <- nil
	}
	log.Info("shutting down")
	stopWeb() // lets requests finish for shutdownGrace
	if werr := <-srvDone; werr != nil && err == nil {
		err = werr
	}
	stopConsoles()
	stopPool()
	if perr := <-poolDone; perr != nil && err == nil {
		err = perr
	}
	beside.Wait()
	return err
}

// serveConfig loads the configuration: the file named, else the default
// file; in demo mode the defaults do without a file. It returns the path
// of the file loaded, "" when none was.
func serveConfig(o serveOptions) (*config.Config, string, error) {
	path := o.configPath
	if path == "" && !o.demo {
		if _, err := os.Stat(config.DefaultPath); errors.Is(err, fs.ErrNotExist) {
			return nil, "", fmt.Errorf("no configuration: %s does not exist; give --config FILE, or try --demo", config.DefaultPath)
		}
		path = config.DefaultPath
	}
	cfg := config.Default()
	if path != "" {
		var err error
		if cfg, err = config.Load(path); err != nil {
			return nil, "", err
		}
	}
	if o.demo {
		cfg.Demo = true
	}
	if cfg.Demo && cfg.Identity.FaxNumber == "" {
		cfg.Identity.FaxNumber = demoFaxNumber
	}
	return cfg, path, nil
}

// openLedger opens the billing ledger in the store's database file.
func openLedger(ctx context.Context, cfg *config.Config, path string, log *slog.Logger) (*billing.Ledger, error) {
	cur, err := billing.ParseCurrency(cfg.Billing.Currency)
	if err != nil {
		return nil, fmt.Errorf("billing.currency %q: %w", cfg.Billing.Currency, err)
	}
	keys, err := cfg.Billing.TrustedKeys()
	if err != nil {
		return nil, fmt.Errorf("billing.voucher_keys: %w", err)
	}
	min := cfg.Billing.MinimumAvailable.Amount()
	if min == 0 {
		min = -1 // "0" in the file turns the rule off; 0 here would mean the default
	}
	led, err := billing.Open(ctx, billing.Config{Path: path, Currency: cur, MinAvailable: min, Keys: keys,
		InstallDefaultTariff: true, Logger: log})
	if err != nil {
		return nil, err
	}
	if cfg.Billing.TariffFile != "" {
		if err := applyTariffFile(ctx, led, cfg.Billing.TariffFile, log); err != nil {
			led.Close()
			return nil, err
		}
	}
	return led, nil
}

// demoCredit tops the demo's account up with billing.demo_credit, once:
// not again on later starts.
func demoCredit(ctx context.Context, led *billing.Ledger, cfg *config.Config) error {
	es, err := led.Entries(ctx, time.Time{}, time.Time{})
	if err != nil {
		return err
	}
	for _, e := range es {
		if e.Kind == billing.KindTopUp && e.Why == demoCreditWhy {
			return nil
		}
	}
	if a := cfg.Billing.DemoCredit.Amount(); a > 0 {
		_, err = led.TopUp(ctx, a, "faxd:demo", demoCreditWhy)
	}
	return err
}

// readToken reads the API token from web.api_token_file.
func readToken(path string) (string, error) {
	if path == "" {
		return "", errors.New("web.api_token_file is not set: the JSON API needs a token (or try --demo)")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("web.api_token_file: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if len(tok) < 16 {
		return "", fmt.Errorf("web.api_token_file %s: the token must have at least 16 characters", path)
	}
	return tok, nil
}

// modemOpener is the pool's Opener for the configured modems: it opens the
// modem configured on a device, logging its bytes to the device's wire
// log in wls.
func modemOpener(cfg *config.Config, wls map[string]*modem.WireLog) daemon.Opener {
	byDevice := map[string]config.Modem{}
	for _, mc := range cfg.Modems {
		byDevice[mc.Device] = mc
	}
	return func(device string) (daemon.Modem, error) {
		mc, ok := byDevice[device]
		if !ok {
			return nil, fmt.Errorf("no modem is configured on %s", device)
		}
		md, err := openModem(mc, cfg, wls[device])
		if err != nil {
			return nil, err
		}
		return md, nil
	}
}

// openModem opens a configured class 1 modem that logs its bytes to wl;
// the pool resets it.
func openModem(mc config.Modem, cfg *config.Config, wl *modem.WireLog) (*modem.Modem, error) {
	var flow modem.Flow
	switch mc.Flow {
	case config.FlowRTSCTS:
		flow = modem.FlowRTSCTS
	case config.FlowXONXOFF:
		flow = modem.FlowXONXOFF
	default:
		flow = modem.FlowNone
	}
	md, err := modem.Open(modem.PortConfig{Device: mc.Device, Baud: mc.Baud, Flow: flow},
		modem.Config{Init: mc.Init, Pulse: cfg.DialPlan.Dialing == config.DialingPulse, WireLog: wl, CallerID: true})
	if err != nil {
		return nil, fmt.Errorf("modem %s: %w", mc.Device, err)
	}
	return md, nil
}

// demoLine returns the appliance's modem on a simulated telephone line
// and the remote fax machine's modem at its other end, reset.
func demoLine(ctx context.Context, cfg *config.Config, scale float64, wl *modem.WireLog) (local, remote *modem.Modem, closeLine func(), err error) {
	// A number ending in 0000 is busy, so that the demo shows a retry.
	busy := func(dialled string) bool { return strings.HasSuffix(dialled, "0000") }
	line := sim.NewLine(sim.LineConfig{Scale: scale, Busy: busy},
		sim.Config{Number: strings.TrimPrefix(cfg.Identity.FaxNumber, "+"), Name: "Faxbox demo"},
		sim.Config{Manufacturer: "Faxbox", Model: "Simulated remote fax machine"})
	local = modem.New(line.A().Conn(), modem.Config{WireLog: wl})
	remote = modem.New(line.B().Conn(), modem.Config{})
	closeLine = func() { local.Close(); remote.Close(); line.Close() }
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := remote.Reset(rctx); err != nil {
		closeLine()
		return nil, nil, nil, fmt.Errorf("simulated remote fax machine: %w", err)
	}
	return local, remote, closeLine, nil
}

// demoRemote is the remote fax machine of the demo: it answers every call
// at the first ring with Faxbox's own receiver and keeps what arrives in
// dir as TIFF-F (fax-TIME.tif, with tag before the extension), and it
// makes the calls it is asked for on calls (sending a fax to the
// appliance), until ctx ends.
func demoRemote(ctx context.Context, m *modem.Modem, dir, tag string, calls <-chan demoCall, log *slog.Logger) {
	for ctx.Err() == nil {
		// Wait for a ring or for a call to make, whichever comes first.
		rctx, cancel := context.WithCancel(ctx)
		asked := make(chan demoCall, 1)
		go func() {
			select {
			case c := <-calls:
				asked <- c
				cancel()
			case <-rctx.Done():
			}
		}()
		_, err := m.WaitRing(rctx)
		cancel()
		if err == nil {
			demoAnswer(ctx, m, dir, tag, log)
		} else if ctx.Err() == nil && len(asked) == 0 {
			time.Sleep(50 * time.Millisecond)
		}
		select {
		case c := <-asked:
			r := t30.Send(ctx, m, "1", c.doc, t30.Options{Ident: demoRemoteCSI})
			log.Info("remote fax machine: call made", "result", r.Reason, "pages", r.Pages)
			c.done <- r
		default:
		}
	}
}

// demoAnswer receives one call on the demo's remote fax machine.
func demoAnswer(ctx context.Context, m *modem.Modem, dir, tag string, log *slog.Logger) {
	f, err := newFaxFile(dir, time.Now())
	if err != nil {
		log.Error("remote fax machine", "err", err)
		return
	}
	stamp := time.Now().Format("20060102-150405")
	f.name = filepath.Join(dir, "fax-"+stamp+tag+".tif")
	for i := 2; ; i++ {
		if _, err := os.Stat(f.name); errors.Is(err, fs.ErrNotExist) {
			break
		}
		f.name = filepath.Join(dir, fmt.Sprintf("fax-%s%s-%d.tif", stamp, tag, i))
	}
	r := t30.Receive(ctx, m, t30.Options{Ident: demoRemoteCSI, OnPage: f.add})
	name, err := f.finish()
	if err != nil {
		log.Error("remote fax machine", "err", err)
	}
	log.Info("remote fax machine: call ended", "result", r.Reason, "pages", r.Pages, "file", name)
}

// demoCall asks a remote fax machine of the demo to send doc to the
// appliance; the call's result comes back on done.
type demoCall struct {
	doc  t30.Document
	done chan t30.Result
}

// demoIncoming makes a remote fax machine of the demo send the appliance
// a short fax, so that reception can be seen; nil outside the demo.
func demoIncoming(calls chan<- demoCall, rnd *render.Renderer, cfg *config.Config) func(ctx context.Context) error {
	if calls == nil {
		return nil
	}
	return func(ctx context.Context) error {
		doc, err := rnd.Render(ctx, render.Message{From: render.Party{Name: "Simulated remote fax machine", Fax: demoRemoteCSI},
			To: render.Party{Fax: cfg.Identity.FaxNumber}, Subject: "Reply from the demo",
			Body: "This fax was sent to Faxbox by the demo's simulated remote fax machine.", Time: time.Now()}, nil)
		if err != nil {
			return err
		}
		var ps t30.Pages
		for p, err := range doc.Pages(ctx) {
			if err != nil {
				return err
			}
			ps = append(ps, p)
		}
		c := demoCall{doc: ps, done: make(chan t30.Result, 1)}
		select {
		case calls <- c:
		case <-ctx.Done():
			return ctx.Err()
		}
		// The call goes on in the background; its fax appears in the
		// inbox page by page.
		return nil
	}
}

// banner says where the daemon is and how to use it; setupNeeded sends
// the reader to the first-run page.
func banner(w io.Writer, cfg *config.Config, addr, token, dir, remoteDir string, led *billing.Ledger, setupNeeded bool) {
	var b strings.Builder
	if cfg.Demo {
		fmt.Fprintf(&b, "Faxbox demo: a simulated modem on a simulated line to a simulated remote fax machine.\n")
	} else {
		fmt.Fprintf(&b, "Faxbox is running.\n")
	}
	fmt.Fprintf(&b, "  web UI        https://%s/\n", addr)
	if setupNeeded {
		fmt.Fprintf(&b, "                open it to set the administrator's password (first run)\n")
	}
	fmt.Fprintf(&b, "                the certificate is self-signed unless web.tls_cert is set: let the browser accept it\n")
	fmt.Fprintf(&b, "  JSON API      https://%s/api/\n", addr)
	switch {
	case cfg.Demo:
		fmt.Fprintf(&b, "  API token     %s\n", token)
	case token != "":
		fmt.Fprintf(&b, "  API token     in %s\n", cfg.Web.APITokenFile)
	default:
		fmt.Fprintf(&b, "  API token     none (web.api_token_file is not set): sessions only\n")
	}
	fmt.Fprintf(&b, "  data          %s\n", dir)
	if cfg.Demo {
		if a, err := led.Account(context.Background(), ""); err == nil {
			fmt.Fprintf(&b, "  credit        %s available (demo credit, not real money)\n", led.Currency().Format(a.Available))
		}
		fmt.Fprintf(&b, "  remote faxes  what the remote machine receives is saved in %s\n", remoteDir)
		fmt.Fprintf(&b, "\nTry:\n  curl -k -H 'Authorization: Bearer %s' -F 'to=+32 2 555 12 12' -F subject=Hello -F 'body=A first fax.' https://%s/api/messages\n", token, addr)
		fmt.Fprintf(&b, "  curl -k -H 'Authorization: Bearer %s' https://%s/api/messages/1\n", token, addr)
		fmt.Fprintf(&b, "  (-k: the demo's certificate is self-signed)\n")
		fmt.Fprintf(&b, "  faxd submit --demo --to '+32 2 555 12 12' --subject Hello --body 'A first fax.' [FILE...]\n")
		fmt.Fprintf(&b, "  faxd console --demo    (the installer console)\n")
	}
	fmt.Fprintf(&b, "\nPress Ctrl-C to stop.\n")
	io.WriteString(w, b.String())
}
