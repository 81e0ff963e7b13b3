//go:build spandsp

package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"faxbox/modem/spandsp"
)

// TestSendToSpandsp: faxd send, as an installer would run it, to spandsp's
// fax terminal behind spandsp's software modem.
func TestSendToSpandsp(t *testing.T) {
	dir := t.TempDir()
	doc := filepath.Join(dir, "doc.pbm")
	writePBMs(t, doc, testPages(t)[:1])
	l, err := spandsp.NewModemToFax(spandsp.Options{}, spandsp.FaxConfig{Role: spandsp.Receive, File: filepath.Join(dir, "rx.tif"), Ident: "+1 555 0142"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	code, so, se := runFaxd("send", "--modem", l.SlavePath(0), "--flow", "none", "--number", "5550142", "--resolution", "standard", doc)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sr, err := l.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	j := decodeJSON(t, so)
	if code != 0 || j.Result != "ok" || j.Pages != 1 || j.RemoteIdent != "+1 555 0142" || !sr.OK() || sr.Pages != 1 {
		t.Fatalf("exit %d %+v %s; spandsp %v %d", code, j, se, sr.Code, sr.Pages)
	}
}
