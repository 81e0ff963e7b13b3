package backup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"time"

	"faxbox/internal/datadir"
)

// ApplyOptions say what Apply restores besides the data directory.
type ApplyOptions struct {
	// Config restores the configuration file and the files it names
	// (certificate, key, token, password, tariff) too: the configuration
	// file to ConfigPath, the others where they were when the backup was
	// taken if that is below ConfigPath's directory (an archive naming
	// another place is refused before anything changes). Each file
	// replaced is kept as FILE.before-restore. Without it, only the data directory is
	// restored: the box's own configuration (its modems, its network)
	// stays.
	Config     bool
	ConfigPath string
	// Now names a second copy of the previous data directory when
	// BeforeDir is taken; default time.Now.
	Now func() time.Time
}

// Apply swaps the archive that Stage put in PendingDir(dataDir) in:
// dataDir is renamed to BeforeDir(dataDir) (or, if that is taken by an
// earlier restore, BeforeDir plus the time), the staged data directory
// renamed to dataDir. It reports whether there was a stage to apply. The
// daemon must not be using dataDir.
func Apply(dataDir string, o ApplyOptions) (applied bool, err error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	pending := PendingDir(dataDir)
	b, err := os.ReadFile(filepath.Join(pending, ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("backup: the staged restore: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return false, fmt.Errorf("backup: the staged restore's manifest: %w", err)
	}
	var dsts map[string]string
	if o.Config { // every destination checked before anything changes
		if dsts, err = configDests(&m, o.ConfigPath); err != nil {
			return false, err
		}
	}
	if err := swapDataDir(dataDir, pending, o.Now()); err != nil {
		return false, err
	}
	if err := restoreConfig(&m, pending, dsts); err != nil {
		return true, err
	}
	if err := os.RemoveAll(pending); err != nil {
		return true, fmt.Errorf("backup: removing the stage: %w", err)
	}
	return true, nil
}

// swapDataDir renames dataDir aside and the staged one in its place.
func swapDataDir(dataDir, pending string, now time.Time) error {
	before := BeforeDir(dataDir)
	if _, err := os.Lstat(before); err == nil {
		before += "-" + now.UTC().Format("20060102T150405Z")
	}
	prev, _ := os.Stat(dataDir)
	moved := false
	switch err := os.Rename(dataDir, before); {
	case err == nil:
		moved = true
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("backup: keeping the data directory as %s: %w", before, err)
	}
	if err := os.Rename(filepath.Join(pending, filepath.FromSlash(DataPrefix)), dataDir); err != nil {
		if moved {
			err = errors.Join(err, os.Rename(before, dataDir))
		}
		return fmt.Errorf("backup: putting the restored data directory in place: %w", err)
	}
	if prev != nil {
		if err := chownLike(dataDir, prev); err != nil {
			return fmt.Errorf("backup: giving the restored files the data directory's owner: %w", err)
		}
	}
	return datadir.Tighten(dataDir)
}

// configDest is where restoreConfig writes the archive's file f: the
// configuration file at configPath, the files it names where they were,
// provided that is below the configuration file's directory. An archive
// is not trusted to name other places (run as root, a tampered manifest
// could otherwise write anywhere).
func configDest(f File, configPath string) (string, error) {
	if f.Role == RoleConfig && configPath != "" {
		return configPath, nil
	}
	dst := filepath.Clean(f.Origin)
	if configPath == "" {
		return "", fmt.Errorf("backup: the archive's %s (%s) is restored beside the configuration file: name it (--config)", f.Role, dst)
	}
	dir := filepath.Dir(configPath)
	if rel, err := filepath.Rel(dir, dst); err != nil || !filepath.IsLocal(rel) {
		return "", fmt.Errorf("backup: the archive's %s was %s, outside %s: refused; copy it from the archive by hand", f.Role, dst, dir)
	}
	return dst, nil
}

// configDests returns where each of the archive's configuration files
// goes (configDest), by name in the archive.
func configDests(m *Manifest, configPath string) (map[string]string, error) {
	dsts := map[string]string{}
	for _, f := range m.Files {
		if f.Role == "" || f.Origin == "" {
			continue
		}
		dst, err := configDest(f, configPath)
		if err != nil {
			return nil, err
		}
		dsts[f.Name] = dst
	}
	return dsts, nil
}

// restoreConfig puts the archive's configuration files back to dsts
// (configDests); none when dsts is empty.
func restoreConfig(m *Manifest, pending string, dsts map[string]string) error {
	for _, f := range m.Files {
		dst, ok := dsts[f.Name]
		if !ok {
			continue
		}
		b, err := os.ReadFile(filepath.Join(pending, filepath.FromSlash(f.Name)))
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		if err := os.Rename(dst, dst+".before-restore"); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("backup: keeping %s: %w", dst, err)
		}
		if err := datadir.WriteFile(dst, b); err != nil {
			return fmt.Errorf("backup: restoring %s: %w", f.Role, err)
		}
	}
	return nil
}

// Restore restores the archive r onto dataDir (Stage, then Apply), for
// a stopped appliance: socket is the daemon's console socket in dataDir,
// and a daemon answering on it makes Restore refuse with ErrRunning
// before it reads anything.
func Restore(ctx context.Context, r io.Reader, dataDir, socket string, o ApplyOptions) (*Manifest, error) {
	if Running(socket) {
		return nil, fmt.Errorf("%w (%s answers): stop it first (systemctl stop faxbox), or restore through its console or administration page", ErrRunning, socket)
	}
	m, err := Stage(ctx, r, dataDir)
	if err != nil {
		return nil, err
	}
	if applied, err := Apply(dataDir, o); err != nil {
		if !applied { // refused: no stage is left for the next start to apply
			err = errors.Join(err, os.RemoveAll(PendingDir(dataDir)))
		}
		return nil, err
	}
	return m, nil
}

// Running reports whether a daemon answers on the unix socket at path
// (its console socket); a socket file left by a daemon that ended does
// not answer.
func Running(socket string) bool {
	c, err := net.DialTimeout("unix", socket, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
