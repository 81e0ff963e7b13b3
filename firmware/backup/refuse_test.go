package backup_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"faxbox/firmware/backup"
	"faxbox/firmware/store"
)

// rewrite returns the archive arch with each entry passed through edit
// (which may change the header and the content).
func rewrite(t *testing.T, arch []byte, edit func(h *tar.Header, b []byte) []byte) []byte {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(arch))
	must(t, err)
	tr := tar.NewReader(gz)
	var out bytes.Buffer
	gw := gzip.NewWriter(&out)
	tw := tar.NewWriter(gw)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		must(t, err)
		b, err := io.ReadAll(tr)
		must(t, err)
		b = edit(h, b)
		h.Size = int64(len(b))
		must(t, tw.WriteHeader(h))
		_, err = tw.Write(b)
		must(t, err)
	}
	must(t, tw.Close())
	must(t, gw.Close())
	return out.Bytes()
}

// editManifest returns the archive with its manifest changed by edit.
func editManifest(t *testing.T, arch []byte, edit func(m *backup.Manifest)) []byte {
	return rewrite(t, arch, func(h *tar.Header, b []byte) []byte {
		if h.Name != backup.ManifestName {
			return b
		}
		var m backup.Manifest
		must(t, json.Unmarshal(b, &m))
		edit(&m)
		b, err := json.Marshal(m)
		must(t, err)
		return b
	})
}

// TestRefused: archives that are damaged, tampered with, of a newer
// schema, or not backups at all are refused with an error saying why,
// and the data directory they were to replace is untouched, with no
// stage left beside it.
func TestRefused(t *testing.T) {
	a := newAppliance(t)
	arch, _ := a.take(t)
	flip := func(name string) []byte {
		return rewrite(t, arch, func(h *tar.Header, b []byte) []byte {
			if h.Name == name {
				b = bytes.Clone(b)
				b[len(b)/2] ^= 0x55
			}
			return b
		})
	}
	gzCorrupt := bytes.Clone(arch)
	gzCorrupt[len(gzCorrupt)/2] ^= 0xff
	for _, tc := range []struct {
		name    string
		arch    []byte
		is      error
		message string
	}{
		{"truncated", arch[:len(arch)*2/3], backup.ErrCorrupt, "reading the archive"},
		{"cut before the manifest", rewrite(t, arch, func(h *tar.Header, b []byte) []byte {
			if h.Name == backup.ManifestName {
				h.Name = "data/not-a-manifest"
			}
			return b
		}), backup.ErrCorrupt, "no manifest.json"},
		{"flipped bits in the gzip stream", gzCorrupt, backup.ErrCorrupt, ""},
		{"a page changed", flip("data/sent/1/p2.tif"), backup.ErrCorrupt, "data/sent/1/p2.tif: SHA-256"},
		{"the database changed", flip("data/faxbox.db"), backup.ErrCorrupt, "data/faxbox.db: SHA-256"},
		{"a tampered checksum", editManifest(t, arch, func(m *backup.Manifest) {
			m.Files[1].SHA256 = strings.Repeat("0", 64)
		}), backup.ErrCorrupt, "the manifest says " + strings.Repeat("0", 64)},
		{"a file not listed", editManifest(t, arch, func(m *backup.Manifest) {
			m.Files = m.Files[:len(m.Files)-1]
		}), backup.ErrCorrupt, "not in the manifest"},
		{"an escaping name", rewrite(t, arch, func(h *tar.Header, b []byte) []byte {
			if h.Name == "data/web-cert.pem" {
				h.Name = "data/../../evil"
			}
			return b
		}), backup.ErrCorrupt, "unexpected entry"},
		{"not gzip", []byte("PK\x03\x04 a zip file"), backup.ErrCorrupt, "not a gzip file"},
		{"a newer schema", editManifest(t, arch, func(m *backup.Manifest) { m.Schema["store_schema"] = store.SchemaVersion() + 1 }),
			backup.ErrSchemaTooNew, fmt.Sprintf("store_schema %d (this faxd knows %d)", store.SchemaVersion()+1, store.SchemaVersion())},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files, rows := tree(t, a.dir)
			_, err := backup.Restore(context.Background(), bytes.NewReader(tc.arch), a.dir, filepath.Join(a.dir, "console.sock"),
				backup.ApplyOptions{})
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.message) {
				t.Fatalf("Restore: %v; want %v saying %q", err, tc.is, tc.message)
			}
			t.Logf("refused: %v", err)
			gotFiles, gotRows := tree(t, a.dir)
			if fmt.Sprint(gotFiles) != fmt.Sprint(files) || fmt.Sprint(gotRows) != fmt.Sprint(rows) {
				t.Errorf("the data directory changed")
			}
			left, _ := filepath.Glob(filepath.Join(filepath.Dir(a.dir), "*"))
			if len(left) != 1 {
				t.Errorf("beside the data directory: %v", left)
			}
		})
	}
}

// TestNewerDatabaseRefused: a database whose tables a newer faxd
// migrated is refused even when the manifest does not say so.
func TestNewerDatabaseRefused(t *testing.T) {
	a := newAppliance(t)
	_, err := a.db.Exec("UPDATE ledger_schema SET version = version + 5")
	must(t, err)
	arch, m := a.take(t)
	arch = editManifest(t, arch, func(m *backup.Manifest) { m.Schema["ledger_schema"] = 0 })
	fresh := filepath.Join(t.TempDir(), "data")
	_, err = backup.Restore(context.Background(), bytes.NewReader(arch), fresh, "", backup.ApplyOptions{})
	if !errors.Is(err, backup.ErrSchemaTooNew) || !strings.Contains(err.Error(), "ledger_schema") {
		t.Fatalf("Restore: %v; want ErrSchemaTooNew naming ledger_schema (manifest %v)", err, m.Schema)
	}
	if _, err := os.Stat(fresh); err == nil {
		t.Errorf("%s was made", fresh)
	}
}

// TestRestoreRefusedWhileRunning: a daemon answering on the console
// socket makes Restore refuse before it reads the archive.
func TestRestoreRefusedWhileRunning(t *testing.T) {
	a := newAppliance(t)
	arch, _ := a.take(t)
	sock := filepath.Join(a.dir, "console.sock")
	l, err := net.Listen("unix", sock)
	must(t, err)
	defer l.Close()
	_, err = backup.Restore(context.Background(), bytes.NewReader(arch), a.dir, sock, backup.ApplyOptions{})
	if !errors.Is(err, backup.ErrRunning) {
		t.Fatalf("Restore with a daemon on %s: %v; want ErrRunning", sock, err)
	}
	if _, err := os.Stat(backup.PendingDir(a.dir)); err == nil {
		t.Errorf("staged while the daemon runs")
	}
}
