package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	netsmtp "net/smtp"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"faxbox/firmware/setupcode"
	"faxbox/internal/teststream"
	"faxbox/ui"
)

// relay is an SMTP server on loopback that keeps what it is given: the
// appliance's relay for notices.
type relay struct {
	mu   sync.Mutex
	got  []string // each mail's recipients and data
	addr *net.TCPAddr
}

func (r *relay) mails() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

type relaySession struct {
	r  *relay
	to []string
}

func (s *relaySession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *relaySession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *relaySession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.r.mu.Lock()
	s.r.got = append(s.r.got, "To: "+strings.Join(s.to, ",")+"\n"+string(b))
	s.r.mu.Unlock()
	return nil
}
func (s *relaySession) Reset()        { s.to = nil }
func (s *relaySession) Logout() error { return nil }

func startRelay(t *testing.T) *relay {
	t.Helper()
	r := &relay{}
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &relaySession{r: r}, nil }))
	s.Domain = "relay.test"
	s.ErrorLog = log.New(io.Discard, "", 0)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	r.addr = l.Addr().(*net.TCPAddr)
	return r
}

// freePort returns a loopback port that nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestFaxByEmail runs faxd serve (demo line) with fax by e-mail and a
// relay for notices: the administrator set up on the first-run page
// mails a fax to two numbers from the office network; one is delivered
// and charged to her, the mail's text is on the fax, and the delivery
// notice comes back to her address through the relay. The same mail sent
// again is not queued twice; a stranger's mail is refused.
func TestFaxByEmail(t *testing.T) {
	dir := t.TempDir()
	rl := startRelay(t)
	smtpPort := freePort(t)
	cfgFile := filepath.Join(dir, "faxbox.toml")
	os.WriteFile(cfgFile, []byte(fmt.Sprintf(`demo = true
[smtp]
host = "127.0.0.1"
port = %d
from = "Faxbox <fax@office.test>"
starttls = false
[email_to_fax]
listen = "127.0.0.1:%d"
relay_hosts = ["127.0.0.1"]
`, rl.addr.Port, smtpPort)), 0o644)

	type readyInfo struct{ addr, token string }
	ready := make(chan readyInfo, 1)
	var stdout, stderr teststream.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, serveOptions{configPath: cfgFile, demoLines: 1, listen: "127.0.0.1:0", dataDir: dir, simScale: 20,
			ready: func(addr, token string) { ready <- readyInfo{addr, token} }}, &stdout, &stderr)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		if t.Failed() {
			t.Logf("stderr:\n%s", stderr.String())
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
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	call := func(method, path string, body io.Reader, out any) int {
		t.Helper()
		req, _ := http.NewRequest(method, "https://"+ri.addr+path, body)
		req.Header.Set("Authorization", "Bearer "+ri.token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if out != nil {
			json.NewDecoder(resp.Body).Decode(out)
		}
		return resp.StatusCode
	}
	setupCode, err := os.ReadFile(filepath.Join(dir, setupcode.File))
	if err != nil {
		t.Fatal(err)
	}
	setup := fmt.Sprintf(`{"name": "alice", "email": "alice@office.test", "password": "a long password", "setup_code": %q}`, strings.TrimSpace(string(setupCode)))
	if code := call("POST", "/auth/setup", strings.NewReader(setup), nil); code != http.StatusCreated {
		t.Fatalf("setup: status %d", code)
	}

	pool := x509.NewCertPool()
	if pem, err := os.ReadFile(filepath.Join(dir, ui.CertFile)); err != nil || !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("the appliance's certificate: %v", err)
	}
	mail := func(from string, to []string, msgID string) error {
		body := fmt.Sprintf("From: Alice <%s>\r\nTo: 3225551212@fax\r\nCc: 3225551313@fax\r\nSubject: Order 42\r\n"+
			"Message-ID: <%s>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease deliver on Tuesday. Merci, café à 10 €.\r\n", from, msgID)
		c, err := netsmtp.Dial(fmt.Sprintf("127.0.0.1:%d", smtpPort))
		if err != nil {
			return err
		}
		defer c.Close()
		// STARTTLS with the appliance's own certificate, as a mail client
		// set up to trust it would.
		if err := c.StartTLS(&tls.Config{ServerName: "127.0.0.1", RootCAs: pool}); err != nil {
			return err
		}
		if err := c.Mail(from); err != nil {
			return err
		}
		for _, r := range to {
			if err := c.Rcpt(r); err != nil {
				return err
			}
		}
		w, err := c.Data()
		if err != nil {
			return err
		}
		io.WriteString(w, body)
		if err := w.Close(); err != nil {
			return err
		}
		return c.Quit()
	}
	rcpts := []string{"3225551212@fax", "3225551313@fax"}
	if err := mail("alice@office.test", rcpts, "order-42@office.test"); err != nil {
		t.Fatalf("sending the mail: %v", err)
	}
	if err := mail("alice@office.test", rcpts, "order-42@office.test"); err != nil {
		t.Fatalf("sending the mail again: %v", err)
	}
	if err := mail("mallory@elsewhere.test", rcpts, "x@elsewhere.test"); err == nil || !strings.Contains(err.Error(), "550") {
		t.Errorf("a stranger's mail: %v, want a 550 refusal", err)
	}

	var list struct {
		Messages []struct {
			ID      int64  `json:"id"`
			Subject string `json:"subject"`
			Sender  string `json:"sender"`
			State   string `json:"state"`
		} `json:"messages"`
	}
	deadline := time.Now().Add(120 * time.Second)
	for {
		if code := call("GET", "/api/messages", nil, &list); code != http.StatusOK {
			t.Fatalf("list: status %d", code)
		}
		if len(list.Messages) == 1 && list.Messages[0].State != "active" {
			break
		}
		if len(list.Messages) > 1 || time.Now().After(deadline) {
			t.Fatalf("messages %+v; want one, finished", list.Messages)
		}
		time.Sleep(200 * time.Millisecond)
	}
	m := list.Messages[0]
	if m.Subject != "Order 42" || m.Sender != "alice" || m.State != "delivered" {
		t.Fatalf("message %+v; want alice's Order 42, delivered", m)
	}
	// Both calls were charged to alice, who sent the mail.
	var led struct {
		Entries []struct {
			Kind string `json:"kind"`
			User string `json:"user"`
		} `json:"entries"`
	}
	if code := call("GET", "/api/account/ledger?format=json", nil, &led); code != http.StatusOK {
		t.Fatalf("ledger: status %d", code)
	}
	charged := 0
	for _, e := range led.Entries {
		if e.Kind == "charge" {
			if e.User != "alice" {
				t.Errorf("a charge to %q, want alice", e.User)
			}
			charged++
		}
	}
	if charged != 2 {
		t.Errorf("%d charges, want one a recipient (the mail sent twice is billed once)", charged)
	}
	// The notices reach alice through the relay, one per recipient.
	for time.Now().Before(deadline) && len(rl.mails()) < 2 {
		time.Sleep(200 * time.Millisecond)
	}
	mails := rl.mails()
	if len(mails) != 2 {
		t.Fatalf("%d notices at the relay, want 2", len(mails))
	}
	for _, n := range mails {
		if !strings.HasPrefix(n, "To: alice@office.test\n") || !strings.Contains(n, "Content-Type: application/pdf") {
			t.Errorf("notice:\n%.600s\nwant one to alice with the fax as PDF", n)
		}
		if !strings.Contains(n, `filename=report-`) && !strings.Contains(n, `filename="report-`) {
			t.Errorf("notice:\n%.600s\nwant the transmission report attached", n)
		}
	}
	// The remote fax machine received one fax a number: the mail sent
	// twice was queued once.
	files, _ := filepath.Glob(filepath.Join(dir, "remote", "fax-*.tif"))
	if len(files) != 2 {
		t.Errorf("the remote fax machine received %d faxes, want 2", len(files))
	}
	mailAtDefault(t, call, mail, m.ID)
}

// mailAtDefault: the default resolution changed through the settings
// applies to the next mail that asks for none, without a restart; the
// mail before (first) was sent at fine, the default out of the box.
func mailAtDefault(t *testing.T, call func(method, path string, body io.Reader, out any) int,
	mail func(from string, to []string, msgID string) error, first int64) {
	t.Helper()
	var set struct {
		Message string `json:"message"`
	}
	if code := call("PUT", "/api/settings", strings.NewReader(`{"resolution": "standard"}`), &set); code != http.StatusOK ||
		!strings.Contains(set.Message, "applies to new messages now") {
		t.Fatalf("PUT /api/settings resolution standard: %d %q", code, set.Message)
	}
	if err := mail("alice@office.test", []string{"3225551212@fax"}, "order-43@office.test"); err != nil {
		t.Fatalf("sending a mail after the change: %v", err)
	}
	var list struct {
		Messages []struct {
			ID         int64  `json:"id"`
			Resolution string `json:"resolution"`
		} `json:"messages"`
	}
	for deadline := time.Now().Add(30 * time.Second); len(list.Messages) < 2; time.Sleep(200 * time.Millisecond) {
		if code := call("GET", "/api/messages", nil, &list); code != http.StatusOK || time.Now().After(deadline) {
			t.Fatalf("list: status %d, messages %+v; want the second mail's", code, list.Messages)
		}
	}
	got := map[int64]string{}
	for _, m := range list.Messages {
		got[m.ID] = m.Resolution
	}
	if got[first] != "fine" || len(got) != 2 {
		t.Errorf("resolutions by message %v: want fine for message %d, the first mail's", got, first)
	}
	for id, r := range got {
		if id != first && r != "standard" {
			t.Errorf("the mail after the change (message %d) is sent at %q, want standard", id, r)
		}
	}
}
