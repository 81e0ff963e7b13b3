package main

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"faxbox/internal/teststream"
	"faxbox/pages/render/sandbox/sandboxtest"
)

// TestHostileRendering runs `faxd serve --demo` built from the tree as its
// own process and, while a fax is being sent on the simulated line, has
// four users preview a 7000x7000 PNG, a PDF of 400,000 line segments and
// a decompression bomb at once through the HTTPS API. The fax completes,
// the daemon's resident memory stays under 60 MiB (its VmHWM, reset when
// the previews start), each hostile file is refused with its name and
// reason, and a normal preview asked for afterwards is served.
func TestHostileRendering(t *testing.T) {
	if testing.Short() {
		t.Skip("builds faxd and sends a fax in real time")
	}
	d := startServe(t, `
[render]
max_concurrent = 1
memory_mib = 192
timeout = "4s"
cpu_time = "2s"
`)
	t.Logf("RSS at start %d KiB", d.status("VmRSS:"))
	admin := d.client("")
	var users []*apiClient
	for i := range 4 {
		name := fmt.Sprintf("staff%d", i+1)
		body := fmt.Sprintf(`{"name": %q, "email": "%s@example.com", "password": "a good password %d", "admin": false}`, name, name, i)
		if code, out := admin.json("POST", "/api/users", body); code != http.StatusCreated {
			t.Fatalf("creating %s: %d %s", name, code, out)
		}
		u := d.client("")
		code, out := u.json("POST", "/auth/login", fmt.Sprintf(`{"name": %q, "password": "a good password %d"}`, name, i))
		var login struct{ CSRF string }
		if json.Unmarshal(out, &login); code != http.StatusOK || login.CSRF == "" {
			t.Fatalf("login as %s: %d %s", name, code, out)
		}
		u.csrf = login.CSRF
		// A password an administrator chose is changed at the first login.
		if code, out := u.json("POST", "/api/me/password", fmt.Sprintf(`{"old": "a good password %d", "new": "my own password %d"}`, i, i)); code != http.StatusNoContent {
			t.Fatalf("%s changing the password: %d %s", name, code, out)
		}
		users = append(users, u)
	}

	t.Logf("RSS after logins %d KiB", d.status("VmRSS:"))
	// A fax on the simulated line (real time: about a minute).
	code, out := admin.form("POST", "/api/messages", map[string]string{"to": "+32 2 555 12 12", "subject": "During the attack",
		"body": "This fax goes out while colleagues preview hostile documents."}, nil)
	var msg struct{ ID int64 }
	if json.Unmarshal(out, &msg); code != http.StatusCreated {
		t.Fatalf("submit: %d %s", code, out)
	}

	hostile := []struct {
		name string
		data []byte
		want string
	}{
		{"photo.png", sandboxtest.BigPNG(7000, 7000), "photo.png: the image is too large to fax (7000x7000 pixels)"},
		// Ghostscript needs about 5 s of processor time for it: the CPU
		// limit or, on a loaded machine, the wall clock stops it first.
		{"plan.pdf", sandboxtest.SegmentsPDF(400000), "plan.pdf: took longer than 4 s to render|plan.pdf: needed too much processor time to render"},
		{"bomb.png", sandboxtest.BombPNG(100000, 100000), "bomb.png: the image is too large to fax (100000x100000 pixels)"},
	}
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", d.cmd.Process.Pid), []byte("5"), 0); err != nil {
		t.Fatalf("resetting the daemon's VmHWM: %v", err)
	}
	t.Logf("RSS before previews %d KiB", d.status("VmRSS:"))
	stopSampling := d.sampleRSS()
	var wg sync.WaitGroup
	for _, u := range users {
		for _, h := range hostile {
			wg.Go(func() {
				code, out := u.form("POST", "/api/previews", map[string]string{"to": "+32 2 555 12 12", "subject": h.name},
					map[string][]byte{h.name: h.data})
				var e struct{ Error string }
				json.Unmarshal(out, &e)
				if code != http.StatusRequestEntityTooLarge || !slices.Contains(strings.Split(h.want, "|"), e.Error) {
					t.Errorf("preview of %s: %d %q, want 413 %q", h.name, code, e.Error, h.want)
				}
			})
		}
	}
	wg.Wait()

	// A normal preview is served after them.
	code, out = users[0].form("POST", "/api/previews", map[string]string{"to": "+32 2 555 12 12", "subject": "Normal",
		"body": "A normal message."}, map[string][]byte{"logo.png": sandboxtest.BigPNG(300, 200)})
	var pv struct {
		Pages    int
		Previews []string
	}
	if json.Unmarshal(out, &pv); code != http.StatusOK || pv.Pages != 2 || len(pv.Previews) != 2 {
		t.Fatalf("normal preview: %d %s", code, out)
	}
	code, img := users[0].json("GET", pv.Previews[1], "")
	if _, err := png.Decode(bytes.NewReader(img)); code != http.StatusOK || err != nil {
		t.Errorf("preview page: %d %v", code, err)
	}
	maxRSS := stopSampling()
	hwm := d.status("VmHWM:")

	// The fax went out meanwhile.
	deadline := time.Now().Add(3 * time.Minute)
	var m struct{ State string }
	for {
		if code, out := admin.json("GET", fmt.Sprintf("/api/messages/%d", msg.ID), ""); code != http.StatusOK || json.Unmarshal(out, &m) != nil {
			t.Fatalf("message: %d %s", code, out)
		}
		if m.State != "active" || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if m.State != "delivered" {
		t.Errorf("the fax sent during the previews: %s, want delivered", m.State)
	}

	var childPeak int64
	for _, m := range regexp.MustCompile(`child_peak_kib=(\d+)`).FindAllStringSubmatch(d.log.String(), -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		childPeak = max(childPeak, n)
	}
	t.Logf("daemon: VmHWM %.1f MiB, highest VmRSS sampled %.1f MiB during the previews; render child peak %.1f MiB",
		float64(hwm)/1024, float64(maxRSS)/1024, float64(childPeak)/1024)
	if hwm <= 0 || hwm >= 60*1024 || maxRSS >= 60*1024 {
		t.Errorf("the daemon's resident memory reached %d KiB (VmHWM), %d KiB (sampled): want under 60 MiB", hwm, maxRSS)
	}
	if childPeak == 0 {
		t.Error("the daemon logged no render child's peak memory")
	}
}

// served is a `faxd serve --demo` process.
type served struct {
	t     *testing.T
	cmd   *exec.Cmd
	url   string
	token string
	log   teststream.Buffer
}

// startServe builds faxd and runs it in demo mode in a temporary
// directory with the configuration given, until the test ends.
func startServe(t *testing.T, config string) *served {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "faxd")
	if out, err := exec.Command("go", "build", "-o", bin, "faxbox/firmware").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if err := os.WriteFile(filepath.Join(dir, "faxd.toml"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	d := &served{t: t}
	d.cmd = exec.Command(bin, "serve", "--demo", "--config", "faxd.toml", "--listen", "127.0.0.1:0")
	d.cmd.Dir = dir
	d.cmd.Stdout, d.cmd.Stderr = &d.log, &d.log
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		d.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { d.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			d.cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("faxd serve log:\n%s", d.log.String())
		}
	})
	urlRE, tokenRE := regexp.MustCompile(`https://127\.0\.0\.1:\d+`), regexp.MustCompile(`API token\s+(\S+)`)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		s := d.log.String()
		if u, tok := urlRE.FindString(s), tokenRE.FindStringSubmatch(s); u != "" && tok != nil {
			d.url, d.token = u, tok[1]
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("no address and token in the banner within a minute:\n%s", s)
		}
	}
}

// status reads a "Key: N kB" line of the daemon's /proc/PID/status.
func (d *served) status(key string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", d.cmd.Process.Pid))
	if err != nil {
		d.t.Fatal(err)
	}
	for l := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(l, key); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n
		}
	}
	d.t.Fatalf("no %s in /proc/PID/status", key)
	return 0
}

// sampleRSS reads the daemon's VmRSS every 20 ms until the returned func
// is called; that returns the highest, in KiB.
func (d *served) sampleRSS() func() int64 {
	stop, done := make(chan struct{}), make(chan int64)
	go func() {
		var hi int64
		for {
			hi = max(hi, d.status("VmRSS:"))
			select {
			case <-stop:
				done <- hi
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() int64 { close(stop); return <-done }
}

// apiClient is one user's HTTPS client: the API token, or a session.
type apiClient struct {
	d     *served
	c     *http.Client
	token string
	csrf  string
}

// client returns a client with a cookie jar; with token "" and no login
// it uses the demo's API token.
func (d *served) client(token string) *apiClient {
	if token == "" {
		token = d.token
	}
	jar, _ := cookiejar.New(nil)
	return &apiClient{d: d, token: token, c: &http.Client{Jar: jar, Timeout: 3 * time.Minute,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}}
}

func (a *apiClient) do(method, path, contentType string, body io.Reader) (int, []byte) {
	a.d.t.Helper()
	req, err := http.NewRequest(method, a.d.url+path, body)
	if err != nil {
		a.d.t.Fatal(err)
	}
	if a.csrf != "" {
		req.Header.Set("X-CSRF-Token", a.csrf)
	} else if !strings.HasPrefix(path, "/auth/") {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := a.c.Do(req)
	if err != nil {
		a.d.t.Errorf("%s %s: %v", method, path, err)
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (a *apiClient) json(method, path, body string) (int, []byte) {
	ct := ""
	if body != "" {
		ct = "application/json"
	}
	return a.do(method, path, ct, strings.NewReader(body))
}

func (a *apiClient) form(method, path string, fields map[string]string, files map[string][]byte) (int, []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for name, data := range files {
		w, _ := mw.CreateFormFile("files", name)
		w.Write(data)
	}
	mw.Close()
	return a.do(method, path, mw.FormDataContentType(), &buf)
}
