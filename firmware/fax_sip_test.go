package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"faxbox/pages"
	"faxbox/sip"
)

func freeUDP(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// TestSendReceiveSIPCLI: faxd send --sip calls faxd receive --sip-listen
// on loopback; the page arrives identical and both JSON lines bill the
// call from 200 OK to BYE.
func TestSendReceiveSIPCLI(t *testing.T) {
	dir := t.TempDir()
	want := testPages(t)[:1]
	doc := filepath.Join(dir, "doc.pbm")
	writePBMs(t, doc, want)
	out := filepath.Join(dir, "in")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	listen := fmt.Sprintf("127.0.0.1:%d", freeUDP(t))
	type res struct {
		code   int
		so, se string
	}
	rx := make(chan res, 1)
	go func() {
		code, so, se := runFaxd("receive", "--sip-listen", listen, "--out", out, "--ident", "+32 2 555 01 02")
		rx <- res{code, so, se}
	}()
	time.Sleep(200 * time.Millisecond) // the INVITE is retransmitted anyway (RFC 3261 17.1.1.2)
	trace := filepath.Join(dir, "trace.txt")
	code, so, se := runFaxd("send", "--sip", "sip:4930@"+listen, "--sip-listen", fmt.Sprintf("127.0.0.1:%d", freeUDP(t)),
		"--ident", "+32 2 555 01 01", "--ecm", "on", "--t38-version", "3", "--resolution", "standard", "--sip-trace", trace, doc)
	s := decodeJSON(t, so)
	var r res
	select {
	case r = <-rx:
	case <-time.After(time.Minute):
		t.Fatal("faxd receive did not end")
	}
	j := decodeJSON(t, r.so)
	if code != 0 || s.Result != "ok" || s.Pages != 1 || !s.ECM || s.RemoteIdent != "+32 2 555 01 02" || s.BilledSeconds <= 0 {
		t.Fatalf("send: exit %d %+v %s", code, s, se)
	}
	if r.code != 0 || j.Result != "ok" || j.Pages != 1 || j.RemoteIdent != "+32 2 555 01 01" || j.BilledSeconds <= 0 || j.File == "" {
		t.Fatalf("receive: exit %d %+v %s", r.code, j, r.se)
	}
	got := readTIFFFile(t, j.File)
	if len(got) != 1 || !got[0].Equal(want[0]) {
		t.Fatalf("received %d pages, not the page sent", len(got))
	}
	b, err := os.ReadFile(trace)
	if err != nil || !strings.Contains(string(b), "a=T38FaxVersion:3") || !strings.Contains(string(b), "T.38 ind:cng") {
		t.Errorf("trace: %v\n%.2000s", err, b)
	}
}

// TestSendSIPUsage: bad SIP options are refused before any call.
func TestSendSIPUsage(t *testing.T) {
	dir := t.TempDir()
	doc := filepath.Join(dir, "doc.pbm")
	writePBMs(t, doc, testPages(t)[:1])
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"send", "--sip", "sip:1@127.0.0.1", "--number", "123", doc}, 1, "or: send --sip"},
		{[]string{"send", "--sip", "sip:1@127.0.0.1", "--t38-version", "4", doc}, 1, "--t38-version 4"},
		{[]string{"send", "--sip", "sip:1@127.0.0.1", "--sip-listen", "nohost", doc}, 1, "--sip-listen \"nohost\""},
		{[]string{"send", "--sip", "sip:1@127.0.0.1", "--sip-password-file", filepath.Join(dir, "none"), "--sip-listen", "127.0.0.1:" + fmt.Sprint(freeUDP(t)), doc}, 1, "password file"},
		{[]string{"receive", "--sip-listen", "127.0.0.1:x", "--out", dir}, 1, "--sip-listen"},
	} {
		code, so, se := runFaxd(tc.args...)
		if code != tc.code || so != "" || !strings.Contains(se, tc.msg) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %d and %q", tc.args, code, so, se, tc.code, tc.msg)
		}
	}
}

// TestSendSIPRefused: a far end that refuses the call (a SIP agent that
// never answers: 480) ends the run with the SIP reason in the JSON line
// and exit status 1, nothing billed.
func TestSendSIPRefused(t *testing.T) {
	dir := t.TempDir()
	doc := filepath.Join(dir, "doc.pbm")
	writePBMs(t, doc, testPages(t)[:1])
	cfg := sip.Default()
	p := freeUDP(t)
	cfg.Listen, cfg.User, cfg.Answer, cfg.SIPPorts = "127.0.0.1", "fax", sip.AnswerNever, sip.PortRange{Lo: p, Hi: p}
	far, err := sip.NewAgent(cfg, sip.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer far.Close()
	code, so, se := runFaxd("send", "--sip", "sip:1@"+far.Addr().String(), "--sip-listen", fmt.Sprintf("127.0.0.1:%d", freeUDP(t)), doc)
	j := decodeJSON(t, so)
	if code != 1 || j.Result != "no-answer" || j.Text != "nobody answered" || j.BilledSeconds != 0 || j.Pages != 0 {
		t.Fatalf("exit %d %+v %s", code, j, se)
	}
}

func readTIFFFile(t *testing.T, name string) []*pages.Page {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	ps, _, err := pages.ReadTIFF(b)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}
