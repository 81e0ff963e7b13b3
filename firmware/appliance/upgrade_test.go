//go:build linux

package appliance_test

import (
	"archive/tar"
	"compress/gzip"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/backup"
)

// dataDirFixture is a data directory written by an earlier release
// (makefixture_test.go).
const dataDirFixture = "datadir-1.tar.gz"

var fixtureTime = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

// unpackFixture extracts testdata/name into a new data directory.
func unpackFixture(t *testing.T, name, data string) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(data, filepath.FromSlash(h.Name))
		if !filepath.IsLocal(h.Name) {
			t.Fatalf("fixture entry %q", h.Name)
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// query returns the rows of q on the database of data, each as text.
func query(t *testing.T, data, q string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, backup.DatabaseName)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rs, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	var out []string
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		texts := make([]string, len(vals))
		for i, v := range vals {
			texts[i] = fmt.Sprint(v)
		}
		out = append(out, strings.Join(texts, " "))
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestUpgradeKeepsData starts this faxd's appliance on data directories
// that earlier releases wrote, and finds through the API every message
// with its jobs' states, every ledger entry, every received fax and the
// pages' files as they were.
func TestUpgradeKeepsData(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(t *testing.T, data string)
		// ledger reads the ledger's entries (id, kind, amount in
		// micro-units) from the database as the release wrote it.
		ledger string
	}{
		{"data directory of main at a8a60b5", func(t *testing.T, data string) { unpackFixture(t, dataDirFixture, data) },
			"SELECT id, kind, amount FROM ledger_entries ORDER BY id"},
		{"database before versioned schemas, with its page files", func(t *testing.T, data string) {
			b, err := os.ReadFile("../dbcompat/testdata/faxbox-v1.db")
			if err != nil {
				t.Fatal(err)
			}
			for name, content := range map[string][]byte{backup.DatabaseName: b, "pages/1/1.g3": []byte("page 1"), "pages/1/2.g3": []byte("page 2")} {
				if err := os.MkdirAll(filepath.Dir(filepath.Join(data, name)), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(data, name), content, 0o600); err != nil {
					t.Fatal(err)
				}
			}
		}, "SELECT id, kind, amount FROM entries ORDER BY id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			data := filepath.Join(dir, "data")
			tc.make(t, data)
			wantJobs := query(t, data, "SELECT message, id, state FROM store_jobs ORDER BY id")
			wantEntries := query(t, data, tc.ledger)
			wantReceived := query(t, data, "SELECT id, pages FROM store_received ORDER BY id")
			wantPages := query(t, data, "SELECT path, sha256 FROM store_pages ORDER BY id")
			files := map[string][]byte{}
			for _, p := range query(t, data, "SELECT path FROM store_pages") {
				b, err := os.ReadFile(filepath.Join(data, p))
				if err != nil {
					t.Fatal(err)
				}
				files[p] = b
			}
			if len(wantJobs) == 0 || len(wantEntries) == 0 {
				t.Fatalf("the fixture has no jobs (%q) or no ledger entries (%q)", wantJobs, wantEntries)
			}

			ap := startApplianceOn(t, dir, data)
			var gotJobs []string
			for _, j := range wantJobs {
				var msg int64
				fmt.Sscan(j, &msg)
				var m struct {
					ID   int64 `json:"id"`
					Jobs []struct {
						ID    int64  `json:"id"`
						State string `json:"state"`
					} `json:"jobs"`
				}
				if code := ap.call("GET", fmt.Sprintf("/api/messages/%d", msg), "", nil, &m); code != 200 {
					t.Fatalf("GET /api/messages/%d: %d", msg, code)
				}
				for _, jj := range m.Jobs {
					if s := fmt.Sprintf("%d %d %s", m.ID, jj.ID, jj.State); !slices.Contains(gotJobs, s) {
						gotJobs = append(gotJobs, s)
					}
				}
			}
			slices.Sort(gotJobs)
			slices.Sort(wantJobs)
			if !slices.Equal(gotJobs, wantJobs) {
				t.Errorf("jobs after the upgrade %q, want %q", gotJobs, wantJobs)
			}
			var gotEntries []string
			for _, e := range ap.ledger().Entries {
				gotEntries = append(gotEntries, fmt.Sprintf("%d %s %s", e.ID, e.Kind, e.Amount))
			}
			if len(gotEntries) < len(wantEntries) {
				t.Fatalf("ledger after the upgrade %q; want the %d entries %q", gotEntries, len(wantEntries), wantEntries)
			}
			for i, w := range wantEntries {
				var id int64
				var kind string
				var micro int64
				fmt.Sscan(w, &id, &kind, &micro)
				if want := fmt.Sprintf("%d %s %.2f", id, kind, float64(micro)/1e6); gotEntries[i] != want {
					t.Errorf("ledger entry %d after the upgrade %q, want %q", i, gotEntries[i], want)
				}
			}
			var inbox struct {
				Faxes []struct {
					ID    int64 `json:"id"`
					Pages int   `json:"pages"`
				} `json:"faxes"`
			}
			ap.call("GET", "/api/inbox", "", nil, &inbox)
			var gotReceived []string
			for _, f := range inbox.Faxes {
				gotReceived = append(gotReceived, fmt.Sprintf("%d %d", f.ID, f.Pages))
				if tif := ap.get(fmt.Sprintf("/api/inbox/%d/fax.tif", f.ID)); len(tif) == 0 {
					t.Errorf("received fax %d has no TIFF", f.ID)
				}
			}
			slices.Sort(gotReceived)
			if !slices.Equal(gotReceived, wantReceived) {
				t.Errorf("inbox after the upgrade %q, want %q", gotReceived, wantReceived)
			}
			if got := query(t, data, "SELECT path, sha256 FROM store_pages ORDER BY id"); !slices.Equal(got, wantPages) {
				t.Errorf("page rows after the upgrade %q, want %q", got, wantPages)
			}
			for p, b := range files {
				if got, err := os.ReadFile(filepath.Join(data, p)); err != nil || string(got) != string(b) {
					t.Errorf("page file %s after the upgrade: %v", p, err)
				}
			}
		})
	}
}
