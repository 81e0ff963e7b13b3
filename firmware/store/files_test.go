package store_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"faxbox/firmware/store"
)

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "page-1.g3")
	data := bytes.Repeat([]byte("fax"), 10000)
	n, sum, err := store.WriteFile(name, bytes.NewReader(data), 0o640)
	want := sha256.Sum256(data)
	if err != nil || n != int64(len(data)) || sum != hex.EncodeToString(want[:]) {
		t.Fatal(n, sum, err)
	}
	if got, _ := os.ReadFile(name); !bytes.Equal(got, data) {
		t.Fatal("content differs")
	}
	if fi, _ := os.Stat(name); fi.Mode().Perm() != 0o640 {
		t.Fatalf("mode %v", fi.Mode())
	}
	// A failed write leaves the old content and no temporary file.
	if _, _, err := store.WriteFile(name, failingReader{}, 0o640); err == nil {
		t.Fatal("no error")
	}
	if got, _ := os.ReadFile(name); !bytes.Equal(got, data) {
		t.Fatal("old content lost")
	}
	if es, _ := os.ReadDir(dir); len(es) != 1 {
		t.Fatalf("left behind: %v", es)
	}
	if _, _, err := store.WriteFile(filepath.Join(dir, "missing", "x"), bytes.NewReader(data), 0o640); !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
}
