//go:build spandsp

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	msp "faxbox/modem/spandsp"
	"faxbox/pages"
	"faxbox/sipline/peer"
	"faxbox/t38/spandsp"
)

// sipDoc is a two-page document at standard resolution.
func sipDoc(t *testing.T) []*pages.Page {
	p := testPages(t)[0]
	p.XDPI, p.YDPI = pages.Standard.DPI()
	return []*pages.Page{p, p}
}

func terminal(role msp.Role, file string, calling bool) spandsp.TerminalConfig {
	return spandsp.TerminalConfig{
		Fax:     msp.FaxConfig{Role: role, File: file, Ident: "+44 20 7946 0000", ECM: true, Modems: msp.V27ter | msp.V29 | msp.V17},
		Calling: calling, Redundancy: 2,
	}
}

func samePageList(t *testing.T, got, want []*pages.Page) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d pages, want %d", len(got), len(want))
	}
	for i := range want {
		if !got[i].Equal(want[i]) {
			x, y, _ := got[i].FirstDifference(want[i])
			t.Fatalf("page %d differs at (%d,%d)", i+1, x, y)
		}
	}
}

// TestSendSIP: faxd send --sip to a T.38 gateway: sipp answers the INVITE
// (with T.38 directly, or with a 488, audio and its own re-INVITE to
// T.38) and spandsp's T.38 terminal receives the fax; the pages arrive
// pixel-identical and the call is billed from 200 OK to BYE.
func TestSendSIP(t *testing.T) {
	for _, tc := range []struct{ scenario, ecm string }{
		{"uas-t38-fax", "on"}, {"uas-488-far-switch", "off"},
	} {
		t.Run(tc.scenario+"/ecm-"+tc.ecm, func(t *testing.T) {
			dir := t.TempDir()
			want := sipDoc(t)
			doc := filepath.Join(dir, "doc.pbm")
			writePBMs(t, doc, want)
			rx := filepath.Join(dir, "rx.tif")
			term := terminal(msp.Receive, rx, false)
			term.Fax.ECM = tc.ecm == "on"
			p := peer.Start(t, peer.Scenario(t, tc.scenario), "", term)
			trace := filepath.Join(dir, "trace.txt")
			code, so, se := runFaxd("send", "--sip", "sip:4420@"+p.Addr(), "--sip-listen", fmt.Sprintf("127.0.0.1:%d", peer.FreeUDPPort(t)),
				"--ecm", tc.ecm, "--ident", "+32 2 555 01 01", "--resolution", "standard", "--sip-trace", trace, doc)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			sr := p.Wait(ctx)
			j := decodeJSON(t, so)
			if code != 0 || j.Result != "ok" || j.Pages != 2 || j.ECM != (tc.ecm == "on") || j.RemoteIdent != "+44 20 7946 0000" || !sr.OK() || sr.Pages != 2 {
				t.Fatalf("exit %d %+v %s; spandsp %+v", code, j, se, sr)
			}
			if j.BilledSeconds < j.ConnectedSeconds || j.BilledSeconds > j.ConnectedSeconds+5 {
				t.Errorf("billed %.2f s for %.2f s connected", j.BilledSeconds, j.ConnectedSeconds)
			}
			samePageList(t, readTIFFFile(t, rx), want)
			b, err := os.ReadFile(trace)
			if err != nil || !containsAll(string(b), "INVITE sip:4420@", "SIP/2.0 200 OK", "BYE sip:", "ind:cng", "data:v21") {
				t.Errorf("trace lacks SIP messages or T.38 packets: %v\n%.3000s", err, b)
			}
			t.Logf("%s: %.2f s connected, %.2f s billed", tc.scenario, j.ConnectedSeconds, j.BilledSeconds)
		})
	}
}

// TestReceiveSIP: faxd receive --sip-listen answers a T.38 INVITE from
// sipp and receives what spandsp's T.38 terminal sends; the stored TIFF
// holds the pages pixel-identical.
func TestReceiveSIP(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	want := sipDoc(t)
	tx := filepath.Join(dir, "tx.tif")
	writeTIFFFile(t, tx, want)
	listen := fmt.Sprintf("127.0.0.1:%d", peer.FreeUDPPort(t))
	type res struct {
		code   int
		so, se string
	}
	done := make(chan res, 1)
	go func() {
		code, so, se := runFaxd("receive", "--sip-listen", listen, "--out", out, "--ident", "+32 2 555 01 01")
		done <- res{code, so, se}
	}()
	p := peer.Start(t, peer.Scenario(t, "uac-t38-fax"), listen, terminal(msp.Send, tx, true))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sr := p.Wait(ctx)
	var r res
	select {
	case r = <-done:
	case <-ctx.Done():
		t.Fatal("faxd receive did not end")
	}
	j := decodeJSON(t, r.so)
	if r.code != 0 || j.Result != "ok" || j.Pages != 2 || j.File == "" || !sr.OK() || sr.Pages != 2 {
		t.Fatalf("exit %d %+v %s; spandsp %+v", r.code, j, r.se, sr)
	}
	if j.BilledSeconds <= 0 {
		t.Errorf("billed %.2f s", j.BilledSeconds)
	}
	samePageList(t, readTIFFFile(t, j.File), want)
}

func writeTIFFFile(t *testing.T, name string, ps []*pages.Page) {
	t.Helper()
	var b bytes.Buffer
	if err := pages.WriteTIFF(&b, ps, pages.EncoderOptions{Coding: pages.MH}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}
