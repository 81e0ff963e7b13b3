// Package datadir keeps Faxbox's data directory private to the daemon's
// user: the database with its password hashes, the pages, traces and
// received faxes, the certificates and tokens. Directories are made with
// mode 0700 and files with 0600, stated explicitly so that the umask does
// not matter, and Tighten brings an existing directory (an install made
// before) to those modes. It does not know what the files are.
package datadir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// The modes of the data directory's directories and files.
const (
	DirMode  fs.FileMode = 0o700
	FileMode fs.FileMode = 0o600
)

// MkdirAll makes dir and its missing parents with DirMode, and sets dir's
// own mode to DirMode if it existed (the parents it did not make keep
// theirs).
func MkdirAll(dir string) error {
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return fmt.Errorf("datadir: %w", err)
	}
	if err := os.Chmod(dir, DirMode); err != nil {
		return fmt.Errorf("datadir: %w", err)
	}
	return nil
}

// WriteFile replaces path with data atomically (a crash leaves the old
// file or the new one), mode FileMode from the file's creation, making
// its directory with MkdirAll if needed.
func WriteFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := MkdirAll(dir); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path)+"-*") // mode 0600
	if err != nil {
		return fmt.Errorf("datadir: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(FileMode)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("datadir: write %s: %w", path, err)
	}
	return nil
}

// Tighten makes dir (made if missing) and every directory below it
// DirMode and every other file FileMode, where they allow more. Symbolic
// links are left alone and not followed: one pointing out of the data
// directory is the installer's choice. It goes on past a file it cannot
// change and returns the errors together.
func Tighten(dir string) error {
	if err := MkdirAll(dir); err != nil {
		return err
	}
	var errs []error
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		want := FileMode
		if d.IsDir() {
			want = DirMode
		}
		fi, err := d.Info()
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) { // removed meanwhile
				errs = append(errs, err)
			}
			return nil
		}
		if fi.Mode().Perm()&^want == 0 {
			return nil
		}
		if err := os.Chmod(path, fi.Mode().Perm()&want); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
		return nil
	})
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("datadir: tighten %s: %w", dir, err)
	}
	return nil
}
