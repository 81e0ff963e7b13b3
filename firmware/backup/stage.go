package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"faxbox/firmware/billing"
	"faxbox/firmware/contacts"
	"faxbox/firmware/mailgw"
	"faxbox/firmware/store"
	"faxbox/firmware/users"
	"faxbox/internal/datadir"
	"faxbox/internal/sqlitedb"
)

// PendingDir is where Stage puts a checked archive for the data
// directory dataDir, beside it, until Apply swaps it in.
func PendingDir(dataDir string) string { return filepath.Clean(dataDir) + ".restore" }

// BeforeDir is where Apply keeps the data directory it replaces.
func BeforeDir(dataDir string) string { return filepath.Clean(dataDir) + ".before-restore" }

// Stage reads the archive r into PendingDir(dataDir) and checks it: the
// gzip and tar framing, every file against the manifest's size and
// SHA-256, no file the manifest does not list, the database's schema
// (ErrSchemaTooNew when newer than this faxd's), and migrates an older
// database to this faxd's schema. A damaged archive is refused with an
// error wrapping ErrCorrupt. On error nothing but a temporary directory
// beside dataDir was written, and that is removed; dataDir is not
// touched either way. A pending stage from before is replaced.
func Stage(ctx context.Context, r io.Reader, dataDir string) (*Manifest, error) {
	parent := filepath.Dir(filepath.Clean(dataDir))
	if err := os.MkdirAll(parent, 0o755); err != nil { // a fresh install's /var/lib/faxbox, say
		return nil, fmt.Errorf("backup: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dataDir)+".restore-*")
	if err != nil {
		return nil, fmt.Errorf("backup: staging beside %s: %w", dataDir, err)
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	m, err := extract(ctx, r, tmp)
	if err != nil {
		return nil, err
	}
	db := filepath.Join(tmp, DataPrefix, DatabaseName)
	if err := migrate(ctx, db); err != nil {
		return nil, err
	}
	pending := PendingDir(dataDir)
	if err := os.RemoveAll(pending); err != nil {
		return nil, fmt.Errorf("backup: replacing the earlier stage: %w", err)
	}
	if err := os.Rename(tmp, pending); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	ok = true
	return m, nil
}

// corrupt wraps err as ErrCorrupt.
func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// extracted is a file read from the archive.
type extracted struct {
	size int64
	sum  string
}

// extract writes the archive's files under dir and checks them against
// its manifest, which it returns.
func extract(ctx context.Context, r io.Reader, dir string) (*Manifest, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, corrupt("not a gzip file: %v", err)
	}
	tr := tar.NewReader(gz)
	got := map[string]extracted{}
	var manifest []byte
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, corrupt("reading the archive: %v", err)
		}
		name, err := entryName(hdr)
		if err != nil {
			return nil, err
		}
		if _, dup := got[name]; dup || (name == ManifestName && manifest != nil) {
			return nil, corrupt("%s is in the archive twice", name)
		}
		if name == ManifestName {
			if manifest, err = io.ReadAll(io.LimitReader(tr, 64<<20)); err != nil {
				return nil, corrupt("the manifest: %v", err)
			}
			continue
		}
		if got[name], err = extractFile(tr, name, filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			return nil, err
		}
	}
	// The tar end marker is not the end of the gzip stream: reading on to
	// its end checks the stream's CRC-32 and length.
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return nil, corrupt("reading the archive: %v", err)
	}
	if manifest == nil {
		return nil, corrupt("no %s: not a Faxbox backup, or cut short", ManifestName)
	}
	var m Manifest
	if err := json.Unmarshal(manifest, &m); err != nil {
		return nil, corrupt("the manifest: %v", err)
	}
	if m.Format < 1 || m.Format > Format {
		return nil, fmt.Errorf("backup: archive format %d; this faxd reads format %d", m.Format, Format)
	}
	if err := check(&m, got); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestName), manifest, datadir.FileMode); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	return &m, nil
}

// entryName checks an archive entry: a regular file under DataPrefix or
// ConfigPrefix, or the manifest, whose name stays inside the archive.
func entryName(hdr *tar.Header) (string, error) {
	name := hdr.Name
	if hdr.Typeflag != tar.TypeReg {
		return "", corrupt("%s is not a regular file (type %q)", name, hdr.Typeflag)
	}
	clean := path.Clean(name)
	if clean != name || !filepath.IsLocal(filepath.FromSlash(name)) ||
		!(name == ManifestName || strings.HasPrefix(name, DataPrefix) || strings.HasPrefix(name, ConfigPrefix)) {
		return "", corrupt("unexpected entry %q", name)
	}
	return name, nil
}

// extractFile writes the entry name, read from r, to path and returns
// its size and SHA-256.
func extractFile(r io.Reader, name, path string) (extracted, error) {
	if err := datadir.MkdirAll(filepath.Dir(path)); err != nil {
		return extracted{}, fmt.Errorf("backup: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, datadir.FileMode)
	if err != nil {
		return extracted{}, fmt.Errorf("backup: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if err != nil {
		f.Close()
		return extracted{}, corrupt("reading the archive at %s: %v (cut short?)", name, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return extracted{}, fmt.Errorf("backup: %w", err)
	}
	if err := f.Close(); err != nil {
		return extracted{}, fmt.Errorf("backup: %w", err)
	}
	return extracted{size: n, sum: hex.EncodeToString(h.Sum(nil))}, nil
}

// check compares the files read with the manifest.
func check(m *Manifest, got map[string]extracted) error {
	listed := map[string]bool{}
	for _, f := range m.Files {
		listed[f.Name] = true
		g, ok := got[f.Name]
		switch {
		case !ok:
			return corrupt("%s is listed in the manifest but not in the archive", f.Name)
		case g.size != f.Size:
			return corrupt("%s has %d bytes, the manifest says %d", f.Name, g.size, f.Size)
		case g.sum != f.SHA256:
			return corrupt("%s: SHA-256 %s, the manifest says %s", f.Name, g.sum, f.SHA256)
		}
	}
	for name := range got {
		if !listed[name] {
			return corrupt("%s is in the archive but not in the manifest", name)
		}
	}
	if !listed[DataPrefix+DatabaseName] {
		return corrupt("no database (%s%s)", DataPrefix, DatabaseName)
	}
	return checkSchema(m.Schema)
}

// migrate checks the schema of the database at path and brings it to
// this faxd's, as the appliance does at start: the store, the ledger, the
// accounts, the address book and the mail gateway's tables (the notice
// watcher creates its own at start).
func migrate(ctx context.Context, path string) (err error) {
	db, err := sqlitedb.Open(path)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	have, err := schemaOf(ctx, db)
	if err != nil {
		return err
	}
	if err := checkSchema(have); err != nil {
		return err
	}
	var closers []func() error
	defer func() {
		for i := len(closers) - 1; i >= 0; i-- {
			err = errors.Join(err, closers[i]())
		}
	}()
	st, err := store.Open(ctx, store.Config{Path: path, DB: db})
	if err != nil {
		return fmt.Errorf("backup: migrating the database: %w", err)
	}
	closers = append(closers, st.Close)
	steps := []func() (func() error, error){
		func() (func() error, error) {
			l, err := billing.Open(ctx, billing.Config{Path: path, DB: db})
			return closer(l, err)
		},
		func() (func() error, error) {
			u, err := users.Open(ctx, users.Config{Path: path, DB: db, Accounts: st})
			return closer(u, err)
		},
		func() (func() error, error) {
			b, err := contacts.Open(ctx, contacts.Config{Path: path, DB: db})
			return closer(b, err)
		},
		func() (func() error, error) { s, err := mailgw.NewSeen(ctx, db); return closer(s, err) },
	}
	for _, step := range steps {
		c, err := step()
		if err != nil {
			return fmt.Errorf("backup: migrating the database: %w", err)
		}
		closers = append(closers, c)
	}
	return nil
}

// closer returns c's Close, or err.
func closer[C interface{ Close() error }](c C, err error) (func() error, error) {
	if err != nil {
		return nil, err
	}
	return c.Close, nil
}
