package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/installer"
	"faxbox/firmware/setupcode"
	"faxbox/internal/teststream"
)

// demoServer is faxd serve --demo running in a test.
type demoServer struct {
	t              *testing.T
	dir            string
	addr, token    string
	stdout, stderr syncBuffer
	client         *http.Client
}

// startDemoServe runs faxd serve --demo on dir until the test ends.
func startDemoServe(t *testing.T, dir string) *demoServer {
	t.Helper()
	d := &demoServer{t: t, dir: dir,
		client: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}}
	type readyInfo struct{ addr, token string }
	ready := make(chan readyInfo, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, serveOptions{demo: true, listen: "127.0.0.1:0", dataDir: dir, simScale: 20,
			ready: func(addr, token string) { ready <- readyInfo{addr, token} }}, &d.stdout, &d.stderr)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		if t.Failed() {
			t.Logf("stdout:\n%s\nstderr:\n%s", d.stdout.String(), d.stderr.String())
		}
	})
	select {
	case ri := <-ready:
		d.addr, d.token = ri.addr, ri.token
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve not ready within 30 s")
	}
	return d
}

// post sends a JSON body without credentials, as a browser on the LAN
// that nobody signed in.
func (d *demoServer) post(path, body string) (int, string) {
	d.t.Helper()
	req, _ := http.NewRequest("POST", "https://"+d.addr+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := d.client.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// postToken sends body with the API token and fails the test unless the
// answer is 2xx.
func (d *demoServer) postToken(path, contentType, body string) {
	d.t.Helper()
	req, _ := http.NewRequest("POST", "https://"+d.addr+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+d.token)
	req.Header.Set("Content-Type", contentType)
	resp, err := d.client.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		d.t.Fatalf("POST %s: %d %s", path, resp.StatusCode, b)
	}
}

// consoleStatus runs status on the daemon's console socket.
func (d *demoServer) consoleStatus() string {
	d.t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- installer.Dial(d.t.Context(), filepath.Join(d.dir, installer.SocketName), inR, outW)
		outW.Close()
	}()
	out := teststream.New(d.t, outR)
	out.Expect("faxbox# ")
	inW.Write([]byte("status\r"))
	got := out.Expect("faxbox# ")
	inW.Write([]byte("quit\r"))
	out.Expect("Logged out.")
	if err := <-done; err != nil {
		d.t.Errorf("faxd console: %v", err)
	}
	inW.Close()
	return got
}

// TestServeSetupCode: until the administrator exists, faxd serve makes a
// setup code, prints it, keeps it in DATA/setup-code (0600) and shows it
// on the console; the first-run setup over HTTPS needs it, and it is gone
// once used.
func TestServeSetupCode(t *testing.T) {
	d := startDemoServe(t, t.TempDir())
	m := regexp.MustCompile(`(?m)^  setup code +(\S+)$`).FindStringSubmatch(d.stdout.String())
	if m == nil {
		t.Fatalf("the banner shows no setup code:\n%s", d.stdout.String())
	}
	code := m[1]
	path := filepath.Join(d.dir, setupcode.File)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v %v, want mode 0600", path, fi, err)
	}
	if b, _ := os.ReadFile(path); strings.TrimSpace(string(b)) != code {
		t.Errorf("%s holds %q, the banner %q", path, b, code)
	}
	if got := d.consoleStatus(); !strings.Contains(got, "setup     code "+code) {
		t.Errorf("console status lacks the setup code %s:\n%s", code, got)
	}

	setup := func(code string) (int, string) {
		return d.post("/auth/setup", fmt.Sprintf(`{"name": "mallory", "email": "m@example.com", "password": "mallory's password"%s}`, code))
	}
	if status, body := setup(""); status != http.StatusForbidden || !strings.Contains(body, "setup code is required") {
		t.Errorf("setup without the code: %d %s, want 403", status, body)
	}
	if status, body := setup(`, "setup_code": "0000-0000-0000"`); status != http.StatusForbidden || !strings.Contains(body, "wrong setup code") {
		t.Errorf("setup with a wrong code: %d %s, want 403", status, body)
	}
	if status, body := setup(`, "setup_code": "` + strings.ToLower(code) + `"`); status != http.StatusCreated {
		t.Fatalf("setup with the code: %d %s, want 201", status, body)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("%s after setup: %v, want it removed", path, err)
	}
	if status, body := setup(`, "setup_code": "` + code + `"`); status != http.StatusConflict {
		t.Errorf("a second setup with the used code: %d %s, want 409", status, body)
	}
	if got := d.consoleStatus(); strings.Contains(got, "setup ") || strings.Contains(got, code) {
		t.Errorf("console status after setup still shows a setup code:\n%s", got)
	}
}

// TestServeDataDirPrivate: an existing install with a 0755 data directory
// and 0644 files is made private on start, and what the daemon creates
// (the database with its WAL and shared memory, the certificate and key,
// the token, a sent message's pages, a trace, a received fax, the demo's
// remote faxes) allows nothing to the group and others.
func TestServeDataDirPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	old := filepath.Join(dir, "traces", "1.log")
	if err := os.MkdirAll(filepath.Dir(old), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(old, []byte("an old trace"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	d := startDemoServe(t, dir)
	// A fax out and one in: pages, a trace, a received fax.
	var msg bytes.Buffer
	mw := multipart.NewWriter(&msg)
	mw.WriteField("to", "+32 2 555 12 12")
	mw.WriteField("body", "Not for others.")
	mw.Close()
	// One after the other: the demo has one line. The remote machine's
	// call finds the line busy while the appliance hangs up the first:
	// it is asked again then.
	for _, r := range []struct {
		path, typ, body, wait string
		again                 bool
	}{
		{"/api/messages", mw.FormDataContentType(), msg.String(), "remote/fax-*.tif", false},
		{"/api/demo/incoming", "application/json", "", "received/*/page-001.tif", true}} {
		deadline := time.Now().Add(90 * time.Second)
		var asked time.Time
		for ; ; time.Sleep(100 * time.Millisecond) {
			if m, _ := filepath.Glob(filepath.Join(dir, r.wait)); len(m) > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %s within 90 s", r.wait)
			}
			if asked.IsZero() || (r.again && time.Since(asked) > 20*time.Second) {
				asked = time.Now()
				d.postToken(r.path, r.typ, r.body)
			}
		}
	}
	seen := map[string]bool{}
	filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			t.Error(err)
			return nil
		}
		fi, err := e.Info()
		if err != nil {
			return nil // removed meanwhile
		}
		rel, _ := filepath.Rel(dir, path)
		seen[rel] = true
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s: mode %v, want nothing for the group and others", rel, perm)
		}
		return nil
	})
	for _, want := range []string{".", "faxbox.db", "faxbox.db-wal", "faxbox.db-shm", "web-cert.pem", "web-key.pem",
		"api-token", "remote", "traces/1.log", installer.SocketName, "received"} {
		if !seen[want] {
			t.Errorf("%s is not in the data directory (%v)", want, seen)
		}
	}
}
