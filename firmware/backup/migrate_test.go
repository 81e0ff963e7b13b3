package backup_test

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"faxbox/firmware/backup"
)

// TestOlderSchemaMigrated backs up a data directory whose database an
// earlier Faxbox wrote (firmware/dbcompat/testdata/faxbox-v1.db) without
// a handle from a daemon, as `faxd backup` does, and restores it: the
// restored database is at this faxd's schema. The fixture's page files
// were never written, so the manifest lists them as missing.
func TestOlderSchemaMigrated(t *testing.T) {
	b, err := os.ReadFile("../dbcompat/testdata/faxbox-v1.db")
	must(t, err)
	dir := filepath.Join(t.TempDir(), "data")
	must(t, os.MkdirAll(dir, 0o700))
	must(t, os.WriteFile(filepath.Join(dir, backup.DatabaseName), b, 0o600))
	var buf bytes.Buffer
	m, err := backup.Write(context.Background(), &buf, backup.Source{DataDir: dir})
	must(t, err)
	if m.Schema["ledger_schema"] != 0 || m.Schema["mailgw_schema"] != 0 {
		t.Errorf("manifest schema %v; want the fixture's (ledger and mail gateway before their version tables)", m.Schema)
	}
	if !slices.Equal(m.Missing, []string{"pages/1/1.g3", "pages/1/2.g3"}) {
		t.Errorf("missing %v; want the fixture's two page files", m.Missing)
	}
	fresh := filepath.Join(t.TempDir(), "data")
	_, err = backup.Restore(context.Background(), &buf, fresh, "", backup.ApplyOptions{})
	must(t, err)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(fresh, backup.DatabaseName)+"?mode=ro")
	must(t, err)
	defer db.Close()
	for table, want := range backup.KnownSchema() {
		if table == "notify_schema" {
			continue // the notice watcher migrates its tables when it starts
		}
		var v int
		must(t, db.QueryRow("SELECT version FROM "+table).Scan(&v))
		if v != want {
			t.Errorf("%s %d after restore, want %d", table, v, want)
		}
	}
	var n int
	must(t, db.QueryRow("SELECT COUNT(*) FROM ledger_entries").Scan(&n))
	if n == 0 {
		t.Errorf("the ledger's entries were not carried over to ledger_entries")
	}
}
