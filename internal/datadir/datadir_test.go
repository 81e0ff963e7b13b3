package datadir

import (
	"os"
	"path/filepath"
	"testing"
)

// TestTighten: an install made with 0755 directories and 0644 files
// becomes 0700 and 0600; a symbolic link's target outside is untouched.
func TestTighten(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "data")
	outside := filepath.Join(root, "outside.txt")
	if err := os.WriteFile(outside, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"sent/1", "traces"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := []string{"faxbox.db", "faxbox.db-wal", "sent/1/p1.tif", "traces/1.log", "web-cert.pem"}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(filepath.Join(dir, "traces/1.log"), 0o400)
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"", "sent", "sent/1", "traces"} {
		os.Chmod(filepath.Join(dir, d), 0o755)
	}
	if err := Tighten(dir); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"", "sent", "sent/1", "traces"} {
		if fi, _ := os.Stat(filepath.Join(dir, d)); fi.Mode().Perm() != DirMode {
			t.Errorf("%s/: %v, want %v", d, fi.Mode().Perm(), DirMode)
		}
	}
	for _, f := range files {
		want := FileMode
		if f == "traces/1.log" {
			want = 0o400 // already tighter: kept
		}
		if fi, _ := os.Stat(filepath.Join(dir, f)); fi.Mode().Perm() != want {
			t.Errorf("%s: %v, want %v", f, fi.Mode().Perm(), want)
		}
	}
	if fi, _ := os.Stat(outside); fi.Mode().Perm() != 0o644 {
		t.Errorf("the link's target outside: %v, want 0644 kept", fi.Mode().Perm())
	}
}

func TestWriteFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	path := filepath.Join(dir, "token")
	for _, data := range []string{"one", "two"} {
		if err := WriteFile(path, []byte(data)); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(path); string(b) != data {
			t.Errorf("file holds %q, want %q", b, data)
		}
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != FileMode {
		t.Errorf("file mode %v", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != DirMode {
		t.Errorf("directory mode %v", fi.Mode().Perm())
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("left behind: %v", ents)
	}
}
