package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"faxbox/firmware/installer"
	"faxbox/firmware/store"
)

// TestBackupRestoreCommands: faxd backup writes the data directory named
// by the configuration to a file; faxd restore puts it on another data
// directory, and refuses while a daemon answers on that directory's
// console socket.
func TestBackupRestoreCommands(t *testing.T) {
	dir := t.TempDir()
	conf := func(name string) (string, string) {
		data := filepath.Join(dir, name)
		path := filepath.Join(dir, name+".toml")
		text := fmt.Sprintf("data_dir = %q\ncountry = \"BE\"\n[identity]\nfax_number = \"+3225550100\"\n", data)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path, data
	}
	fromConf, fromData := conf("from")
	toConf, toData := conf("to")
	if err := os.MkdirAll(fromData, 0o700); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), store.Config{Path: filepath.Join(fromData, "faxbox.db")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateUser(context.Background(), "alice"); err != nil {
		t.Fatal(err)
	}
	st.Close()

	out := filepath.Join(dir, "faxbox.tar.gz")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"backup", "--config", fromConf, out}, &stdout, &stderr); code != 0 {
		t.Fatalf("faxd backup: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "written to "+out) {
		t.Errorf("faxd backup said %q", stderr.String())
	}

	if err := os.MkdirAll(toData, 0o700); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", filepath.Join(toData, installer.SocketName))
	if err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	if code := run([]string{"restore", "--config", toConf, out}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "faxd is running") {
		t.Errorf("faxd restore beside a running daemon: exit %d: %s", code, stderr.String())
	}
	l.Close()
	stdout.Reset()
	if code := run([]string{"restore", "--config", toConf, out}, &stdout, &stderr); code != 0 {
		t.Fatalf("faxd restore: exit %d: %s", code, stderr.String())
	}
	st, err = store.Open(context.Background(), store.Config{Path: filepath.Join(toData, "faxbox.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.UserByName(context.Background(), "alice"); err != nil {
		t.Errorf("the restored database: %v", err)
	}
	if !strings.Contains(stdout.String(), "restored") {
		t.Errorf("faxd restore said %q", stdout.String())
	}
}
