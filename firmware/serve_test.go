package main

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
	"sync"
	"testing"
	"time"

	"faxbox/firmware/demo"
	"faxbox/pages"
)

// syncBuffer is a bytes.Buffer that the daemon and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeDemo starts faxd serve in demo mode, submits a message through
// the JSON API and waits until the simulated remote fax machine has
// received it and the job is delivered and charged.
func TestServeDemo(t *testing.T) {
	dir := t.TempDir()
	type readyInfo struct{ addr, token string }
	ready := make(chan readyInfo, 1)
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, serveOptions{demo: true, listen: "127.0.0.1:0", dataDir: dir, simScale: 20,
			ready: func(addr, token string) { ready <- readyInfo{addr, token} }}, &stdout, &stderr)
	}()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("serve did not stop within 30 s")
		}
	}
	defer func() {
		stop()
		if t.Failed() {
			t.Logf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
		}
	}()
	var ri readyInfo
	select {
	case ri = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve not ready within 30 s")
	}
	if !strings.Contains(stdout.String(), ri.token) || !strings.Contains(stdout.String(), "https://"+ri.addr+"/") ||
		!strings.Contains(stdout.String(), "demo credit") || !strings.Contains(stdout.String(), "administrator's password") {
		t.Errorf("banner does not show the address, the token and the demo credit:\n%s", stdout.String())
	}

	// The demo's certificate is self-signed.
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	call := func(method, path, contentType string, body io.Reader, out any) int {
		t.Helper()
		req, err := http.NewRequest(method, "https://"+ri.addr+path, body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+ri.token)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if out != nil {
			if err := json.Unmarshal(b, out); err != nil {
				t.Fatalf("%s %s: %v in %s", method, path, err, b)
			}
		}
		return resp.StatusCode
	}

	var acct struct {
		Available string `json:"available"`
		Demo      bool   `json:"demo"`
	}
	if code := call("GET", "/api/account", "", nil, &acct); code != http.StatusOK || acct.Available != "100.00" || !acct.Demo {
		t.Fatalf("account: status %d, %+v; want 100.00 of demo credit", code, acct)
	}
	// The web UI is there, waiting for its administrator.
	var state struct {
		SetupNeeded bool `json:"setup_needed"`
	}
	if code := call("GET", "/auth/state", "", nil, &state); code != http.StatusOK || !state.SetupNeeded {
		t.Errorf("/auth/state: status %d, %+v; want the first-run page open", code, state)
	}
	if code := call("GET", "/", "", nil, nil); code != http.StatusOK {
		t.Errorf("GET /: status %d", code)
	}

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("to", "+32 2 555 12 12")
	mw.WriteField("subject", "Demo")
	mw.WriteField("body", "A first fax through faxd serve.")
	mw.Close()
	var m struct {
		ID   int64 `json:"id"`
		Jobs []struct {
			ID int64 `json:"id"`
		} `json:"jobs"`
		Pages int `json:"pages"`
	}
	if code := call("POST", "/api/messages", mw.FormDataContentType(), &buf, &m); code != http.StatusCreated || len(m.Jobs) != 1 {
		t.Fatalf("submit: status %d, %+v", code, m)
	}

	type job struct {
		State      string `json:"state"`
		ReasonText string `json:"reason_text"`
		History    []struct {
			Seconds float64 `json:"seconds"`
		} `json:"history"`
	}
	var got struct {
		State string `json:"state"`
		Jobs  []job  `json:"jobs"`
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		if code := call("GET", fmt.Sprintf("/api/messages/%d", m.ID), "", nil, &got); code != http.StatusOK {
			t.Fatalf("get: status %d", code)
		}
		if got.State != "active" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("message still %s after 90 s: %+v", got.State, got.Jobs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got.State != "delivered" || got.Jobs[0].State != "delivered" {
		t.Fatalf("message %s, job %+v; want delivered", got.State, got.Jobs[0])
	}

	// The remote fax machine keeps what it received as TIFF-F. It writes
	// the file once the call is over, which may be just after the sender
	// has recorded the delivery.
	var files []string
	for range 100 {
		files, _ = filepath.Glob(filepath.Join(dir, "remote", "fax-*.tif"))
		if len(files) > 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(files) != 1 {
		t.Fatalf("remote received %d files, want 1", len(files))
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	tf, err := pages.OpenTIFF(f, fi.Size())
	if err != nil {
		t.Fatal(err)
	}
	if len(tf.Pages) != m.Pages || m.Pages < 1 {
		t.Errorf("remote received %d pages, the message had %d", len(tf.Pages), m.Pages)
	}

	// The call was charged.
	if code := call("GET", "/api/account", "", nil, &acct); code != http.StatusOK || acct.Available == "100.00" {
		t.Errorf("account after the call: status %d, %+v; want a charge", code, acct)
	}

	// The simulated front panel shows the appliance ready and has chimed
	// the delivery; housekeeping has measured the data directory.
	var sys struct {
		Version string `json:"version"`
		Disk    struct {
			Database int64  `json:"database"`
			Sent     int64  `json:"sent"`
			Error    string `json:"error"`
		} `json:"disk"`
		Board struct {
			LEDs  map[string]struct{ Pattern string } `json:"leds"`
			Sound *struct {
				Name    string `json:"name"`
				Skipped string `json:"skipped"`
			} `json:"sound"`
		} `json:"board"`
	}
	for range 100 {
		if code := call("GET", "/api/system", "", nil, &sys); code != http.StatusOK {
			t.Fatalf("/api/system: status %d", code)
		}
		if sys.Board.Sound != nil && sys.Disk.Database > 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if sys.Board.Sound == nil || sys.Board.Sound.Name != "delivered" || sys.Board.Sound.Skipped != "" {
		t.Errorf("front panel sound %+v; want the delivered chime played", sys.Board.Sound)
	}
	if p := sys.Board.LEDs["ready"].Pattern; p != "steady" {
		t.Errorf("ready LED %q, want steady; LEDs %+v", p, sys.Board.LEDs)
	}
	if sys.Disk.Database == 0 || sys.Disk.Error != "" || sys.Version == "" {
		t.Errorf("system %+v; want the database measured, no error and a version", sys)
	}

	// Prometheus scrapes /metrics with the API token: the call is counted.
	req, _ := http.NewRequest("GET", "https://"+ri.addr+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+ri.token)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(metrics), "faxbox_") {
		t.Errorf("/metrics: status %d:\n%.300s", resp.StatusCode, metrics)
	}

	// The demo's remote machine calls in: the fax arrives in the inbox,
	// whole, with the caller's ident.
	if code := call("POST", "/api/demo/incoming", "", nil, nil); code != http.StatusAccepted {
		t.Fatalf("demo incoming: status %d", code)
	}
	type inboxFax struct {
		Pages       int    `json:"pages"`
		Receiving   bool   `json:"receiving"`
		Partial     bool   `json:"partial"`
		CallerIdent string `json:"caller_ident"`
	}
	var inbox struct {
		Faxes []inboxFax `json:"faxes"`
	}
	for range 600 {
		inbox.Faxes = nil // "receiving" is left out once false: decode afresh
		if code := call("GET", "/api/inbox", "", nil, &inbox); code != http.StatusOK {
			t.Fatalf("inbox: status %d", code)
		}
		if len(inbox.Faxes) == 1 && !inbox.Faxes[0].Receiving {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(inbox.Faxes) != 1 || inbox.Faxes[0].Receiving || inbox.Faxes[0].Partial || inbox.Faxes[0].Pages != 1 ||
		inbox.Faxes[0].CallerIdent != demo.RemoteCSI {
		t.Errorf("inbox %+v; want the remote's one-page fax, complete", inbox.Faxes)
	}

	stop()
}
