package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The users' drafts of Compose are kept beside the database, a directory
// per user (package api writes what is in them: firmware/api/drafts.go).
// The store names the directories and removes the drafts that retention
// no longer keeps (PurgeDrafts); it does not read them.

// DraftsDir is the subdirectory of Dir that holds the drafts.
const DraftsDir = "drafts"

// DraftDir returns the directory of user's draft: Dir/drafts/u<ID>.
func (s *Store) DraftDir(user int64) string {
	return filepath.Join(s.Dir(), DraftsDir, fmt.Sprintf("u%d", user))
}

// DraftsResult is what PurgeDrafts removed.
type DraftsResult struct {
	Drafts int   // draft directories removed
	Files  int   // the files in them
	Bytes  int64 // their size
}

// PurgeDrafts removes the drafts of users the store does not know (their
// directory names an id that is no user's), and, when before is not zero,
// the drafts in which nothing (the directory or a file in it) was
// modified since before. Entries of DraftsDir that are no user's draft
// directory are left alone. When the store knows no user at all it
// removes no draft of an unknown user: the database is more likely new
// or replaced than every user gone.
//
// A draft that its user changes while it is being removed may lose that
// change; it had been left untouched for the whole retention period.
func (s *Store) PurgeDrafts(ctx context.Context, before time.Time) (DraftsResult, error) {
	var res DraftsResult
	entries, err := os.ReadDir(filepath.Join(s.Dir(), DraftsDir))
	if errors.Is(err, fs.ErrNotExist) {
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("store: drafts: %w", err)
	}
	known, err := s.userIDs(ctx)
	if err != nil {
		return res, fmt.Errorf("store: drafts: %w", err)
	}
	var errs []error
	for _, e := range entries {
		id, ok := draftUser(e)
		if !ok {
			continue
		}
		dir := s.DraftDir(id)
		files, bytes, newest, err := draftFiles(dir)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		gone := len(known) > 0 && !known[id]
		if !gone && (before.IsZero() || !newest.Before(before)) {
			continue
		}
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, err)
			continue
		}
		s.log.Info("store: draft removed", "user", id, "no such user", gone, "modified", newest, "files", files)
		res.Drafts++
		res.Files += files
		res.Bytes += bytes
	}
	if len(errs) > 0 {
		return res, fmt.Errorf("store: drafts: %w", errors.Join(errs...))
	}
	return res, nil
}

// draftUser returns the user id a directory entry of DraftsDir is the
// draft of: a directory named u<ID>.
func draftUser(e fs.DirEntry) (int64, bool) {
	if !e.IsDir() || !strings.HasPrefix(e.Name(), "u") {
		return 0, false
	}
	id, err := strconv.ParseInt(e.Name()[1:], 10, 64)
	if err != nil || id <= 0 || fmt.Sprintf("u%d", id) != e.Name() {
		return 0, false
	}
	return id, true
}

// draftFiles counts the regular files of a draft directory (it has no
// subdirectories) and their size, and returns the newest modification
// time of the directory and its entries.
func draftFiles(dir string) (files int, bytes int64, newest time.Time, err error) {
	fi, err := os.Lstat(dir)
	if err != nil {
		return 0, 0, newest, err
	}
	newest = fi.ModTime()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, 0, newest, err
	}
	for _, e := range entries {
		info, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, 0, newest, err
		}
		if info.ModTime().After(newest) {
			newest = info.ModTime()
		}
		if info.Mode().IsRegular() {
			files++
			bytes += info.Size()
		}
	}
	return files, bytes, newest, nil
}

// userIDs returns the ids of the users the store knows.
func (s *Store) userIDs(ctx context.Context) (map[int64]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM store_users`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids[id] = true
	}
	return ids, rows.Err()
}
