package appliance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"faxbox/firmware/backup"
)

// ErrRestart is what Run returns when it stopped to restart on a restored
// backup: Serve then starts the appliance again, which swaps the staged
// data directory in before it opens the database.
var ErrRestart = errors.New("appliance: restarting on a restored backup")

// restarter lets a restore staged by the API or the console stop Run.
type restarter struct {
	once sync.Once
	c    chan struct{}
}

func newRestarter() *restarter { return &restarter{c: make(chan struct{})} }

// request asks Run to stop with ErrRestart; later calls do nothing.
func (r *restarter) request() { r.once.Do(func() { close(r.c) }) }

// watch cancels ctx with ErrRestart when a restart is requested.
func (r *restarter) watch(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	go func() {
		select {
		case <-r.c:
			cancel(ErrRestart)
		case <-ctx.Done():
		}
	}()
	return ctx, func() { cancel(nil) }
}

// writeBackup writes the appliance's backup, taken on the shared
// database handle while everything runs.
func (a *App) writeBackup(ctx context.Context, w io.Writer) (*backup.Manifest, error) {
	return backup.Write(ctx, w, backup.Source{DataDir: a.dir, DB: a.db, ConfigPath: a.o.ConfigPath,
		Extra: backup.ConfigFiles(a.cfg), Version: a.o.Version})
}

// stageRestore checks the archive r and stages it beside the data
// directory; then, once the caller has answered, restarts the appliance
// on it. The data directory is restored; the configuration file and the
// files it names stay this box's (faxd restore --config restores them).
func (a *App) stageRestore(ctx context.Context, r io.Reader) (*backup.Manifest, func(), error) {
	m, err := backup.Stage(ctx, r, a.dir)
	if err != nil {
		return nil, nil, err
	}
	a.log.Warn("backup staged for restore: restarting on it", "files", len(m.Files), "taken", m.Created, "by", m.Version)
	return m, a.restart.request, nil
}

// applyRestore swaps in a restore staged before the last stop.
func (a *App) applyRestore() error {
	applied, err := backup.Apply(a.dir, backup.ApplyOptions{})
	if err != nil {
		return fmt.Errorf("applying the staged restore: %w", err)
	}
	if applied {
		a.log.Warn("restored the staged backup", "data", a.dir, "previous", backup.BeforeDir(a.dir)+"*")
	}
	return nil
}

// Serve runs the appliance of o until ctx ends, as New and Run do, and
// starts it again each time Run stops for a restored backup.
func Serve(ctx context.Context, o Options) error {
	for {
		app, err := New(ctx, o)
		if err != nil {
			return err
		}
		if err := app.Run(ctx); !errors.Is(err, ErrRestart) {
			return err
		}
	}
}
