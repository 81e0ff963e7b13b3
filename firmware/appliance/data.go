package appliance

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/config"
	"faxbox/firmware/contacts"
	"faxbox/firmware/events"
	"faxbox/firmware/numbers"
	"faxbox/firmware/settings"
	"faxbox/firmware/store"
	"faxbox/firmware/users"
	"faxbox/internal/sqlitedb"
	"faxbox/pages"
	"faxbox/pages/render"
	"faxbox/pages/render/sandbox"
)

// openData opens the data directory's database (the store, the ledger,
// the accounts, the address book), finds the API's user and token, and
// makes the renderers, the number parser and the settings file.
func (a *App) openData(ctx context.Context) (err error) {
	if err := a.dataDir(); err != nil {
		return err
	}
	if err := a.applyRestore(); err != nil { // before anything opens the data directory
		return err
	}
	// One handle for every package's tables, closed after all of them.
	if a.db, err = sqlitedb.Open(a.dbPath); err != nil {
		return err
	}
	a.onClose(a.db.Close)
	a.st, err = store.Open(ctx, store.Config{Path: a.dbPath, DB: a.db, MaxAttempts: a.cfg.Retry.Attempts, Logger: a.log})
	if errors.Is(err, store.ErrDamaged) {
		return fmt.Errorf("%w\nRestore %s from a backup, or move it away and faxd starts with an empty one (the fax files beside it stay)", err, a.dbPath)
	}
	if err != nil {
		return err
	}
	a.onClose(a.st.Close)
	if a.led, err = openLedger(ctx, a.cfg, a.db, a.dbPath, a.bus, a.log); err != nil {
		return err
	}
	a.onClose(a.led.Close)
	if a.accounts, err = users.Open(ctx, users.Config{Path: a.dbPath, DB: a.db, Accounts: a.st, Logger: a.log}); err != nil {
		return err
	}
	a.onClose(a.accounts.Close)
	if a.parser, err = numbers.NewParser(a.cfg.Country); err != nil {
		return fmt.Errorf("country %q: %w", a.cfg.Country, err)
	}
	if a.book, err = contacts.Open(ctx, contacts.Config{Path: a.dbPath, DB: a.db, Numbers: a.parser}); err != nil {
		return err
	}
	a.onClose(a.book.Close)
	res, err := defaultResolution(a.cfg)
	if err != nil {
		return fmt.Errorf("render.resolution: %w", err)
	}
	ropts := render.Options{Header: a.cfg.Identity.Header, StationFax: a.cfg.Identity.FaxNumber, Resolution: res}
	a.rnd = render.New(ropts)
	// Staff's documents are rendered in child processes under limits.
	a.renderers, err = sandbox.NewPool(sandbox.Config{Options: ropts, MaxConcurrent: a.cfg.Render.MaxConcurrent,
		Memory: int64(a.cfg.Render.MemoryMiB) << 20, Timeout: a.cfg.Render.Timeout.D(), CPUTime: a.cfg.Render.CPUTime.D(), Logger: a.log,
		OfficeTimeout: a.cfg.Render.OfficeTimeout.D()})
	if err != nil {
		return err
	}
	a.cfgFile = settings.New(a.cfg, a.o.ConfigPath) // changed by the console and the administration page
	return a.apiUser(ctx)
}

// apiUser finds (or creates) the user that the API token acts as and
// reads the token; the demo makes a new token each start, kept where
// `faxd submit --demo` reads it, and tops up its demo credit once.
func (a *App) apiUser(ctx context.Context) (err error) {
	name := apiUser
	if a.cfg.Demo {
		name = demoUser
	}
	a.user, err = a.st.UserByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		a.user, err = a.st.CreateUser(ctx, name)
	}
	if err != nil {
		return fmt.Errorf("user %s: %w", name, err)
	}
	switch {
	case a.cfg.Demo:
		a.token = rand.Text()
		if err := writePrivate(filepath.Join(a.dir, DemoTokenFile), a.token+"\n"); err != nil {
			return fmt.Errorf("demo API token: %w", err)
		}
		return demoCredit(ctx, a.led, a.cfg)
	case a.cfg.Web.APITokenFile != "":
		a.token, err = ReadToken(a.cfg.Web.APITokenFile)
	}
	return err
}

// openLedger opens the billing ledger on the store's database handle,
// publishing its totals on bus, and applies billing.tariff_file.
func openLedger(ctx context.Context, cfg *config.Config, db *sql.DB, path string, bus *events.Bus, log *slog.Logger) (*billing.Ledger, error) {
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
	led, err := billing.Open(ctx, billing.Config{Path: path, DB: db, Currency: cur, MinAvailable: min, Keys: keys,
		InstallDefaultTariff: true, Bus: bus, Logger: log})
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

// ReadToken reads the API token from a file (web.api_token_file).
func ReadToken(path string) (string, error) {
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

// writePrivate writes text to name, mode 0600, through a temporary file
// renamed into place.
func writePrivate(name, text string) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*") // mode 0600
	if err != nil {
		return err
	}
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// defaultResolution is render.resolution: what messages are sent at when
// their senders do not choose.
func defaultResolution(cfg *config.Config) (pages.Resolution, error) {
	return pages.ParseResolution(cmp.Or(cfg.Render.Resolution, config.DefaultResolution))
}
