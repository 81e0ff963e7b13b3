package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"faxbox/firmware/backup"
	"faxbox/firmware/config"
	"faxbox/firmware/installer"
)

// dataFlags are the flags that name the appliance a tool works on.
type dataFlags struct {
	configPath, dataDir string
	demo                bool
}

func (d *dataFlags) add(fl interface {
	StringVar(*string, string, string, string)
	BoolVar(*bool, string, bool, string)
}) {
	fl.StringVar(&d.configPath, "config", config.DefaultPath, "configuration file (for its data directory and the files it names)")
	fl.BoolVar(&d.demo, "demo", false, "the appliance of faxd serve --demo (data in ./var/demo)")
	fl.StringVar(&d.dataDir, "data", "", "the data directory (default: the configuration's data_dir)")
}

// resolve loads the configuration and returns it, its file ("" for the
// demo's defaults) and the data directory, as faxd serve finds them.
func (d *dataFlags) resolve() (*config.Config, string, string, error) {
	cfg, path := config.Default(), ""
	if d.demo {
		cfg.Demo = true
	} else {
		var err error
		if cfg, err = config.Load(d.configPath); err != nil {
			return nil, "", "", err
		}
		path = d.configPath
	}
	dir := d.dataDir
	switch {
	case dir != "":
	case cfg.Demo && cfg.DataDir == "":
		dir = filepath.Join(config.DemoDataDir, "demo")
	default:
		dir = cfg.DataPath()
	}
	return cfg, path, dir, nil
}

// runBackup implements "faxd backup": it opens the data directory's
// database itself, whether faxd serve runs or not (SQLite's write-ahead
// log gives it a consistent snapshot beside the daemon's writes).
func runBackup(args []string, stdout, stderr io.Writer) error {
	fl := newFlagSet("backup", "backup [--config FILE | --demo] [--data DIR] OUT.tar.gz (- for stdout)", stderr)
	var d dataFlags
	d.add(fl)
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() != 1 {
		fl.Usage()
		return errUsage
	}
	cfg, cfgPath, dir, err := d.resolve()
	if err != nil {
		return err
	}
	ctx, stop := signalContext()
	defer stop()
	src := backup.Source{DataDir: dir, ConfigPath: cfgPath, Extra: backup.ConfigFiles(cfg), Version: version()}
	write := func(w io.Writer) (*backup.Manifest, error) { return backup.Write(ctx, w, src) }
	var m *backup.Manifest
	if fl.Arg(0) == "-" {
		m, err = write(stdout)
	} else {
		m, err = backup.WriteFile(fl.Arg(0), write)
	}
	if err != nil {
		return err
	}
	var size int64
	for _, f := range m.Files {
		size += f.Size
	}
	fmt.Fprintf(stderr, "backup of %s: %d files, %d bytes, written to %s\n", dir, len(m.Files), size, fl.Arg(0))
	for _, p := range m.Missing {
		fmt.Fprintf(stderr, "warning: the database refers to %s, which the data directory does not have\n", p)
	}
	return nil
}

// runRestore implements "faxd restore", onto a stopped appliance.
func runRestore(args []string, stdout, stderr io.Writer) error {
	fl := newFlagSet("restore", "restore [--config FILE | --demo] [--data DIR] [--with-config] IN.tar.gz", stderr)
	var d dataFlags
	d.add(fl)
	withConfig := fl.Bool("with-config", false, "restore the configuration file (to --config) and the files it names (to where they were) too")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() != 1 {
		fl.Usage()
		return errUsage
	}
	_, cfgPath, dir, err := d.resolve()
	if err != nil {
		return err
	}
	f, err := os.Open(fl.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	ctx, stop := signalContext()
	defer stop()
	m, err := backup.Restore(ctx, f, dir, filepath.Join(dir, installer.SocketName),
		backup.ApplyOptions{Config: *withConfig, ConfigPath: cfgPath})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %d files into %s from the backup taken %s by faxd %s; the previous data directory is kept as %s*\n",
		len(m.Files), dir, m.Created.Format("2006-01-02 15:04:05Z"), m.Version, backup.BeforeDir(dir))
	return nil
}
