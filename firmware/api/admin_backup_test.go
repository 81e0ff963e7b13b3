package api_test

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"faxbox/firmware/api"
	"faxbox/firmware/backup"
	"faxbox/firmware/billing"
)

// backupEnv is an API whose backups are of its own data directory and
// whose restores are staged for target; applied counts the restores
// applied (the appliance would restart).
type backupEnv struct {
	*env
	log     auditLog
	target  string
	applied int
}

func newBackupEnv(t *testing.T) *backupEnv {
	t.Helper()
	b := &backupEnv{target: filepath.Join(t.TempDir(), "restored")}
	var dir string
	b.env = newEnv(t, 50*billing.Unit, withAudit(&b.log), func(c *api.Config) {
		c.Backup = func(ctx context.Context, w io.Writer) error {
			_, err := backup.Write(ctx, w, backup.Source{DataDir: dir, Version: "test"})
			return err
		}
		c.Restore = func(ctx context.Context, r io.Reader) (*backup.Manifest, func(), error) {
			m, err := backup.Stage(ctx, r, b.target)
			return m, func() { b.applied++ }, err
		}
	})
	dir = b.dir
	return b
}

// TestAdminBackupRestore: an administrator downloads the backup, a
// dated .tar.gz, and uploads it again, raw and as a form's file: it is
// checked, staged beside the target data directory and applied once
// answered (202); both are in the audit log.
func TestAdminBackupRestore(t *testing.T) {
	e := newBackupEnv(t)
	resp, arch := e.raw(t, adminToken, "GET", "/api/admin/backup", "", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/gzip" {
		t.Fatalf("GET /api/admin/backup: %d %s: %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), arch)
	}
	_, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition"))
	if name := params["filename"]; err != nil || !strings.HasPrefix(name, "faxbox-backup-20") || !strings.HasSuffix(name, "Z.tar.gz") {
		t.Errorf("Content-Disposition %q: want a dated faxbox-backup-*.tar.gz", resp.Header.Get("Content-Disposition"))
	}

	var res struct {
		Note    string `json:"note"`
		Files   int    `json:"files"`
		Version string `json:"version"`
	}
	if code := e.doAs(t, adminToken, "POST", "/api/admin/restore", "application/gzip", bytes.NewReader(arch), &res); code != http.StatusAccepted ||
		res.Files < 1 || res.Version != "test" || !strings.Contains(res.Note, "restarts") {
		t.Fatalf("POST /api/admin/restore: %d %+v", code, res)
	}
	if e.applied != 1 {
		t.Errorf("applied %d times, want once after the answer", e.applied)
	}
	staged, err := os.ReadFile(filepath.Join(backup.PendingDir(e.target), "data", backup.DatabaseName))
	if err != nil || len(staged) == 0 {
		t.Errorf("the staged database: %d bytes, %v", len(staged), err)
	}

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", "faxbox-backup.tar.gz")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(arch)
	mw.Close()
	if code := e.doAs(t, adminToken, "POST", "/api/admin/restore", mw.FormDataContentType(), &buf, &res); code != http.StatusAccepted {
		t.Fatalf("POST /api/admin/restore as a form: %d %+v", code, res)
	}
	var actions []string
	for _, l := range e.log.all() {
		actions = append(actions, strings.Fields(l)[1])
	}
	if !slices.Equal(actions, []string{"backup.download", "backup.restore", "backup.restore"}) {
		t.Errorf("audit log %q", e.log.all())
	}
}

// TestAdminRestoreRefused: a damaged upload is 400 saying what is wrong,
// a form without the file 400; nothing is staged or applied. Staff get
// 403 for both endpoints.
func TestAdminRestoreRefused(t *testing.T) {
	e := newBackupEnv(t)
	_, arch := e.raw(t, adminToken, "GET", "/api/admin/backup", "", nil)
	var ae apiError
	if code := e.doAs(t, adminToken, "POST", "/api/admin/restore", "application/gzip", bytes.NewReader(arch[:len(arch)/2]), &ae); code != http.StatusBadRequest ||
		!strings.Contains(ae.Error, "damaged") {
		t.Errorf("a truncated archive: %d %q; want 400 saying it is damaged", code, ae.Error)
	}
	ct, body := form(t, map[string]string{"note": "x"}, nil)
	if code := e.doAs(t, adminToken, "POST", "/api/admin/restore", ct, body, &ae); code != http.StatusBadRequest ||
		!strings.Contains(ae.Error, `"file"`) {
		t.Errorf("a form without the file: %d %q", code, ae.Error)
	}
	if e.applied != 0 {
		t.Errorf("applied %d times", e.applied)
	}
	if _, err := os.Stat(backup.PendingDir(e.target)); err == nil {
		t.Errorf("a refused archive was staged")
	}
	for _, tc := range []struct{ method, path string }{{"GET", "/api/admin/backup"}, {"POST", "/api/admin/restore"}} {
		if code := e.doAs(t, token, tc.method, tc.path, "application/gzip", bytes.NewReader(arch), &ae); code != http.StatusForbidden {
			t.Errorf("staff %s %s: %d, want 403", tc.method, tc.path, code)
		}
	}
	if e.applied != 0 || len(e.log.all()) != 1 {
		t.Errorf("staff's requests: applied %d, audit %q", e.applied, e.log.all())
	}
}
