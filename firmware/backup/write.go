package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"faxbox/firmware/config"
	"faxbox/firmware/store"
	"faxbox/internal/datadir"
	"faxbox/internal/sqlitedb"
)

// Source is what Write backs up.
type Source struct {
	// DataDir is the data directory; its database is DataDir/DatabaseName.
	DataDir string
	// DB is the daemon's open handle on that database; nil: Write opens
	// the file itself and closes it (faxd backup, from another process).
	DB *sql.DB
	// ConfigPath is the configuration file, "" for none; Extra the files
	// outside the data directory that it names (ConfigFiles).
	ConfigPath string
	Extra      []Extra
	// Version is faxd's, recorded in the manifest.
	Version string
	// Now stamps the manifest; default time.Now.
	Now func() time.Time
}

// Extra is a file outside the data directory.
type Extra struct {
	Role string // RoleTLSCert...
	Path string
}

// ConfigFiles returns the files that cfg names outside the data
// directory: the web server's certificate and key, the API token, the
// SMTP password and the tariff file.
func ConfigFiles(cfg *config.Config) []Extra {
	var out []Extra
	for _, e := range []Extra{
		{RoleTLSCert, cfg.Web.TLSCert}, {RoleTLSKey, cfg.Web.TLSKey}, {RoleAPIToken, cfg.Web.APITokenFile},
		{RoleSMTPPass, cfg.SMTP.PasswordFile}, {RoleTariff, cfg.Billing.TariffFile},
	} {
		if e.Path != "" {
			out = append(out, e)
		}
	}
	return out
}

// snapshotTries is how many snapshots Write takes at most when a file
// the last one refers to was removed before it could be set aside.
const snapshotTries = 3

// Write writes a backup of src to w as a .tar.gz (see the package
// comment) and returns its manifest. It may run while the daemon works:
// the database is copied first, in one transaction, and every file that
// copy refers to is in the archive. A referenced file that the data
// directory lacks in every try is listed in Manifest.Missing.
func Write(ctx context.Context, w io.Writer, src Source) (*Manifest, error) {
	if src.Now == nil {
		src.Now = time.Now
	}
	dbPath := filepath.Join(src.DataDir, DatabaseName)
	if _, err := os.Stat(dbPath); err != nil {
		return nil, fmt.Errorf("backup: no database: %w", err)
	}
	tmp, err := os.MkdirTemp(src.DataDir, ".backup-*") // same file system: hard links
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(tmp)
	fr, err := freeze(ctx, src, tmp)
	if err != nil {
		return nil, err
	}
	aw := newArchiveWriter(w)
	aw.m.Version, aw.m.Created, aw.m.Schema, aw.m.Missing = src.Version, src.Now().UTC(), fr.schema, fr.missing
	if err := aw.add(DataPrefix+DatabaseName, fr.db, "", ""); err != nil {
		return nil, err
	}
	for _, rel := range fr.refs {
		if err := aw.add(DataPrefix+filepath.ToSlash(rel), filepath.Join(tmp, "files", rel), "", ""); err != nil {
			return nil, err
		}
	}
	if err := addRest(ctx, aw, src.DataDir); err != nil {
		return nil, err
	}
	if err := addExtra(aw, src); err != nil {
		return nil, err
	}
	if err := aw.close(); err != nil {
		return nil, err
	}
	return &aw.m, nil
}

// frozen is a snapshot of the database and the files it refers to, set
// aside in a temporary directory.
type frozen struct {
	db      string // the database copy
	schema  map[string]int
	refs    []string // data directory paths set aside under tmp/files
	missing []string // referenced, not in the data directory
}

// freeze copies the database into tmp with VACUUM INTO and hard-links
// (or copies) every file it refers to into tmp/files, so that they stay
// as the copy knew them whatever housekeeping does next. A file removed
// between the copy and its link means the copy is already stale: it
// starts again, snapshotTries times at most.
func freeze(ctx context.Context, src Source, tmp string) (*frozen, error) {
	db := src.DB
	if db == nil {
		var err error
		if db, err = sqlitedb.Open(filepath.Join(src.DataDir, DatabaseName)); err != nil {
			return nil, fmt.Errorf("backup: %w", err)
		}
		defer db.Close()
	}
	var fr *frozen
	for try := 1; try <= snapshotTries; try++ {
		fr = &frozen{db: filepath.Join(tmp, fmt.Sprintf("snapshot-%d.db", try))}
		if _, err := db.ExecContext(ctx, "VACUUM INTO ?", fr.db); err != nil {
			return nil, fmt.Errorf("backup: snapshot of the database: %w", err)
		}
		refs, schema, err := readSnapshot(ctx, fr.db, src.DataDir)
		if err != nil {
			return nil, err
		}
		fr.schema = schema
		files := filepath.Join(tmp, "files")
		if err := os.RemoveAll(files); err != nil {
			return nil, fmt.Errorf("backup: %w", err)
		}
		for _, rel := range refs {
			err := setAside(filepath.Join(src.DataDir, rel), filepath.Join(files, rel))
			switch {
			case err == nil:
				fr.refs = append(fr.refs, rel)
			case errors.Is(err, fs.ErrNotExist):
				fr.missing = append(fr.missing, filepath.ToSlash(rel))
			default:
				return nil, err
			}
		}
		if len(fr.missing) == 0 {
			break
		}
	}
	// The files a message was submitted with, kept beside its pages: as
	// they are now (Sweep keeps them while the message's pages are
	// referenced).
	for _, rel := range attachments(src.DataDir, fr.refs) {
		switch err := setAside(filepath.Join(src.DataDir, rel), filepath.Join(tmp, "files", rel)); {
		case err == nil:
			fr.refs = append(fr.refs, rel)
		case !errors.Is(err, fs.ErrNotExist):
			return nil, err
		}
	}
	return fr, nil
}

// attachments returns the files (relative to dataDir) in the
// store.AttachmentsDir folders beside the referenced files refs or
// their folders.
func attachments(dataDir string, refs []string) []string {
	owners := map[string]bool{}
	for _, r := range refs {
		owners[filepath.Dir(r)] = true
		owners[filepath.Dir(filepath.Dir(r))] = true
	}
	var out []string
	for o := range owners {
		if o == "." {
			continue
		}
		dir := filepath.Join(o, store.AttachmentsDir)
		es, err := os.ReadDir(filepath.Join(dataDir, dir))
		if err != nil {
			continue // none
		}
		for _, e := range es {
			if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
				out = append(out, filepath.Join(dir, e.Name()))
			}
		}
	}
	slices.Sort(out)
	return out
}

// readSnapshot reads the schema versions and the files referred to
// (relative to dataDir, sorted) from the database copy at path.
func readSnapshot(ctx context.Context, path, dataDir string) (refs []string, schema map[string]int, err error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return nil, nil, fmt.Errorf("backup: %w", err)
	}
	defer db.Close()
	if schema, err = schemaOf(ctx, db); err != nil {
		return nil, nil, err
	}
	// The store's tables name every file of a message, a received fax and
	// a call (firmware/store/schema.go): pages, whole documents, traces.
	rows, err := db.QueryContext(ctx, `SELECT path FROM store_pages
		UNION SELECT path FROM store_received WHERE path <> ''
		UNION SELECT trace_path FROM store_attempts WHERE trace_path <> ''`)
	if err != nil {
		return nil, nil, fmt.Errorf("backup: the files of the snapshot: %w", err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, nil, fmt.Errorf("backup: the files of the snapshot: %w", err)
		}
		rel, err := inDataDir(dataDir, p)
		if err != nil {
			return nil, nil, err
		}
		if !seen[rel] {
			seen[rel] = true
			refs = append(refs, rel)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("backup: the files of the snapshot: %w", err)
	}
	slices.Sort(refs)
	return refs, schema, nil
}

// inDataDir returns the stored path p (relative to dataDir, or absolute)
// relative to dataDir; a file outside it cannot be restored with it.
func inDataDir(dataDir, p string) (string, error) {
	rel := p
	if filepath.IsAbs(p) {
		abs, err := filepath.Abs(dataDir)
		if err == nil {
			rel, err = filepath.Rel(abs, p)
		}
		if err != nil {
			return "", fmt.Errorf("backup: %s: %w", p, err)
		}
	}
	rel = filepath.Clean(rel)
	if !filepath.IsLocal(rel) || rel == DatabaseName {
		return "", fmt.Errorf("backup: the database refers to %s, outside the data directory %s", p, dataDir)
	}
	return rel, nil
}

// setAside hard-links src at dst, or copies it where links are not
// possible.
func setAside(src, dst string) error {
	if err := datadir.MkdirAll(filepath.Dir(dst)); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Link(src, dst); err == nil || errors.Is(err, fs.ErrNotExist) {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, datadir.FileMode)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("backup: copy %s: %w", src, err)
	}
	return nil
}

// skipped reports whether a data directory entry stays out of the
// archive: the live database and its journals (the snapshot stands for
// them), the console's backups folder, dot-files (temporary files, a backup or restore in progress),
// and anything but regular files and directories (the console socket).
func skipped(rel string, d fs.DirEntry) bool {
	base := d.Name()
	if strings.HasPrefix(base, ".") {
		return true
	}
	if rel == DatabaseName || strings.HasPrefix(rel, DatabaseName+"-") || rel == BackupsDir {
		return true
	}
	return !d.IsDir() && !d.Type().IsRegular()
}

// addRest adds the data directory's files that are not yet in the
// archive, as they are now; one removed meanwhile is left out.
func addRest(ctx context.Context, aw *archiveWriter, dir string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return fmt.Errorf("backup: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil || rel == "." {
			return err
		}
		if skipped(rel, d) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		name := DataPrefix + filepath.ToSlash(rel)
		if d.IsDir() || aw.has(name) {
			return nil
		}
		if err := aw.add(name, path, "", ""); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	})
}

// addExtra adds the configuration file and the files it names.
func addExtra(aw *archiveWriter, src Source) error {
	var extra []Extra
	if src.ConfigPath != "" {
		extra = append(extra, Extra{RoleConfig, src.ConfigPath})
	}
	for _, e := range append(extra, src.Extra...) {
		origin, err := filepath.Abs(e.Path)
		if err != nil {
			return fmt.Errorf("backup: %s: %w", e.Path, err)
		}
		if err := aw.add(ConfigPrefix+e.Role, e.Path, e.Role, origin); err != nil {
			return err
		}
	}
	return nil
}

// WriteFile writes the backup that write makes to the file name (made
// mode 0600: it holds the accounts' password hashes and the keys),
// through a temporary file beside it, so that a backup that fails leaves
// no file that looks complete.
func WriteFile(name string, write func(w io.Writer) (*Manifest, error)) (*Manifest, error) {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(f.Name()) // after the rename, there is nothing to remove
	m, err := write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		return nil, fmt.Errorf("writing %s: %w", name, err)
	}
	return m, nil
}
