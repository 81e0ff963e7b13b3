package store

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteFile writes the content of r to the file name atomically: into a
// temporary file in the same directory, fsynced, renamed over name, and
// the directory fsynced, so that after a crash or power cut name holds
// either its old content or all of the new. It returns the size and the
// hex SHA-256 of what was written (for PageFile.SHA256). On error
// (ENOSPC included) the temporary file is removed and name is untouched.
func WriteFile(name string, r io.Reader, perm os.FileMode) (size int64, sum string, err error) {
	dir, base := filepath.Split(name)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return 0, "", fmt.Errorf("store: write %s: %w", name, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
			err = fmt.Errorf("store: write %s: %w", name, err)
		}
	}()
	h := sha256.New()
	if size, err = io.Copy(io.MultiWriter(f, h), r); err != nil {
		return 0, "", err
	}
	if err = f.Chmod(perm); err != nil {
		return 0, "", err
	}
	if err = f.Sync(); err != nil {
		return 0, "", err
	}
	if err = f.Close(); err != nil {
		return 0, "", err
	}
	if err = os.Rename(tmp, name); err != nil {
		return 0, "", err
	}
	if err = syncDir(dir); err != nil {
		return 0, "", err
	}
	return size, hex.EncodeToString(h.Sum(nil)), nil
}

// syncDir fsyncs a directory so that a rename in it is durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
