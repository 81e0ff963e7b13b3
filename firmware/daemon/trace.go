package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"faxbox/firmware/store"
	"faxbox/internal/datadir"
	"faxbox/modem"
	"faxbox/t30"
)

// TraceDir is the directory, under the store's, where each attempt's
// trace is kept as attempt-<id>.log.
const TraceDir = "traces"

// NewWireLog returns a wire log for a Line's modem (modem.Config.WireLog
// and Line.WireLog): it discards what it is given until a call points it
// at the call's trace, and shows the first 32 bytes of each run of binary
// data (page data) only, so that traces stay small.
func NewWireLog() *modem.WireLog {
	wl := modem.NewWireLog(io.Discard)
	wl.MaxBinary = 32
	return wl
}

// trace is one attempt's trace file: the T.30 engine's protocol log
// (frames, state changes, events) and the modem's wire log, interleaved
// as they happen. It is written as the call goes, so that what a crash
// interrupted can still be read, and fsynced when closed.
type trace struct {
	rel string // the path the store records, relative to its directory

	mu  sync.Mutex // serialises writes of the engine's log and the wire log
	f   *os.File
	err error // the first write error
}

// createTrace creates the trace of attempt id under dir.
func createTrace(dir string, id int64) (*trace, error) {
	rel := filepath.Join(TraceDir, fmt.Sprintf("attempt-%d.log", id))
	if err := os.MkdirAll(filepath.Join(dir, TraceDir), datadir.DirMode); err != nil {
		return nil, fmt.Errorf("daemon: trace: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, rel), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, datadir.FileMode)
	if err != nil {
		return nil, fmt.Errorf("daemon: trace: %w", err)
	}
	return &trace{rel: rel, f: f}, nil
}

// Write implements io.Writer for the engine's log and the wire log; after
// a write error (a full disk) the trace drops what follows rather than
// failing the call.
func (t *trace) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err == nil {
		_, t.err = t.f.Write(p)
	}
	return len(p), nil
}

// printf writes a line of the trace's own.
func (t *trace) printf(format string, args ...any) {
	fmt.Fprintf(t, "%s %s\n", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), fmt.Sprintf(format, args...))
}

// logger returns a logger that writes the engine's debug trace here and
// to next too, if not nil.
func (t *trace) logger(next *slog.Logger) *slog.Logger {
	h := slog.Handler(slog.NewTextHandler(t, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if next != nil {
		h = slog.NewMultiHandler(h, next.Handler())
	}
	return slog.New(h)
}

// close writes the call's result, fsyncs and closes the file.
func (t *trace) close(r t30.Result) error {
	t.printf("result: %s (%s), %d pages confirmed, connected %v, %d bit/s, ECM %v, %v",
		r.Reason, r.Text, r.Pages, r.Connected.Round(time.Millisecond), r.BitRate, r.ECM, r.Coding)
	t.mu.Lock()
	defer t.mu.Unlock()
	err := t.err
	if serr := t.f.Sync(); err == nil {
		err = serr
	}
	if cerr := t.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("daemon: trace %s: %w", t.rel, err)
	}
	return nil
}

// startTrace creates attempt a's trace, records it in the store, and
// points the engine's log and the modem's wire log at it; it returns the
// trace (nil if none could be made: the call goes on without) and opts
// with the engine's log set.
func (w *worker) startTrace(ctx context.Context, log *slog.Logger, j store.Job, a store.Attempt, dial string, opts t30.Options) (*trace, t30.Options) {
	st := w.pool.cfg.Store
	tr, err := createTrace(st.Dir(), a.ID)
	if err == nil {
		err = st.RecordTrace(ctx, a.ID, tr.rel)
		if err != nil {
			tr.close(t30.Result{})
		}
	}
	if err != nil {
		log.Warn("calling without a trace", "err", err)
		return nil, opts
	}
	tr.printf("attempt %d of %d for job %d to %s, dialled as %s on %s; start at %s, ECM %v",
		a.Number, j.MaxAttempts, j.ID, j.Recipient.Number, dial, w.line.Name, rateText(opts.MaxRate), !opts.NoECM)
	opts.Logger = tr.logger(opts.Logger)
	if w.line.WireLog != nil {
		w.line.WireLog.SetOutput(tr)
	}
	return tr, opts
}

// endTrace writes the call's result r to tr, closes it, and stops the
// wire log writing there.
func (w *worker) endTrace(log *slog.Logger, tr *trace, r t30.Result) {
	if tr == nil {
		return
	}
	if w.line.WireLog != nil {
		w.line.WireLog.SetOutput(nil)
	}
	writeLineTrace(w.modem, tr)
	if err := tr.close(r); err != nil {
		log.Warn("writing the trace", "err", err)
	}
}

func rateText(r int) string {
	if r == 0 {
		return "the fastest rate"
	}
	return fmt.Sprintf("%d bit/s", r)
}
