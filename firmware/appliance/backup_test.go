//go:build linux

package appliance_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/appliance"
	"faxbox/firmware/backup"
	"faxbox/firmware/config"
	"faxbox/firmware/demo"
	"faxbox/firmware/installer"
)

// get returns the body of GET path, failing the test unless it is 200.
func (r *running) get(path string) []byte {
	r.t.Helper()
	req, err := http.NewRequest("GET", "https://"+r.addr+path, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+r.token)
	resp, err := r.client.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		r.t.Fatalf("GET %s: %d %v %.300s", path, resp.StatusCode, err, b)
	}
	return b
}

// jobState returns the state of the first job of message id.
func (r *running) jobState(id int64) string {
	r.t.Helper()
	var m messageJSON
	if code := r.call("GET", fmt.Sprintf("/api/messages/%d", id), "", nil, &m); code != http.StatusOK || len(m.Jobs) == 0 {
		r.t.Fatalf("GET /api/messages/%d: %d %+v", id, code, m)
	}
	return m.Jobs[0].State
}

// ledgerJSON is GET /api/account/ledger.
type ledgerJSON struct {
	Entries []struct {
		ID      int64  `json:"id"`
		Kind    string `json:"kind"`
		Amount  string `json:"amount"`
		Balance string `json:"balance"`
		Job     string `json:"job"`
	} `json:"entries"`
}

func (r *running) ledger() ledgerJSON {
	r.t.Helper()
	var l ledgerJSON
	if err := json.Unmarshal(r.get("/api/account/ledger"), &l); err != nil {
		r.t.Fatal(err)
	}
	return l
}

// startDemo runs the demo appliance (one simulated line to the demo's
// remote fax machine, at scale times real time) on the data directory
// data.
func startDemo(t *testing.T, data string, scale float64) *running {
	t.Helper()
	cfg := config.Default()
	cfg.Demo = true
	cfg.Identity.FaxNumber = demo.FaxNumber
	return runAppliance(t, appliance.Options{Config: cfg, DataDir: data, DemoLines: 1, SimScale: scale})
}

// pageRows returns the path and checksum of every page file of message
// id (its job's pages when job > 0) in the database of data, and the
// files' bytes.
func pageRows(t *testing.T, data string, message int64) (rows []string, files [][]byte) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, backup.DatabaseName)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rs, err := db.Query(`SELECT idx, path, sha256 FROM store_pages WHERE message = ?
		OR job IN (SELECT id FROM store_jobs WHERE message = ?) ORDER BY id`, message, message)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	for rs.Next() {
		var idx int
		var path, sum string
		if err := rs.Scan(&idx, &path, &sum); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, fmt.Sprint(idx, path, sum))
		b, err := os.ReadFile(filepath.Join(data, path))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return rows, files
}

// TestBackupDuringCall takes a backup through the API while the demo's
// simulated modem is sending a fax, lets that call end normally, and
// restores the backup onto a fresh data directory, where another
// appliance starts: the delivered message, its pages (files and rows,
// byte for byte), the inbox with the received fax, and the ledger as it
// was at the backup are all there; the message whose call the backup
// caught is there, recovered as after a power cut.
func TestBackupDuringCall(t *testing.T) {
	dir := t.TempDir()
	orig := startDemo(t, filepath.Join(dir, "data"), 4)

	// A received fax and a delivered message.
	if code := orig.call("POST", "/api/demo/incoming", "", nil, nil); code != http.StatusAccepted {
		t.Fatalf("POST /api/demo/incoming: %d", code)
	}
	var inbox struct {
		Faxes []struct {
			ID        int64 `json:"id"`
			Receiving bool  `json:"receiving"`
		} `json:"faxes"`
	}
	waitFor(t, "the received fax in the inbox", func() bool {
		inbox.Faxes = nil // decoding into old elements keeps their omitted fields
		orig.call("GET", "/api/inbox", "", nil, &inbox)
		return len(inbox.Faxes) == 1 && !inbox.Faxes[0].Receiving
	})
	delivered, npages := orig.submit("+32 2 555 12 12")
	orig.waitDelivered(delivered)

	// A second message, in its call while the backup is taken.
	inCall, _ := orig.submit("+32 2 555 13 13")
	waitFor(t, "the second message's call sending", func() bool { return orig.jobState(inCall) == "sending" })
	before := orig.ledger()
	wantMessage := orig.get(fmt.Sprintf("/api/messages/%d", delivered))
	wantInbox := orig.get("/api/inbox")
	wantTIFF := orig.get(fmt.Sprintf("/api/inbox/%d/fax.tif", inbox.Faxes[0].ID))
	arch := orig.get("/api/admin/backup")
	if s := orig.jobState(inCall); s != "sending" || !slices.Equal(orig.ledger().Entries, before.Entries) {
		t.Fatalf("the call ended during the backup (job %s): slow the simulated line down", s)
	}
	t.Logf("backup during the call: %d bytes", len(arch))
	orig.waitDelivered(inCall) // the backup did not disturb the call

	// Restored on a fresh data directory, started without modems.
	fresh := filepath.Join(dir, "restored")
	m, err := backup.Restore(context.Background(), bytes.NewReader(arch), fresh, filepath.Join(fresh, installer.SocketName), backup.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Missing) != 0 {
		t.Errorf("the backup lacks referenced files %v", m.Missing)
	}
	wantRows, wantFiles := pageRows(t, orig.data, delivered)
	gotRows, gotFiles := pageRows(t, fresh, delivered)
	if len(wantRows) == 0 || !slices.Equal(gotRows, wantRows) {
		t.Errorf("the delivered message's page rows: restored %q, original %q", gotRows, wantRows)
	}
	for i := range min(len(gotFiles), len(wantFiles)) {
		if !bytes.Equal(gotFiles[i], wantFiles[i]) {
			t.Errorf("page file %s differs from the original", gotRows[i])
		}
	}
	restored := startApplianceOn(t, dir, fresh)

	if got := restored.get(fmt.Sprintf("/api/messages/%d", delivered)); !bytes.Equal(got, wantMessage) {
		t.Errorf("the delivered message restored:\n%s\nwant\n%s", got, wantMessage)
	}
	if got := restored.get("/api/inbox"); !bytes.Equal(got, wantInbox) {
		t.Errorf("the inbox restored:\n%s\nwant\n%s", got, wantInbox)
	}
	if got := restored.get(fmt.Sprintf("/api/inbox/%d/fax.tif", inbox.Faxes[0].ID)); !bytes.Equal(got, wantTIFF) {
		t.Errorf("the received fax's TIFF differs: %d bytes, want %d", len(got), len(wantTIFF))
	}
	for p := 1; p <= npages; p++ {
		path := fmt.Sprintf("/api/messages/%d/pages/%d.png", delivered, p)
		if !bytes.Equal(restored.get(path), orig.get(path)) {
			t.Errorf("%s differs", path)
		}
	}
	// The ledger as it was at the backup; what follows it is the
	// recovery of the call the backup caught, and nothing else.
	after := restored.ledger()
	if len(after.Entries) < len(before.Entries) || !slices.Equal(after.Entries[:len(before.Entries)], before.Entries) {
		t.Fatalf("restored ledger %+v\nwant it to begin with %+v", after.Entries, before.Entries)
	}
	var caught struct {
		Jobs []struct {
			ID int64 `json:"id"`
		} `json:"jobs"`
	}
	if err := json.Unmarshal(orig.get(fmt.Sprintf("/api/messages/%d", inCall)), &caught); err != nil || len(caught.Jobs) != 1 {
		t.Fatalf("message %d: %v %+v", inCall, err, caught)
	}
	for _, e := range after.Entries[len(before.Entries):] {
		if e.Job != fmt.Sprintf("job%d", caught.Jobs[0].ID) {
			t.Errorf("restored ledger entry %+v is not the recovery of job %d", e, caught.Jobs[0].ID)
		}
	}
	if s := restored.jobState(inCall); s == "delivered" || s == "" {
		t.Errorf("the job the backup caught in its call is %q after the restore", s)
	}
}

// startApplianceOn runs an appliance without modems on the data
// directory data, with an API token file in dir.
func startApplianceOn(t *testing.T, dir, data string) *running {
	t.Helper()
	tokenFile := filepath.Join(dir, "api-token")
	if err := os.WriteFile(tokenFile, []byte("test-token-0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(fmt.Appendf(nil, "country = \"BE\"\n[identity]\nfax_number = \"+3225550100\"\n"+
		"[web]\nredirect_http = \"\"\napi_token_file = %q\n", tokenFile))
	if err != nil {
		t.Fatal(err)
	}
	return runAppliance(t, appliance.Options{Config: cfg, DataDir: data})
}

// restarted waits for the appliance's next start (Serve starting it
// again) and talks to it from then on.
func (r *running) restarted() {
	r.t.Helper()
	select {
	case ri := <-r.ready:
		r.addr, r.token = ri.addr, ri.token
	case <-time.After(60 * time.Second):
		r.t.Fatal("the appliance did not start again within 60 s")
	}
}

// TestRestoreThroughAPI: a backup uploaded to POST /api/admin/restore
// is checked and staged, the appliance restarts on it by itself, and it
// then holds the backup's data: the message sent after the backup is
// gone from it, and kept in the previous data directory beside it. A
// damaged upload changes nothing and restarts nothing.
func TestRestoreThroughAPI(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	ap := startDemo(t, data, 20)
	first, _ := ap.submit("+32 2 555 12 12")
	ap.waitDelivered(first)
	arch := ap.get("/api/admin/backup")
	later, _ := ap.submit("+32 2 555 13 13")
	ap.waitDelivered(later)

	var refused struct{ Error string }
	if code := ap.call("POST", "/api/admin/restore", "application/gzip", bytes.NewReader(arch[:len(arch)-100]), &refused); code != http.StatusBadRequest ||
		!strings.Contains(refused.Error, "damaged") {
		t.Fatalf("a truncated upload: %d %q; want 400 saying it is damaged", code, refused.Error)
	}
	if s := ap.jobState(later); s != "delivered" {
		t.Fatalf("after a refused restore the later message is %q", s)
	}

	var res struct {
		Note  string `json:"note"`
		Files int    `json:"files"`
	}
	if code := ap.call("POST", "/api/admin/restore", "application/gzip", bytes.NewReader(arch), &res); code != http.StatusAccepted {
		t.Fatalf("POST /api/admin/restore: %d %+v", code, res)
	}
	t.Logf("restore: %s (%d files)", res.Note, res.Files)
	ap.restarted()
	if s := ap.jobState(first); s != "delivered" {
		t.Errorf("the message of the backup is %q after the restore", s)
	}
	var e struct{ Error string }
	if code := ap.call("GET", fmt.Sprintf("/api/messages/%d", later), "", nil, &e); code != http.StatusNotFound {
		t.Errorf("the message sent after the backup: %d %q; want it gone (404)", code, e.Error)
	}
	prev, _ := pageRows(t, backup.BeforeDir(data), later)
	if len(prev) == 0 {
		t.Errorf("the previous data directory %s lacks the later message's pages", backup.BeforeDir(data))
	}
	if _, err := os.Stat(backup.PendingDir(data)); err == nil {
		t.Errorf("the stage is left behind")
	}
}
