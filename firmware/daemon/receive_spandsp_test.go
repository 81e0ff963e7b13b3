//go:build spandsp

package daemon_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/config"
	"faxbox/firmware/daemon"
	"faxbox/firmware/store"
	"faxbox/modem/spandsp"
	"faxbox/pages"
)

// TestReceiveFromSpandsp: spandsp's fax terminal calls a pool's modem
// (spandsp's T.31 software modem on a pseudo-terminal) and sends a TIFF-F
// file; the worker answers, and the pages it stores, in the coding they
// came in, are those of the file.
func TestReceiveFromSpandsp(t *testing.T) {
	doc := []*pages.Page{testPage(t, 1), testPage(t, 2)}
	for _, tc := range []struct {
		name   string
		ecm    bool
		comp   spandsp.Compression
		coding pages.Coding
	}{
		{"ecm-mmr", true, spandsp.MH | spandsp.MR | spandsp.MMR, pages.MMR},
		{"mr", false, spandsp.MH | spandsp.MR, pages.MR},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, 50*billing.Unit)
			in := filepath.Join(t.TempDir(), "tx.tif")
			writeTIFFFile(t, in, doc)
			l, err := spandsp.NewModemToFax(spandsp.Options{}, spandsp.FaxConfig{Role: spandsp.Send, File: in,
				Ident: "+44 20 7946 0000", ECM: tc.ecm, Compressions: tc.comp, Dialer: spandsp.DialerTerminal})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
			before, err := e.led.Entries(context.Background(), time.Time{}, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			ctx := runSpandspPool(t, e, l, daemon.AnswerPolicy{Mode: config.AnswerRings, Rings: 1})

			sr, err := l.Wait(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !sr.OK() || sr.Pages != len(doc) || sr.ECM != tc.ecm || sr.RemoteIdent != "+32 2 555 0100" {
				t.Fatalf("spandsp: %v, %d pages, ECM %v, ident %q", sr.Code, sr.Pages, sr.ECM, sr.RemoteIdent)
			}
			var r store.Received
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				rs, err := e.st.ListReceived(ctx, store.ListOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if len(rs) == 1 && !rs[0].Receiving {
					if r, err = e.st.GetReceived(ctx, rs[0].ID); err != nil {
						t.Fatal(err)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no finished fax in the store: %+v", rs)
				}
			}
			if r.Partial || r.Pages != len(doc) || r.CallerIdent != "+44 20 7946 0000" || r.Call.ECM != tc.ecm {
				t.Fatalf("stored %+v", r)
			}
			for i, f := range r.Files {
				data, err := os.ReadFile(filepath.Join(e.dir, f.Path))
				if err != nil {
					t.Fatal(err)
				}
				tf, err := pages.OpenTIFF(bytes.NewReader(data), int64(len(data)))
				if err != nil {
					t.Fatal(err)
				}
				pg, _, err := tf.Decode(0)
				if err != nil {
					t.Fatal(err)
				}
				if !pg.Equal(doc[i]) {
					x, y, _ := pg.FirstDifference(doc[i])
					t.Fatalf("page %d differs from the file sent at (%d,%d)", i+1, x, y)
				}
				if tf.Pages[0].Coding != tc.coding {
					t.Errorf("page %d stored as %v, received as %v", i+1, tf.Pages[0].Coding, tc.coding)
				}
			}
			after, err := e.led.Entries(context.Background(), time.Time{}, time.Time{})
			if err != nil || len(after) != len(before) {
				t.Fatalf("the ledger changed while receiving: %d entries, %d before (%v)", len(after), len(before), err)
			}
			t.Logf("%s: %d pages at %d bit/s %s in %v", tc.name, r.Pages, r.Call.BitRate, r.Call.Coding, r.Duration)
		})
	}
}

// writeTIFFFile stores doc as a TIFF-F file (MH) for spandsp to send.
func writeTIFFFile(t *testing.T, path string, doc []*pages.Page) {
	t.Helper()
	var buf bytes.Buffer
	tw, err := pages.NewTIFFWriter(&buf, len(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range doc {
		if err := tw.WritePage(p, pages.EncoderOptions{Coding: pages.MH}); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
