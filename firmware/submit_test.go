package main

import (
	"bytes"
	"context"
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"faxbox/firmware/api"
	"faxbox/firmware/billing"
	"faxbox/firmware/numbers"
	"faxbox/firmware/store"
	"faxbox/pages/render"
	"faxbox/pages/render/sandbox"
)

// TestSubmit queues messages with faxd submit through the real JSON API
// over HTTPS, trusting the server's certificate from --cacert: a message
// with an attachment and three recipients is queued with one job each;
// an invalid number is refused with its reason and nothing is stored; a
// wrong token and an untrusted certificate are clear errors.
func TestSubmit(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "faxbox.db")
	st, err := store.Open(ctx, store.Config{Path: db})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	led, err := billing.Open(ctx, billing.Config{Path: db, InstallDefaultTariff: true})
	if err != nil {
		t.Fatal(err)
	}
	defer led.Close()
	if _, err := led.TopUp(ctx, 50*billing.Unit, "admin:test", "test credit"); err != nil {
		t.Fatal(err)
	}
	user, err := st.CreateUser(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	parser, err := numbers.NewParser("BE")
	if err != nil {
		t.Fatal(err)
	}
	const token = "submit-test-token-123456"
	h, err := api.New(api.Config{Store: st, Ledger: led, Renderer: sandbox.NewDirect(render.Options{}), Numbers: parser,
		Auth: &api.TokenAuth{Token: token, Principal: api.Principal{User: user}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(h)
	defer srv.Close()

	write := func(name, data string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tokenFile := write("token", token+"\n")
	ca := write("ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})))
	note := write("note.txt", "Please find the signed contract.\n")
	submit := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := runSubmit(args, &out, &errb)
		return out.String() + errb.String(), err
	}

	out, err := submit("--url", srv.URL, "--token-file", tokenFile, "--cacert", ca, "--to", "+32 2 555 12 12",
		"--cc", "+32 2 555 12 13", "--bcc", "+32 2 555 12 14", "--subject", "Contract", "--body", "Hello", "--resolution", "fine", note)
	if err != nil {
		t.Fatalf("submit: %v\n%s", err, out)
	}
	if !strings.HasPrefix(out, "message 1: 2 page(s)") || strings.Count(out, "  job ") != 3 || !strings.Contains(out, "bcc +3225551214  queued") {
		t.Fatalf("submit printed:\n%s", out)
	}
	ms, err := st.ListMessages(ctx, store.ListOptions{})
	if err != nil || len(ms) != 1 || ms[0].Subject != "Contract" || ms[0].Resolution != "fine" || !strings.Contains(out, "resolution fine") ||
		strings.Count(out, "estimate ") != 4 {
		t.Fatalf("stored %+v, %v", ms, err)
	}

	out, err = submit("--url", srv.URL, "--token-file", tokenFile, "--cacert", ca, "--to", "+32 2 555 12 12, 0032 2 555")
	if err == nil || !strings.Contains(err.Error(), `to "0032 2 555"`) {
		t.Fatalf("an invalid number: err %v\n%s", err, out)
	}
	if ms, _ := st.ListMessages(ctx, store.ListOptions{}); len(ms) != 1 {
		t.Fatalf("%d messages stored after a refusal, want 1", len(ms))
	}

	bad := write("bad-token", "wrong-token-0123456789\n")
	if _, err := submit("--url", srv.URL, "--token-file", bad, "--cacert", ca, "--to", "+32 2 555 12 12"); err == nil ||
		!strings.Contains(err.Error(), "wrong API token") {
		t.Fatalf("a wrong token: %v", err)
	}
	if _, err := submit("--url", srv.URL, "--token-file", tokenFile, "--to", "+32 2 555 12 12"); err == nil ||
		!strings.Contains(err.Error(), "certificate") {
		t.Fatalf("an untrusted certificate: %v", err)
	}
	if _, err := submit("--to", "+32 2 555 12 12"); err != errUsage {
		t.Fatalf("no --url: %v, want the usage", err)
	}
}
