//go:build linux

package appliance_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/appliance"
	"faxbox/firmware/config"
	"faxbox/firmware/demo"
	"faxbox/firmware/installer/installertest"
	"faxbox/internal/pty"
	"faxbox/internal/teststream"
	"faxbox/modem"
	"faxbox/modem/sim"
	"faxbox/pages"
)

// TestModemAbsentAtStart starts the appliance with two configured
// modems: ttyA, a simulated modem on a pseudo-terminal reached through a
// symbolic link (as udev's /dev/serial/by-id links are) whose line ends at
// the demo's remote fax machine, and ttyB, a path with nothing behind it.
// The web UI, the API and the console answer; ttyB is out of service with
// the reason naming its device; a message submitted through the API goes
// out on ttyA. Then ttyB's device appears: the modem is probed and
// returns to service.
func TestModemAbsentAtStart(t *testing.T) {
	dir := t.TempDir()
	devA, devB := filepath.Join(dir, "ttyA"), filepath.Join(dir, "ttyB")
	a := plugIn(t, devA)
	ap := startAppliance(t, dir, devA, devB)

	// The web UI and the API answer.
	if code := ap.call("GET", "/", "", nil, nil); code != http.StatusOK {
		t.Errorf("GET /: status %d", code)
	}
	ap.waitModem("ttyA idle", func(m map[string]modemJSON) bool { return m["ttyA"].State == "idle" })
	ms := ap.waitModem("ttyB out of service", func(m map[string]modemJSON) bool {
		return m["ttyB"].State == "out of service"
	})
	if want := "no device " + devB; !strings.Contains(ms["ttyB"].Error, want) {
		t.Errorf("ttyB out of service because %q, want it to say %q", ms["ttyB"].Error, want)
	}
	t.Logf("ttyB out of service: %s", ms["ttyB"].Error)
	// So does the installer console's status.
	if l := ap.consoleModem("ttyB"); !strings.HasPrefix(l, "ttyB       out of service since ") ||
		!strings.HasSuffix(l, "no device "+devB+" (modem unplugged?)") {
		t.Errorf("console status shows %q; want ttyB out of service for want of %s", l, devB)
	}

	// A message goes out on the modem that is there.
	ap.adjust("50.00")
	id, npages := ap.submit("+32 2 555 12 12")
	msg := ap.waitDelivered(id)
	if h := msg.Jobs[0].History; len(h) != 1 || h[0].Modem != "ttyA" || h[0].PagesConfirmed != npages {
		t.Errorf("job delivered after %+v; want one attempt on ttyA confirming %d pages", h, npages)
	}
	if n := a.received(t); n != npages {
		t.Errorf("the remote on ttyA's line received %d pages, the message had %d", n, npages)
	}
	if m := ap.modems(); m["ttyB"].State != "out of service" {
		t.Errorf("ttyB %q before its device appeared", m["ttyB"].State)
	}

	// ttyB's device appears: the next probe opens it.
	plugIn(t, devB)
	ms = ap.waitModem("ttyB back in service", func(m map[string]modemJSON) bool { return m["ttyB"].State == "idle" })
	if ms["ttyB"].Error != "" {
		t.Errorf("ttyB back in service with a reason: %q", ms["ttyB"].Error)
	}
	if l := ap.consoleModem("ttyB"); !strings.HasPrefix(l, "ttyB       idle since ") || strings.Contains(l, ": ") {
		t.Errorf("console status shows %q after ttyB came back; want it idle", l)
	}
}

// scale compresses the simulated lines' time.
const scale = 20

// plugged is a simulated modem served on a pseudo-terminal linked at
// path, and the demo's remote fax machine at the other end of its line,
// which keeps what it receives in dir.
type plugged struct {
	path, dir string
}

// plugIn serves a new simulated modem on a pty, links its slave at path
// and runs a remote fax machine on the far end of its line until the
// test ends.
func plugIn(t *testing.T, path string) *plugged {
	t.Helper()
	p, err := pty.Open()
	if err != nil {
		t.Fatalf("no pty: %v", err)
	}
	line := sim.NewLine(sim.LineConfig{Scale: scale}, sim.Config{Number: "3225550100"}, sim.Config{})
	served := make(chan error, 1)
	go func() { served <- line.A().Serve(p.Master) }()
	far := modem.New(line.B().Conn(), modem.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	t.Cleanup(func() {
		cancel()
		<-ran
		far.Close()
		line.Close()
		p.Close()
		<-served
		os.Remove(path)
	})
	pl := &plugged{path: path, dir: t.TempDir()}
	if err := far.Reset(ctx); err != nil {
		ran <- nil
		t.Fatal(err)
	}
	r := demo.NewRemote(demo.RemoteConfig{Modem: far, Dir: pl.dir})
	go func() { ran <- r.Run(ctx) }()
	if err := os.Symlink(p.SlavePath, path); err != nil {
		t.Fatal(err)
	}
	return pl
}

// received waits for the one fax the remote keeps (it writes it once the
// call is over, which may be just after the sender has recorded the
// delivery) and returns its page count.
func (pl *plugged) received(t *testing.T) int {
	t.Helper()
	var files []string
	waitFor(t, "the remote's fax file", func() bool {
		files, _ = filepath.Glob(filepath.Join(pl.dir, "fax-*.tif"))
		return len(files) > 0
	})
	if len(files) != 1 {
		t.Fatalf("the remote on %s received %d faxes, want 1", pl.path, len(files))
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	tf, err := pages.OpenTIFF(f, fi.Size())
	if err != nil {
		t.Fatal(err)
	}
	return len(tf.Pages)
}

// waitFor polls until cond holds, failing the test after 60 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after 60 s: not %s", what)
		}
	}
}

// running is an appliance started by startAppliance.
type running struct {
	t           *testing.T
	data        string
	addr, token string
	client      *http.Client
	ready       chan readyInfo // each start's address and token
}

// readyInfo is where a start of the appliance listens, and its token.
type readyInfo struct{ addr, token string }

// startAppliance runs the appliance with the modems at devices, HTTPS on
// a loopback port with an API token and a short probe interval, until the
// test ends; it logs the appliance's output if the test failed.
func startAppliance(t *testing.T, dir string, devices ...string) *running {
	t.Helper()
	return startApplianceWith(t, dir, "", devices...)
}

// startApplianceWith is startAppliance with more configuration text
// (tables) after the modems.
func startApplianceWith(t *testing.T, dir, extra string, devices ...string) *running {
	t.Helper()
	tokenFile := filepath.Join(dir, "api-token")
	if err := os.WriteFile(tokenFile, []byte("test-token-0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	text := fmt.Sprintf("country = \"BE\"\n[identity]\nfax_number = \"+3225550100\"\n"+
		"[web]\nredirect_http = \"\"\napi_token_file = %q\n", tokenFile)
	for _, d := range devices {
		text += fmt.Sprintf("[[modems]]\ndevice = %q\nbaud = 115200\nflow = \"none\"\n", d)
	}
	cfg, err := config.Parse([]byte(text + extra))
	if err != nil {
		t.Fatal(err)
	}
	return runAppliance(t, appliance.Options{Config: cfg, DataDir: filepath.Join(dir, "data"), ProbeEvery: 100 * time.Millisecond})
}

// runAppliance runs the appliance of o (on a loopback port) until the
// test ends; it logs the appliance's output if the test failed.
func runAppliance(t *testing.T, o appliance.Options) *running {
	t.Helper()
	r := &running{t: t, data: o.DataDir, client: &http.Client{Timeout: time.Minute,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}} // self-signed
	ready := make(chan readyInfo, 8) // one a start: Serve starts again after a restore
	r.ready = ready
	var out teststream.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	o.Listen, o.Stdout, o.Stderr = "127.0.0.1:0", &out, &out
	o.Ready = func(addr, token string) { ready <- readyInfo{addr, token} }
	done := make(chan error, 1)
	go func() { done <- appliance.Serve(ctx, o) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("the appliance did not stop within 30 s")
		}
		if t.Failed() {
			t.Logf("the appliance's output:\n%s", out.String())
		}
	})
	select {
	case ri := <-ready:
		r.addr, r.token = ri.addr, ri.token
	case err := <-done:
		cancel()
		t.Fatalf("Serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the appliance not listening within 30 s")
	}
	return r
}

// call makes a request with the API token, decodes a JSON answer into
// out (if not nil) and returns the status code.
func (r *running) call(method, path, contentType string, body io.Reader, out any) int {
	r.t.Helper()
	req, err := http.NewRequest(method, "https://"+r.addr+path, body)
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+r.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		r.t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			r.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	return resp.StatusCode
}

// modemJSON is a modem of GET /api/modems.
type modemJSON struct {
	State string `json:"state"`
	Error string `json:"error"`
}

// modems returns GET /api/modems by name.
func (r *running) modems() map[string]modemJSON {
	r.t.Helper()
	var v struct {
		Modems []struct {
			Name string `json:"name"`
			modemJSON
		} `json:"modems"`
	}
	if code := r.call("GET", "/api/modems", "", nil, &v); code != http.StatusOK {
		r.t.Fatalf("GET /api/modems: status %d", code)
	}
	out := map[string]modemJSON{}
	for _, m := range v.Modems {
		out[m.Name] = m.modemJSON
	}
	return out
}

// waitModem polls GET /api/modems until cond holds and returns that
// answer.
func (r *running) waitModem(what string, cond func(map[string]modemJSON) bool) map[string]modemJSON {
	r.t.Helper()
	var m map[string]modemJSON
	waitFor(r.t, what, func() bool { m = r.modems(); return cond(m) })
	return m
}

// adjust credits the account with amount, as the administrator.
func (r *running) adjust(amount string) {
	r.t.Helper()
	body := strings.NewReader(fmt.Sprintf(`{"amount": %q, "reason": "test credit"}`, amount))
	if code := r.call("POST", "/api/account/adjust", "application/json", body, nil); code != http.StatusOK {
		r.t.Fatalf("POST /api/account/adjust: status %d", code)
	}
}

// submit posts a text message to one number and returns its id and page
// count.
func (r *running) submit(to string) (id int64, npages int) {
	r.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("to", to)
	mw.WriteField("subject", "Absent modem")
	mw.WriteField("body", "Sent while the other modem is unplugged.")
	mw.Close()
	var m struct {
		ID    int64 `json:"id"`
		Pages int   `json:"pages"`
	}
	if code := r.call("POST", "/api/messages", mw.FormDataContentType(), &buf, &m); code != http.StatusCreated || m.Pages < 1 {
		r.t.Fatalf("POST /api/messages: status %d, %+v", code, m)
	}
	return m.ID, m.Pages
}

// messageJSON is GET /api/messages/{id}.
type messageJSON struct {
	State string `json:"state"`
	Jobs  []struct {
		State      string `json:"state"`
		ReasonText string `json:"reason_text"`
		History    []struct {
			Modem          string `json:"modem"`
			PagesConfirmed int    `json:"pages_confirmed"`
		} `json:"history"`
	} `json:"jobs"`
}

// waitDelivered polls the message until it is no longer active and fails
// the test unless it was delivered.
func (r *running) waitDelivered(id int64) messageJSON {
	r.t.Helper()
	var m messageJSON
	waitFor(r.t, "a final message", func() bool {
		if code := r.call("GET", fmt.Sprintf("/api/messages/%d", id), "", nil, &m); code != http.StatusOK {
			r.t.Fatalf("GET /api/messages/%d: status %d", id, code)
		}
		return m.State != "active"
	})
	if m.State != "delivered" || len(m.Jobs) != 1 || m.Jobs[0].State != "delivered" {
		r.t.Fatalf("message %s: %+v; want delivered", m.State, m.Jobs)
	}
	return m
}

// consoleModem returns the line of the console's status about the modem
// called name, "" when there is none.
func (r *running) consoleModem(name string) string {
	r.t.Helper()
	got := installertest.Status(r.t, r.data)
	for l := range strings.Lines(got) {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, name+" ") {
			return l
		}
	}
	r.t.Logf("console status:\n%s", got)
	return ""
}
