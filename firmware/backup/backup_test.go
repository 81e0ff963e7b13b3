package backup_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/backup"
	"faxbox/firmware/billing"
	"faxbox/firmware/store"
	"faxbox/internal/sqlitedb"
)

// appliance is a data directory with its database open, as the daemon
// has it.
type appliance struct {
	dir string
	db  *sql.DB
	st  *store.Store
	led *billing.Ledger
}

// newAppliance makes a data directory: a user, a delivered message with
// two page files and a trace, a received fax of one page, a top-up, and
// a file of the web server's beside them.
func newAppliance(t testing.TB) *appliance {
	t.Helper()
	ctx := context.Background()
	a := &appliance{dir: filepath.Join(t.TempDir(), "data")}
	must(t, os.MkdirAll(a.dir, 0o700))
	path := filepath.Join(a.dir, backup.DatabaseName)
	var err error
	a.db, err = sqlitedb.Open(path)
	must(t, err)
	t.Cleanup(func() { a.db.Close() })
	a.st, err = store.Open(ctx, store.Config{Path: path, DB: a.db})
	must(t, err)
	a.led, err = billing.Open(ctx, billing.Config{Path: path, DB: a.db, InstallDefaultTariff: true})
	must(t, err)
	u, err := a.st.CreateUser(ctx, "alice")
	must(t, err)
	_, err = a.led.TopUp(ctx, 20*billing.Unit, "admin", "test credit")
	must(t, err)
	pf := []store.PageFile{a.page(t, "sent/1/p1.tif", "page one"), a.page(t, "sent/1/p2.tif", "page two")}
	pf[1].Index = 2
	m, err := a.st.CreateMessage(ctx, store.NewMessage{Sender: u.ID, Subject: "Invoice", Body: "attached",
		Recipients: []store.Recipient{{Field: store.To, Number: "+3225551212"}}, Pages: pf})
	must(t, err)
	j, ok, err := a.st.NextJob(ctx, time.Now())
	if err != nil || !ok || j.Message != m.ID {
		t.Fatalf("NextJob: %+v %v %v", j, ok, err)
	}
	at, err := a.st.StartAttempt(ctx, j.ID, "ttyA")
	must(t, err)
	a.page(t, "traces/1.log", "T.30 frames")
	must(t, a.st.RecordTrace(ctx, at.ID, "traces/1.log"))
	must(t, a.st.RecordConnected(ctx, at.ID, store.Params{}))
	for p := 1; p <= 2; p++ {
		_, err = a.st.RecordPageConfirmed(ctx, at.ID, p)
		must(t, err)
	}
	_, err = a.st.FinishAttempt(ctx, at.ID, store.Outcome{Next: store.Delivered, Duration: time.Minute})
	must(t, err)
	_, err = a.st.AddReceived(ctx, store.Received{Modem: "ttyA", CallerIdent: "+32 2 555 99 99", Pages: 1,
		Files: []store.PageFile{a.page(t, "received/1/p1.tif", "received page")}})
	must(t, err)
	a.page(t, "sent/1/"+store.AttachmentsDir+"/invoice.pdf", "the submitted document")
	a.page(t, "web-cert.pem", "certificate")
	return a
}

// page writes a file in the data directory and returns it as a page.
func (a *appliance) page(t testing.TB, rel, text string) store.PageFile {
	t.Helper()
	p := filepath.Join(a.dir, rel)
	must(t, os.MkdirAll(filepath.Dir(p), 0o700))
	_, sum, err := store.WriteFile(p, strings.NewReader(text), 0o600)
	must(t, err)
	return store.PageFile{Index: 1, Path: rel, SHA256: sum}
}

// take writes a backup of a with the database open.
func (a *appliance) take(t *testing.T, extra ...backup.Extra) ([]byte, *backup.Manifest) {
	t.Helper()
	var buf bytes.Buffer
	m, err := backup.Write(context.Background(), &buf, backup.Source{DataDir: a.dir, DB: a.db, Extra: extra, Version: "test"})
	must(t, err)
	return buf.Bytes(), m
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// tree returns every file under dir (except the database's journals) with
// its SHA-256, and every row of every table of its database.
func tree(t *testing.T, dir string) (files map[string]string, rows []string) {
	t.Helper()
	files = map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if strings.HasPrefix(rel, backup.DatabaseName) {
			return nil
		}
		b, err := os.ReadFile(p)
		sum := sha256.Sum256(b)
		files[filepath.ToSlash(rel)] = hex.EncodeToString(sum[:])
		return err
	})
	must(t, err)
	return files, dumpRows(t, filepath.Join(dir, backup.DatabaseName))
}

// dumpRows returns every row of every table of the database at path, as
// text, table by table.
func dumpRows(t *testing.T, path string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	must(t, err)
	defer db.Close()
	var tables []string
	rs, err := db.Query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
	must(t, err)
	for rs.Next() {
		var n string
		must(t, rs.Scan(&n))
		tables = append(tables, n)
	}
	must(t, rs.Err())
	rs.Close()
	var out []string
	for _, tb := range tables {
		rs, err := db.Query("SELECT * FROM " + tb + " ORDER BY rowid")
		if err != nil {
			rs, err = db.Query("SELECT * FROM " + tb) // WITHOUT ROWID
		}
		must(t, err)
		cols, _ := rs.Columns()
		for rs.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			must(t, rs.Scan(ptrs...))
			out = append(out, fmt.Sprintf("%s %v", tb, vals))
		}
		must(t, rs.Err())
		rs.Close()
	}
	return out
}

// TestRoundTrip: a backup taken with the database open, restored onto a
// fresh data directory, has every file byte for byte and every row of
// every table; the manifest lists each file with its size and checksum.
func TestRoundTrip(t *testing.T) {
	a := newAppliance(t)
	cert := filepath.Join(t.TempDir(), "cert.pem")
	must(t, os.WriteFile(cert, []byte("the web certificate"), 0o600))
	arch, m := a.take(t, backup.Extra{Role: backup.RoleTLSCert, Path: cert})
	wantFiles, wantRows := tree(t, a.dir)

	if m.Version != "test" || m.Format != backup.Format || m.Schema["store_schema"] != store.SchemaVersion() || len(m.Missing) != 0 {
		t.Errorf("manifest %+v", m)
	}
	var names []string
	for _, f := range m.Files {
		names = append(names, f.Name)
		if want, ok := wantFiles[strings.TrimPrefix(f.Name, backup.DataPrefix)]; ok && want != f.SHA256 {
			t.Errorf("%s: manifest SHA-256 %s, file %s", f.Name, f.SHA256, want)
		}
	}
	for _, want := range []string{"data/faxbox.db", "data/sent/1/p1.tif", "data/sent/1/p2.tif", "data/traces/1.log",
		"data/received/1/p1.tif", "data/web-cert.pem", "data/sent/1/attachments/invoice.pdf", "config/" + backup.RoleTLSCert} {
		if !slices.Contains(names, want) {
			t.Errorf("the archive lacks %s; it has %v", want, names)
		}
	}

	fresh := filepath.Join(t.TempDir(), "data")
	got, err := backup.Restore(context.Background(), bytes.NewReader(arch), fresh, filepath.Join(fresh, "console.sock"), backup.ApplyOptions{})
	must(t, err)
	if len(got.Files) != len(m.Files) {
		t.Errorf("restored %d files, the manifest has %d", len(got.Files), len(m.Files))
	}
	gotFiles, gotRows := tree(t, fresh)
	// Restoring migrates: the owners whose tables the test's database
	// lacked (accounts, address book, mail gateway) have made theirs.
	had := map[string]bool{}
	for _, r := range wantRows {
		had[strings.Fields(r)[0]] = true
	}
	gotRows = slices.DeleteFunc(gotRows, func(r string) bool { return !had[strings.Fields(r)[0]] })
	if fmt.Sprint(gotFiles) != fmt.Sprint(wantFiles) {
		t.Errorf("restored files\n%v\nwant\n%v", gotFiles, wantFiles)
	}
	if !slices.Equal(gotRows, wantRows) {
		t.Errorf("restored rows differ:\n%s\nwant\n%s", strings.Join(gotRows, "\n"), strings.Join(wantRows, "\n"))
	}
	if _, err := os.Stat(backup.PendingDir(fresh)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the stage is left behind: %v", err)
	}
}

// TestRestoreKeepsPrevious: restoring over a data directory keeps the
// previous one as DATA.before-restore, and a second restore keeps that
// and names its own copy with the time.
func TestRestoreKeepsPrevious(t *testing.T) {
	a := newAppliance(t)
	arch, _ := a.take(t)
	target := filepath.Join(t.TempDir(), "data")
	must(t, os.MkdirAll(target, 0o700))
	must(t, os.WriteFile(filepath.Join(target, "old.txt"), []byte("before"), 0o600))
	for i := range 2 {
		_, err := backup.Restore(context.Background(), bytes.NewReader(arch), target, filepath.Join(target, "console.sock"),
			backup.ApplyOptions{})
		must(t, err)
		if i == 0 {
			must(t, os.WriteFile(filepath.Join(target, "second.txt"), []byte("between"), 0o600))
		}
	}
	if b, err := os.ReadFile(filepath.Join(backup.BeforeDir(target), "old.txt")); err != nil || string(b) != "before" {
		t.Errorf("the first previous data directory: %q %v", b, err)
	}
	more, _ := filepath.Glob(backup.BeforeDir(target) + "-*/second.txt")
	if len(more) != 1 {
		t.Errorf("the second previous data directory: %v", more)
	}
	if _, err := os.Stat(filepath.Join(target, "sent/1/p1.tif")); err != nil {
		t.Errorf("restored data directory: %v", err)
	}
}

// TestRestoreConfigStaysInItsDirectory: with the configuration, a restore
// puts the configuration file at the path given and the files it names
// back where they were below that file's directory; an archive that names
// a place outside it (a tampered manifest, restored as root) is refused
// before the data directory or any file changes.
func TestRestoreConfigStaysInItsDirectory(t *testing.T) {
	a := newAppliance(t)
	etc := t.TempDir()
	cfg, cert := filepath.Join(etc, "faxbox.toml"), filepath.Join(etc, "tls", "cert.pem")
	must(t, os.MkdirAll(filepath.Dir(cert), 0o700))
	must(t, os.WriteFile(cfg, []byte("country = \"BE\"\n"), 0o600))
	must(t, os.WriteFile(cert, []byte("the web certificate"), 0o600))
	elsewhere := filepath.Join(t.TempDir(), "authorized_keys")
	must(t, os.WriteFile(elsewhere, []byte("kept"), 0o600))

	var good bytes.Buffer
	_, err := backup.Write(context.Background(), &good, backup.Source{DataDir: a.dir, DB: a.db, ConfigPath: cfg,
		Extra: []backup.Extra{{Role: backup.RoleTLSCert, Path: cert}}, Version: "test"})
	must(t, err)
	var bad bytes.Buffer
	_, err = backup.Write(context.Background(), &bad, backup.Source{DataDir: a.dir, DB: a.db, ConfigPath: cfg,
		Extra: []backup.Extra{{Role: backup.RoleTLSCert, Path: elsewhere}}, Version: "test"})
	must(t, err)

	must(t, os.WriteFile(cert, []byte("changed since"), 0o600))
	target := filepath.Join(t.TempDir(), "data")
	opts := backup.ApplyOptions{Config: true, ConfigPath: cfg}
	_, err = backup.Restore(context.Background(), bytes.NewReader(bad.Bytes()), target, filepath.Join(target, "console.sock"), opts)
	if err == nil || !strings.Contains(err.Error(), "outside "+etc) {
		t.Fatalf("an archive naming %s: %v, want refused as outside %s", elsewhere, err, etc)
	}
	for _, dir := range []string{target, backup.PendingDir(target)} {
		if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the refused restore left %s: %v", dir, err)
		}
	}
	if b, _ := os.ReadFile(elsewhere); string(b) != "kept" {
		t.Errorf("%s was written: %q", elsewhere, b)
	}

	_, err = backup.Restore(context.Background(), bytes.NewReader(good.Bytes()), target, filepath.Join(target, "console.sock"), opts)
	must(t, err)
	if b, _ := os.ReadFile(cert); string(b) != "the web certificate" {
		t.Errorf("the certificate restored as %q", b)
	}
	if b, _ := os.ReadFile(cert + ".before-restore"); string(b) != "changed since" {
		t.Errorf("the replaced certificate kept as %q", b)
	}
}
