package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"faxbox/firmware/events"
)

// purgeBatch bounds the rows deleted in one transaction, so that a large
// purge does not hold the write lock for long.
const purgeBatch = 200

// FileDirs returns the subdirectories of Dir in which the store's files
// live ("messages" for the pages of sent messages, "received" for
// received faxes, "traces" for the per-call traces): the only places
// Sweep looks in. Files referenced from elsewhere are purged with their
// rows but never swept.
func FileDirs() []string { return []string{"messages", "received", "traces"} }

// PurgeOptions says what Purge deletes.
type PurgeOptions struct {
	// SentBefore deletes the messages whose jobs are all final
	// (delivered, failed or cancelled) and whose last job changed before
	// it; zero deletes none by age.
	SentBefore time.Time
	// ReceivedBefore deletes the received faxes received before it; zero
	// deletes none by age.
	ReceivedBefore time.Time
	// Oldest, when above 0, deletes in addition up to Oldest items,
	// finished messages and received faxes together, oldest first
	// (messages by the time their last job finished, faxes by the time
	// they were received), whatever their age: to free disk space.
	Oldest int
}

// PurgeResult is what Purge deleted.
type PurgeResult struct {
	Messages int   // sent messages, with their jobs, attempts and pages
	Received int   // received faxes
	Files    int   // files removed from disk
	Bytes    int64 // their size
}

// Add adds the counts of r2 to r.
func (r *PurgeResult) Add(r2 PurgeResult) {
	r.Messages += r2.Messages
	r.Received += r2.Received
	r.Files += r2.Files
	r.Bytes += r2.Bytes
}

// Purge deletes finished sent messages and received faxes as o says,
// with their files. A message with a job that is not final (queued,
// in a call, waiting to retry) is never touched, nor is a fax still being
// received. Billing records are kept: the ledger is separate.
//
// Rows are deleted first, in transactions of at most a few hundred, each
// with an events.KindPurged event; the files they referred to are removed only after the commit, and only if
// no remaining row refers to them. A crash in between leaves orphan
// files, which Sweep removes. The result counts what was done, also when
// the error is not nil: an error removing files (which stay as orphans)
// is returned after every row was deleted.
func (s *Store) Purge(ctx context.Context, o PurgeOptions) (PurgeResult, error) {
	var res PurgeResult
	var fileErrs []error
	// step deletes one batch and its files; it returns how many items
	// it deleted.
	step := func(query string, args ...any) (int, error) {
		r, files, err := s.purgeBatch(ctx, query, args...)
		if err != nil {
			return 0, err
		}
		n, bytes, err := s.removeFiles(files)
		r.Files, r.Bytes = n, bytes
		res.Add(r)
		if err != nil {
			fileErrs = append(fileErrs, err)
		}
		return r.Messages + r.Received, nil
	}
	byAge := func(kind string, before time.Time) error {
		if before.IsZero() {
			return nil
		}
		for {
			n, err := step(finishedQuery+` WHERE kind = ? AND at < ? ORDER BY at, id LIMIT ?`, kind, micros(before), purgeBatch)
			if err != nil || n == 0 {
				return err
			}
		}
	}
	if err := byAge("sent", o.SentBefore); err != nil {
		return res, err
	}
	if err := byAge("received", o.ReceivedBefore); err != nil {
		return res, err
	}
	for left := o.Oldest; left > 0; {
		n, err := step(finishedQuery+` ORDER BY at, id LIMIT ?`, min(left, purgeBatch))
		if err != nil {
			return res, err
		}
		if n == 0 {
			break
		}
		left -= n
	}
	if len(fileErrs) > 0 {
		return res, fmt.Errorf("store: purge: removing files (left for Sweep): %w", errors.Join(fileErrs...))
	}
	return res, nil
}

// finishedQuery lists the items Purge may delete: finished messages (no
// job that is not final) by the time their last job changed, and received
// faxes by the time they were received.
const finishedQuery = `SELECT kind, id FROM (
	SELECT 'sent' AS kind, m.id AS id, max(j.updated_at) AS at
		FROM store_messages m JOIN store_jobs j ON j.message = m.id
		WHERE m.state <> 'active' AND NOT EXISTS (SELECT 1 FROM store_jobs a WHERE a.message = m.id
			AND a.state IN ('queued', 'dialing', 'sending', 'retry'))
		GROUP BY m.id
	UNION ALL
	SELECT 'received', id, received_at FROM store_received WHERE receiving = 0)`

// purgeBatch deletes the items that query selects, in one transaction,
// and returns the files they referred to that no remaining row refers to.
func (s *Store) purgeBatch(ctx context.Context, query string, args ...any) (PurgeResult, []string, error) {
	var res PurgeResult
	var files []string
	err := s.write(ctx, "purge", func(tx *wtx) error {
		res, files = PurgeResult{}, nil
		type item struct {
			kind string
			id   int64
		}
		items, err := queryAll(ctx, tx, query, func(sc interface{ Scan(...any) error }) (item, error) {
			var it item
			return it, sc.Scan(&it.kind, &it.id)
		}, args...)
		if err != nil || len(items) == 0 {
			return err
		}
		sent, received := []int64{}, []int64{}
		seen := map[string]bool{}
		for _, it := range items {
			var refs []string
			if it.kind == "sent" {
				sent = append(sent, it.id)
				refs, err = stringsOf(ctx, tx, `SELECT path FROM store_pages WHERE message = ?1
					OR job IN (SELECT id FROM store_jobs WHERE message = ?1)
					UNION SELECT trace_path FROM store_attempts
					WHERE job IN (SELECT id FROM store_jobs WHERE message = ?1) AND trace_path <> ''`, it.id)
				if err == nil {
					_, err = tx.ExecContext(ctx, `DELETE FROM store_messages WHERE id = ?`, it.id)
				}
			} else {
				received = append(received, it.id)
				refs, err = stringsOf(ctx, tx, `SELECT path FROM store_pages WHERE received = ?1
					UNION SELECT path FROM store_received WHERE id = ?1 AND path <> ''`, it.id)
				if err == nil {
					_, err = tx.ExecContext(ctx, `DELETE FROM store_received WHERE id = ?`, it.id)
				}
			}
			if err != nil {
				return fmt.Errorf("%s %d: %w", it.kind, it.id, err)
			}
			for _, p := range refs {
				if !seen[p] {
					seen[p] = true
					files = append(files, p)
				}
			}
		}
		// A file still named by a row that stays is kept.
		still, err := s.referenced(ctx, tx)
		if err != nil {
			return err
		}
		kept := files[:0]
		for _, p := range files {
			if !still[s.abs(p)] {
				kept = append(kept, p)
			}
		}
		files = kept
		res.Messages, res.Received = len(sent), len(received)
		_, err = tx.appendEvent(events.KindPurged, 0, events.PurgedEvent{Messages: sent, Received: received})
		return err
	})
	if err != nil {
		return PurgeResult{}, nil, err
	}
	return res, files, nil
}

// stringsOf returns the first column of a query's rows.
func stringsOf(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	return queryAll(ctx, q, query, func(sc interface{ Scan(...any) error }) (string, error) {
		var v string
		return v, sc.Scan(&v)
	}, args...)
}

// referenced returns the absolute paths of every file a row refers to.
func (s *Store) referenced(ctx context.Context, q querier) (map[string]bool, error) {
	paths, err := stringsOf(ctx, q, `SELECT path FROM store_pages
		UNION SELECT path FROM store_received WHERE path <> ''
		UNION SELECT trace_path FROM store_attempts WHERE trace_path <> ''`)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(paths))
	for _, p := range paths {
		out[s.abs(p)] = true
	}
	return out, nil
}

// AttachmentsDir is the directory, beside a message's pages or their
// directories, in which the files it was submitted with are kept (by
// package submission). Sweep leaves the files in it while a page of the
// message is referenced; once the message is purged they are orphans.
const AttachmentsDir = "attachments"

// attachmentOwners returns the directories in which an AttachmentsDir
// belongs to a referenced message: those of the referenced files and
// their parents.
func attachmentOwners(refs map[string]bool) map[string]bool {
	out := make(map[string]bool, 2*len(refs))
	for p := range refs {
		out[filepath.Dir(p)] = true
		out[filepath.Dir(filepath.Dir(p))] = true
	}
	return out
}

// abs resolves a stored path: relative paths are relative to Dir.
func (s *Store) abs(p string) string {
	if !filepath.IsAbs(p) {
		p = filepath.Join(s.Dir(), p)
	}
	return filepath.Clean(p)
}

// ownFile reports whether the absolute path p is inside a subdirectory of
// Dir: the store removes no file anywhere else (not the database beside
// it, not a file an odd row points outside the data directory at).
func (s *Store) ownFile(p string) bool {
	rel, err := filepath.Rel(filepath.Clean(s.Dir()), p)
	return err == nil && filepath.IsLocal(rel) && strings.ContainsRune(rel, filepath.Separator)
}

// removeFiles removes the stored paths' files that are the store's own,
// then their parent directories that became empty (but not the top
// subdirectories such as "messages", which others create files in at any
// time). Missing files are not an error.
func (s *Store) removeFiles(paths []string) (n int, bytes int64, err error) {
	var errs []error
	dirs := map[string]bool{}
	for _, p := range paths {
		p = s.abs(p)
		if !s.ownFile(p) {
			s.log.Warn("store: purge: file outside the data directory's subdirectories left alone", "path", p)
			continue
		}
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err == nil && !fi.Mode().IsRegular() {
			s.log.Warn("store: purge: not a regular file, left alone", "path", p)
			continue
		}
		if err == nil {
			err = os.Remove(p)
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		n++
		bytes += fi.Size()
		dirs[filepath.Dir(p)] = true
	}
	for d := range dirs {
		s.removeEmptyParents(d)
	}
	return n, bytes, errors.Join(errs...)
}

// removeEmptyParents removes dir and its parents while they are empty,
// stopping below Dir's immediate subdirectories.
func (s *Store) removeEmptyParents(dir string) {
	for s.ownFile(dir) && os.Remove(dir) == nil {
		dir = filepath.Dir(dir)
	}
}

// SweepOptions says what Sweep removes.
type SweepOptions struct {
	// Dirs are the subdirectories of Dir swept, relative ("messages");
	// nil means FileDirs.
	Dirs []string
	// Before is required: only files and empty directories last modified
	// before it are removed, so that the files of a message being
	// submitted or a fax being received, written before the row that
	// refers to them is committed, are safe. A day before now is ample.
	Before time.Time
}

// SweepResult is what Sweep removed.
type SweepResult struct {
	Files int   // unreferenced files removed
	Bytes int64 // their size
	Dirs  int   // empty directories removed
}

// Sweep removes the files under the store's own subdirectories (o.Dirs)
// that no row refers to and that were last modified before o.Before: the
// orphans that a crash between Purge's commit and its file removal, or
// between writing a page and committing its message, leaves behind, and
// the temporary files of an interrupted WriteFile. Then it removes the
// empty directories below those subdirectories, also only if last
// modified before o.Before. It follows no symbolic link and removes
// only regular files.
func (s *Store) Sweep(ctx context.Context, o SweepOptions) (SweepResult, error) {
	var res SweepResult
	if o.Before.IsZero() {
		return res, invalid("sweep without a time: only files older than a given time may be swept")
	}
	dirs := o.Dirs
	if dirs == nil {
		dirs = FileDirs()
	}
	for _, d := range dirs {
		if !filepath.IsLocal(d) || filepath.Clean(d) == "." {
			return res, invalid("sweep: %q is not a subdirectory of the data directory", d)
		}
	}
	// The candidates are found before the references are read: a file
	// old enough but referenced by a row committed meanwhile is then seen
	// as referenced.
	files, emptyDirs, errs, err := s.sweepCandidates(ctx, dirs, o.Before)
	if err != nil {
		return res, err
	}
	refs, err := s.referenced(ctx, s.db)
	if err != nil {
		return res, fmt.Errorf("store: sweep: %w", err)
	}
	if len(refs) == 0 && len(files) > 0 {
		// A database that refers to nothing beside files is more likely a
		// new or replaced one than the last of many orphans: keep them.
		return res, fmt.Errorf("store: sweep: the database refers to no file but %d old files are in %s: nothing removed (was the database replaced?)",
			len(files), strings.Join(dirs, ", "))
	}
	owners := attachmentOwners(refs)
	for _, f := range files {
		if refs[f.path] || owners[filepath.Dir(filepath.Dir(f.path))] && filepath.Base(filepath.Dir(f.path)) == AttachmentsDir {
			continue
		}
		if err := os.Remove(f.path); err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
			continue
		}
		s.log.Info("store: sweep: orphan file removed", "path", f.path, "bytes", f.size)
		res.Files++
		res.Bytes += f.size
	}
	// Deepest first, so that a directory emptied by removing its empty
	// children goes too. os.Remove refuses a directory that is not empty.
	// Each is checked again: one modified since (a file added, or
	// removed just now) stays until the next sweep.
	for i := len(emptyDirs) - 1; i >= 0; i-- {
		fi, err := os.Lstat(emptyDirs[i])
		if err == nil && fi.IsDir() && fi.ModTime().Before(o.Before) && os.Remove(emptyDirs[i]) == nil {
			res.Dirs++
		}
	}
	if len(errs) > 0 {
		return res, fmt.Errorf("store: sweep: %w", errors.Join(errs...))
	}
	return res, nil
}

// sweepCandidate is a file that Sweep removes unless a row refers to it.
type sweepCandidate struct {
	path string
	size int64
}

// sweepCandidates walks the store's subdirectories dirs for the regular
// files and the directories last modified before before. Errors reading
// a file or directory are collected in errs and the walk goes on; err is
// the context's end or a walk that could not be made.
func (s *Store) sweepCandidates(ctx context.Context, dirs []string, before time.Time) (files []sweepCandidate, emptyDirs []string, errs []error, err error) {
	for _, d := range dirs {
		root := filepath.Join(s.Dir(), d)
		fi, err := os.Lstat(root)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !fi.IsDir() {
			s.log.Warn("store: sweep: not a directory, left alone", "path", root)
			continue
		}
		err = filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, err)
				if e != nil && e.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			info, err := e.Info()
			if err != nil {
				if !errors.Is(err, fs.ErrNotExist) {
					errs = append(errs, err)
				}
				return nil
			}
			old := info.ModTime().Before(before)
			switch {
			case e.IsDir():
				if p != root && old {
					emptyDirs = append(emptyDirs, p)
				}
			case info.Mode().IsRegular() && old:
				files = append(files, sweepCandidate{p, info.Size()})
			}
			return nil
		})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("store: sweep %s: %w", root, err)
		}
	}
	return files, emptyDirs, errs, nil
}

// Usage is the disk space the store takes, in bytes.
type Usage struct {
	Sent     int64 // page files of sent messages (the archive of what was sent)
	Received int64 // files of received faxes
	Traces   int64 // per-call trace files
	// Database is the SQLite file with its write-ahead log and shared
	// memory file (the billing ledger, when it shares the file,
	// included).
	Database int64
	// Missing counts files that rows refer to but that are not on disk (a
	// deleted or lost page file); MissingExample names one of them.
	Missing        int
	MissingExample string
}

// Total returns the sum of every category.
func (u Usage) Total() int64 { return u.Sent + u.Received + u.Traces + u.Database }

// DiskUsage returns the space the store's files and database take. Each
// file is counted once, under the first category that refers to it.
func (s *Store) DiskUsage(ctx context.Context) (Usage, error) {
	var u Usage
	type ref struct {
		kind string
		path string
	}
	refs, err := queryAll(ctx, s.db, `SELECT 'sent', path FROM store_pages WHERE received IS NULL
		UNION ALL SELECT 'received', path FROM store_pages WHERE received IS NOT NULL
		UNION ALL SELECT 'received', path FROM store_received WHERE path <> ''
		UNION ALL SELECT 'trace', trace_path FROM store_attempts WHERE trace_path <> ''`,
		func(sc interface{ Scan(...any) error }) (ref, error) {
			var r ref
			return r, sc.Scan(&r.kind, &r.path)
		})
	if err != nil {
		return u, fmt.Errorf("store: disk usage: %w", err)
	}
	seen := make(map[string]bool, len(refs))
	for _, r := range refs {
		p := s.abs(r.path)
		if seen[p] {
			continue
		}
		seen[p] = true
		fi, err := os.Stat(p)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				return u, fmt.Errorf("store: disk usage: %w", err)
			}
			if u.Missing == 0 {
				u.MissingExample = r.path
			}
			u.Missing++
			continue
		}
		switch r.kind {
		case "sent":
			u.Sent += fi.Size()
		case "received":
			u.Received += fi.Size()
		default:
			u.Traces += fi.Size()
		}
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		fi, err := os.Stat(s.cfg.Path + suffix)
		if err == nil {
			u.Database += fi.Size()
		} else if !errors.Is(err, fs.ErrNotExist) {
			return u, fmt.Errorf("store: disk usage: %w", err)
		}
	}
	return u, nil
}
