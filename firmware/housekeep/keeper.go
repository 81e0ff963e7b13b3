package housekeep

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"faxbox/firmware/config"
	"faxbox/firmware/store"
)

// Defaults of Config.
const (
	DefaultInterval   = time.Hour
	DefaultSweepAge   = 24 * time.Hour
	DefaultNearlyFull = 0.9
)

// Store is what the Keeper needs of the store; *store.Store is one.
type Store interface {
	Purge(ctx context.Context, o store.PurgeOptions) (store.PurgeResult, error)
	Sweep(ctx context.Context, o store.SweepOptions) (store.SweepResult, error)
	PurgeDrafts(ctx context.Context, before time.Time) (store.DraftsResult, error)
	DiskUsage(ctx context.Context) (store.Usage, error)
	Dir() string
}

// FS is the size of a file system and its free space, in bytes.
type FS struct {
	Size int64
	Free int64 // available to an unprivileged process
}

// Config configures a Keeper. Store is required; the zero value of the
// other fields selects the documented default.
type Config struct {
	Store Store
	// Retention is the [retention] section: sent_days, received_days
	// (0 keeps until the disk limit needs the space) and disk_limit.
	Retention config.Retention
	// Interval between runs. Default DefaultInterval (an hour).
	Interval time.Duration
	// SweepAge is how old an unreferenced file must be before it is
	// swept as an orphan. Default DefaultSweepAge (a day).
	SweepAge time.Duration
	// NearlyFull is the share of the limit (or, without a limit, of the
	// file system) from which Status.NearlyFull is set. Default
	// DefaultNearlyFull (0.9).
	NearlyFull float64
	// Statfs measures the file system holding the data directory.
	// Default Statfs.
	Statfs func(path string) (FS, error)
	// Now is the wall clock the retention times are counted on (the
	// store's). Default time.Now.
	Now func() time.Time
	// Logger receives what was deleted and what went wrong. Default:
	// discard.
	Logger *slog.Logger
}

// Status is what the last run found.
type Status struct {
	// Usage is the space taken, by category, and the files found
	// missing.
	Usage store.Usage
	// Used is Usage.Total(); Limit is retention.disk_limit in bytes for
	// this file system, 0 for none.
	Used, Limit int64
	// FS is the file system holding the data directory (zero if it could
	// not be measured).
	FS FS
	// NearlyFull is set from Config.NearlyFull of the limit, or of the
	// file system when there is no limit or it has less free space left
	// than that: the front panel shows it.
	NearlyFull bool
	// OverLimit is set when the faxes still take more than the limit
	// because nothing finished is left to delete.
	OverLimit bool
	// Deleted is what the last run deleted.
	Deleted store.PurgeResult
	// Swept is what the last run removed as orphans.
	Swept store.SweepResult
	// Drafts is what the last run removed of the users' drafts.
	Drafts store.DraftsResult
	// Problems say in plain words what needs attention ("the disk is
	// full", "3 files of stored faxes are missing ..."), for the UI.
	Problems []string
	// LastRun is when the last run started; zero before the first.
	LastRun time.Time
	// Err is the last run's error, nil if it went through (several
	// failures are joined).
	Err error
}

// Keeper runs the retention and watches the disk.
type Keeper struct {
	cfg Config
	log *slog.Logger

	mu     sync.Mutex
	status Status
}

// New returns a Keeper for cfg.
func New(cfg Config) (*Keeper, error) {
	if cfg.Store == nil {
		return nil, errors.New("housekeep: no store")
	}
	if cfg.Retention.SentDays < 0 || cfg.Retention.ReceivedDays < 0 {
		return nil, fmt.Errorf("housekeep: retention of %d and %d days: want 0 or more",
			cfg.Retention.SentDays, cfg.Retention.ReceivedDays)
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.SweepAge <= 0 {
		cfg.SweepAge = DefaultSweepAge
	}
	if cfg.NearlyFull <= 0 || cfg.NearlyFull > 1 {
		cfg.NearlyFull = DefaultNearlyFull
	}
	if cfg.Statfs == nil {
		cfg.Statfs = Statfs
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	return &Keeper{cfg: cfg, log: lg}, nil
}

// Status returns what the last run found. It is safe to call at any
// time, from any goroutine.
func (k *Keeper) Status() Status {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.status
	s.Problems = append([]string(nil), s.Problems...)
	return s
}

// Run runs once at once, then every Config.Interval, until ctx ends; then
// it returns nil. A failing run does not stop it: see Status.
func (k *Keeper) Run(ctx context.Context) error {
	t := time.NewTicker(k.cfg.Interval)
	defer t.Stop()
	for {
		k.RunOnce(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// RunOnce purges by age, sweeps orphans, measures and enforces the disk
// limit once, and returns the new Status.
func (k *Keeper) RunOnce(ctx context.Context) Status {
	now := k.cfg.Now()
	st := Status{LastRun: now}
	var errs []error
	fail := func(what string, err error) {
		k.log.Error("housekeep: "+what, "err", err)
		errs = append(errs, fmt.Errorf("%s: %w", what, err))
	}

	// 1. Retention by age.
	var o store.PurgeOptions
	if d := k.cfg.Retention.SentDays; d > 0 {
		o.SentBefore = now.AddDate(0, 0, -d)
	}
	if d := k.cfg.Retention.ReceivedDays; d > 0 {
		o.ReceivedBefore = now.AddDate(0, 0, -d)
	}
	if !o.SentBefore.IsZero() || !o.ReceivedBefore.IsZero() {
		res, err := k.cfg.Store.Purge(ctx, o)
		st.Deleted.Add(res)
		if err != nil {
			fail("deleting old faxes", err)
		}
		k.logDeleted("housekeep: old faxes deleted", res)
	}

	// 2. Orphans.
	sw, err := k.cfg.Store.Sweep(ctx, store.SweepOptions{Before: now.Add(-k.cfg.SweepAge)})
	st.Swept = sw
	if err != nil {
		fail("removing orphan files", err)
	}

	// 2b. Drafts.
	if st.Drafts, err = k.purgeDrafts(ctx, now); err != nil {
		fail("removing old drafts", err)
	}

	// 3. The disk limit.
	dir := k.cfg.Store.Dir()
	fs, fsErr := k.cfg.Statfs(dir)
	if fsErr != nil {
		fail("measuring the file system", fsErr)
	}
	if st.Usage, err = k.cfg.Store.DiskUsage(ctx); err != nil {
		fail("measuring the disk use", err)
	} else {
		st.Limit = k.cfg.Retention.DiskLimit.Limit(fs.Size)
		if fsErr != nil && k.cfg.Retention.DiskLimit.Percent > 0 {
			st.Limit = 0 // a share of an unknown size
		}
		if st.Limit > 0 && st.Usage.Total() > st.Limit {
			var freed store.PurgeResult
			freed, st.OverLimit, err = k.enforce(ctx, st.Usage.Total(), st.Limit)
			st.Deleted.Add(freed)
			if err != nil {
				fail("deleting faxes over the disk limit", err)
			}
			if freed.Messages+freed.Received > 0 {
				if u, err := k.cfg.Store.DiskUsage(ctx); err == nil {
					st.Usage = u
				}
				if f, err := k.cfg.Statfs(dir); err == nil {
					fs = f
				}
			}
		}
	}
	st.Used, st.FS = st.Usage.Total(), fs
	st.NearlyFull, st.Problems = k.assess(st, fsErr == nil)
	for _, p := range st.Problems {
		k.log.Warn("housekeep: " + p)
	}
	st.Err = errors.Join(errs...)

	k.mu.Lock()
	k.status = st
	k.mu.Unlock()
	return st
}

// purgeDrafts removes the drafts untouched for retention.sent_days (none
// by age when it is 0) and those of users that are gone.
func (k *Keeper) purgeDrafts(ctx context.Context, now time.Time) (store.DraftsResult, error) {
	var before time.Time
	if d := k.cfg.Retention.SentDays; d > 0 {
		before = now.AddDate(0, 0, -d)
	}
	res, err := k.cfg.Store.PurgeDrafts(ctx, before)
	if res.Drafts > 0 {
		k.log.Info("housekeep: drafts removed", "drafts", res.Drafts, "files", res.Files, "bytes", res.Bytes)
	}
	return res, err
}

// enforce deletes the oldest finished items one at a time while used,
// reduced by what each deletion frees, is over limit. over reports that
// nothing finished was left to delete.
func (k *Keeper) enforce(ctx context.Context, used, limit int64) (freed store.PurgeResult, over bool, err error) {
	k.log.Warn("housekeep: the faxes take more than the disk limit; deleting the oldest", "used", used, "limit", limit)
	for used > limit {
		res, err := k.cfg.Store.Purge(ctx, store.PurgeOptions{Oldest: 1})
		freed.Add(res)
		if err != nil {
			return freed, used > limit, err
		}
		if res.Messages+res.Received == 0 {
			k.logDeleted("housekeep: faxes deleted for the disk limit", freed)
			return freed, true, nil
		}
		used -= res.Bytes
	}
	k.logDeleted("housekeep: faxes deleted for the disk limit", freed)
	return freed, false, nil
}

func (k *Keeper) logDeleted(msg string, r store.PurgeResult) {
	if r.Messages+r.Received > 0 {
		k.log.Info(msg, "messages", r.Messages, "received", r.Received, "files", r.Files, "bytes", r.Bytes)
	}
}

// assess sets the nearly-full flag and says what needs attention.
func (k *Keeper) assess(st Status, fsKnown bool) (nearlyFull bool, problems []string) {
	share := k.cfg.NearlyFull
	if st.Limit > 0 && float64(st.Used) >= share*float64(st.Limit) {
		nearlyFull = true
		problems = append(problems, fmt.Sprintf("the faxes take %s of the %s allowed (retention.disk_limit)",
			size(st.Used), size(st.Limit)))
	}
	if fsKnown && st.FS.Size > 0 {
		switch {
		case st.FS.Free <= 0:
			nearlyFull = true
			problems = append(problems, "the disk is full: new faxes cannot be stored")
		case float64(st.FS.Free) < (1-share)*float64(st.FS.Size):
			nearlyFull = true
			problems = append(problems, fmt.Sprintf("the disk is nearly full: %s free of %s", size(st.FS.Free), size(st.FS.Size)))
		}
	}
	if st.OverLimit {
		problems = append(problems, "the faxes take more than the disk limit, and none that is finished is left to delete")
	}
	if st.Usage.Missing > 0 {
		problems = append(problems, fmt.Sprintf("%d files of stored faxes are missing (for example %s)",
			st.Usage.Missing, st.Usage.MissingExample))
	}
	return nearlyFull, problems
}

// size formats a number of bytes for people: "512 B", "3.2 MB", "1.5 GB".
func size(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	d, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		d *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(d), "kMGTPE"[exp])
}
