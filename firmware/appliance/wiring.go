package appliance

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"faxbox/firmware/daemon"
	"faxbox/firmware/installer"
	"faxbox/firmware/panel"
	"faxbox/firmware/store"
	"faxbox/firmware/users"
	"faxbox/modem"
)

// openPanel builds the front panel and the installer console, over the
// pool and the rest: both are given everything at construction.
func (a *App) openPanel(context.Context) (err error) {
	a.front, err = panel.New(panel.Config{Hardware: a.hw, Modems: a.pool, Store: a.st, Ledger: a.led, Bus: a.bus, Keeper: a.keeper,
		LowCredit: a.cfg.Billing.LowCredit.Amount(), OnLongPress: a.cfg.Board.LongPress, Logger: a.log})
	if err != nil {
		return err
	}
	backend, err := installer.NewBackend(installer.Config{Config: a.cfg, Settings: a.cfgFile, DataDir: a.dir,
		Store: a.st, Ledger: a.led, Pool: a.pool, WebAddrs: webURLs(a.web), Ring: a.ring, Version: a.o.Version,
		Borrow: borrowModem(a.pool), WireLog: lastWireLog(a.st), Board: a.front, ResetAdmin: a.accounts.ResetAdminPassword, SetupCode: a.web.SetupCode,
		WriteBackup: a.writeBackup, StageRestore: a.stageRestore, SIP: a.sipStatus})
	if err != nil {
		return err
	}
	a.consoles, err = installer.Listen(installer.ConsolesConfig{Backend: backend, DataDir: a.dir,
		PINHash: a.cfg.Console.PINHash, Device: a.cfg.Console.Device, Baud: a.cfg.Console.Baud, Logger: a.log})
	return err
}

// borrowModem lends the console a modem of the pool between calls.
func borrowModem(pool *daemon.Pool) func(ctx context.Context, name string) (*modem.Modem, func(), error) {
	return func(ctx context.Context, name string) (*modem.Modem, func(), error) {
		m, release, err := pool.Borrow(ctx, name)
		if err != nil {
			return nil, nil, err
		}
		md, ok := m.(*modem.Modem)
		if !ok {
			release()
			return nil, nil, fmt.Errorf("modem %s is not a class 1 modem on a port", name)
		}
		return md, release, nil
	}
}

// lastWireLog returns the last n lines of the trace of the newest call
// on a modem: the AT commands, frames and events of that call.
func lastWireLog(st *store.Store) func(name string, n int) ([]string, error) {
	return func(name string, n int) ([]string, error) {
		a, err := st.LastTracedAttempt(context.Background(), name)
		if err != nil {
			return nil, err
		}
		f, err := os.Open(filepath.Join(st.Dir(), a.TracePath))
		if err != nil {
			return nil, fmt.Errorf("the trace of attempt %d: %w", a.ID, err)
		}
		defer f.Close()
		var lines []string
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			lines = append(lines, sc.Text())
			if len(lines) > 2*n {
				lines = append(lines[:0], lines[len(lines)-n:]...)
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("the trace of attempt %d: %w", a.ID, err)
		}
		return lines[max(len(lines)-n, 0):], nil
	}
}

// noticeAddress is where a sender's notices go: the account's e-mail
// address; "" (no notice) for senders without an account, such as the API
// token's user.
func noticeAddress(accounts *users.Store) func(ctx context.Context, sender int64) (string, error) {
	return func(ctx context.Context, sender int64) (string, error) {
		a, err := accounts.Address(ctx, sender)
		if errors.Is(err, users.ErrNotFound) {
			return "", nil
		}
		return a, err
	}
}
