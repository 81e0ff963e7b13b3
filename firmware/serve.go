package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime/debug"

	"faxbox/firmware/appliance"
	"faxbox/firmware/config"
	"faxbox/firmware/daemon"
	"faxbox/firmware/demo"
	"faxbox/internal/sdnotify"
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

// runServe implements "faxd serve".
func runServe(args []string, stdout, stderr io.Writer) error {
	fl := newFlagSet("serve", "serve [--config FILE] [--demo] [--listen HOST:PORT]", stderr)
	var o serveOptions
	fl.StringVar(&o.configPath, "config", "", "configuration file (default "+config.DefaultPath+"; none needed with --demo)")
	fl.BoolVar(&o.demo, "demo", false, "demo mode: a simulated modem and remote fax machine, demo credit, data under ./var/demo")
	fl.IntVar(&o.demoLines, "demo-lines", 1, fmt.Sprintf("with --demo: how many simulated modems, each on its own line to a remote fax machine (1 to %d)", daemon.MaxModems))
	fl.StringVar(&o.listen, "listen", "", "HTTPS address of the web UI and the JSON API (default "+appliance.DefaultListen+" with --demo, else web.listen)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() != 0 || o.demoLines < 1 || o.demoLines > daemon.MaxModems {
		fl.Usage()
		return errUsage
	}
	// A soft limit on the daemon's Go memory, unless GOMEMLIMIT says
	// otherwise: the collector then returns what bursts (password hashes,
	// 19 MiB a login; uploads) leave behind at once rather than keep it.
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(daemonMemoryLimit)
	}
	ctx, stop := signalContext()
	defer stop()
	return serve(ctx, o, stdout, stderr)
}

// daemonMemoryLimit is faxd serve's soft memory limit (runtime/debug).
const daemonMemoryLimit = 32 << 20

// serve runs the appliance until ctx ends, then shuts it down gracefully:
// the API stops taking requests, a call in progress is hung up and settled,
// and the databases are closed.
func serve(ctx context.Context, o serveOptions, stdout, stderr io.Writer) error {
	cfg, cfgPath, err := serveConfig(o)
	if err != nil {
		return err
	}
	ao := appliance.Options{Config: cfg, ConfigPath: cfgPath, DataDir: o.dataDir,
		Listen: o.listen, DemoLines: o.demoLines, SimScale: o.simScale, Version: version(),
		Stdout: stdout, Stderr: stderr, Ready: o.ready}
	if err := underSystemd(&ao, stderr); err != nil {
		return err
	}
	// Serve starts the appliance again after a restore staged through the
	// console or the administration page.
	return appliance.Serve(ctx, ao)
}

// underSystemd sets what systemd passes (systemd.exec(5)): the socket
// that is told of readiness and fed the watchdog at half of WatchdogSec
// ($NOTIFY_SOCKET, $WATCHDOG_USEC), and whether stderr is the journal
// ($JOURNAL_STREAM). Elsewhere it sets nothing.
func underSystemd(ao *appliance.Options, stderr io.Writer) error {
	if f, ok := stderr.(*os.File); ok {
		ao.Journal = sdnotify.JournalStream(f)
	}
	n, err := sdnotify.FromEnv()
	switch {
	case errors.Is(err, sdnotify.ErrNoSocket):
		return nil
	case err != nil:
		return err
	}
	ao.Notify, ao.WatchdogEvery = n, sdnotify.WatchdogInterval()/2
	return nil
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
		cfg.Identity.FaxNumber = demo.FaxNumber
	}
	return cfg, path, nil
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
