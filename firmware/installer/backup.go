package installer

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"faxbox/firmware/backup"
	"faxbox/internal/datadir"
)

// Backup implements console.Backend: the backup goes to path, or to a
// dated file in the data directory's backups folder (which backups leave
// out).
func (b *Backend) Backup(ctx context.Context, path string) (string, error) {
	if b.cfg.WriteBackup == nil {
		return "", notAvailable("backups")
	}
	if path == "" {
		dir := filepath.Join(b.cfg.DataDir, backup.BackupsDir)
		if err := datadir.MkdirAll(dir); err != nil {
			return "", err
		}
		path = filepath.Join(dir, "faxbox-backup-"+time.Now().UTC().Format("2006-01-02T150405Z")+".tar.gz")
	}
	m, err := backup.WriteFile(path, func(w io.Writer) (*backup.Manifest, error) { return b.cfg.WriteBackup(ctx, w) })
	if err != nil {
		return "", err
	}
	var size int64
	for _, f := range m.Files {
		size += f.Size
	}
	msg := fmt.Sprintf("Backup written to %s: %d files, %d bytes before compression.", path, len(m.Files), size)
	if len(m.Missing) > 0 {
		msg += fmt.Sprintf("\nThe database refers to %d files the data directory did not have: %v", len(m.Missing), m.Missing)
	}
	return msg, nil
}

// Restore implements console.Backend.
func (b *Backend) Restore(ctx context.Context, path string) (string, error) {
	if b.cfg.StageRestore == nil {
		return "", notAvailable("restoring backups")
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	m, then, err := b.cfg.StageRestore(ctx, f)
	if err != nil {
		return "", err
	}
	// The answer is shown before the restart ends this session.
	time.AfterFunc(time.Second, then)
	return fmt.Sprintf("Backup of %s (faxd %s, %d files) checked and staged: the appliance restarts on it now.",
		m.Created.Format("2006-01-02 15:04:05Z"), m.Version, len(m.Files)), nil
}
