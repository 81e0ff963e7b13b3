//go:build linux && makefixture

package appliance_test

// This file wrote testdata/datadir-1.tar.gz, a whole data directory as
// the appliance of main at a8a60b5 left it (store schema 3, ledger 2,
// users 1, contacts 1, mail gateway 1, notices 1):
//
//	go test -tags makefixture -run TestMakeDataDirFixture ./firmware/appliance/
//
// Do not regenerate it with later code: the upgrade test is about data
// that an earlier release wrote.

import (
	"archive/tar"
	"compress/gzip"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestMakeDataDirFixture(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	t.Cleanup(func() { // after the appliance has stopped
		if !t.Failed() {
			writeFixture(t, data, filepath.Join("testdata", dataDirFixture))
		}
	})
	ap := startDemo(t, data, 20)
	if code := ap.call("POST", "/api/demo/incoming", "", nil, nil); code != http.StatusAccepted {
		t.Fatalf("POST /api/demo/incoming: %d", code)
	}
	var inbox struct{ Faxes []struct{ Receiving bool } }
	waitFor(t, "the received fax", func() bool {
		inbox.Faxes = nil
		ap.call("GET", "/api/inbox", "", nil, &inbox)
		return len(inbox.Faxes) == 1 && !inbox.Faxes[0].Receiving
	})
	id, _ := ap.submit("+32 2 555 12 12")
	ap.waitDelivered(id)
	id, _ = ap.submit("+32 2 555 13 13")
	var m struct{ Jobs []struct{ ID int64 } }
	ap.call("GET", fmt.Sprintf("/api/messages/%d", id), "", nil, &m)
	if code := ap.call("POST", fmt.Sprintf("/api/jobs/%d/cancel", m.Jobs[0].ID), "", nil, nil); code != http.StatusOK {
		t.Fatalf("cancel: %d", code)
	}
	waitFor(t, "the cancelled job", func() bool { return ap.jobState(id) == "cancelled" })
}

// writeFixture tars the data directory's regular files into name, but
// the demo's token, its remote machine's faxes, the setup code and the
// generated certificate and key (which a start makes again).
func writeFixture(t *testing.T, data, name string) {
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	err = filepath.WalkDir(data, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(data, p)
		if err != nil || !d.Type().IsRegular() || slices.Contains([]string{"api-token", "setup-code", "web-cert.pem", "web-key.pem"}, rel) ||
			strings.HasPrefix(rel, "remote"+string(filepath.Separator)) {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: filepath.ToSlash(rel), Mode: 0o600, Size: int64(len(b)), ModTime: fixtureTime}); err != nil {
			return err
		}
		_, err = tw.Write(b)
		return err
	})
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = gz.Close()
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
}
