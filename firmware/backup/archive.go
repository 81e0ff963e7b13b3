package backup

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"
)

// archiveWriter writes the tar.gz and the manifest of what it holds.
type archiveWriter struct {
	gz   *gzip.Writer
	tw   *tar.Writer
	m    Manifest
	seen map[string]bool
}

func newArchiveWriter(w io.Writer) *archiveWriter {
	gz := gzip.NewWriter(w)
	return &archiveWriter{gz: gz, tw: tar.NewWriter(gz), m: Manifest{Format: Format, Files: []File{}}, seen: map[string]bool{}}
}

// has reports whether name is in the archive.
func (aw *archiveWriter) has(name string) bool { return aw.seen[name] }

// add archives the regular file at path as name: as many bytes as it had
// when opened (a trace that grows meanwhile is cut there).
func (aw *archiveWriter) add(name, path, role, origin string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("backup: %s is not a regular file", path)
	}
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: fi.Size(), Mode: 0o600, ModTime: fi.ModTime(),
		Format: tar.FormatPAX}
	if err := aw.tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("backup: %s: %w", name, err)
	}
	h := sha256.New()
	if _, err := io.CopyN(io.MultiWriter(aw.tw, h), f, fi.Size()); err != nil {
		return fmt.Errorf("backup: %s (%s): %w", name, path, err)
	}
	aw.seen[name] = true
	aw.m.Files = append(aw.m.Files, File{Name: name, Size: fi.Size(), SHA256: hex.EncodeToString(h.Sum(nil)),
		Role: role, Origin: origin})
	return nil
}

// close writes the manifest, the last entry, and ends the archive.
func (aw *archiveWriter) close() error {
	b, err := json.MarshalIndent(aw.m, "", "  ")
	if err != nil {
		return fmt.Errorf("backup: manifest: %w", err)
	}
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: ManifestName, Size: int64(len(b)), Mode: 0o600,
		ModTime: aw.m.Created, Format: tar.FormatPAX}
	if hdr.ModTime.IsZero() {
		hdr.ModTime = time.Now()
	}
	if err := aw.tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("backup: manifest: %w", err)
	}
	if _, err := aw.tw.Write(b); err != nil {
		return fmt.Errorf("backup: manifest: %w", err)
	}
	if err := aw.tw.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := aw.gz.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}
