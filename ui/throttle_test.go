package ui_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/smtp"
	"net/textproto"
	"os/exec"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/mailgw"
)

// refuseAll is a Submitter for tests that only sign in.
type refuseAll struct{}

func (refuseAll) Submit(context.Context, mailgw.Submission) (mailgw.Receipt, error) {
	return mailgw.Receipt{}, errors.New("not in this test")
}

// startMailGateway serves fax by e-mail over the fixture's accounts on
// a loopback port until the test ends, and returns its address.
func (f *secFixture) startMailGateway() string {
	f.t.Helper()
	g, err := mailgw.New(mailgw.Options{Domain: "fax", Accounts: mailgw.UserAccounts{Users: f.users}, Submitter: refuseAll{},
		Logger: slog.New(slog.NewTextHandler(f.log, nil))})
	if err != nil {
		f.t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Serve(ctx, l) }()
	f.t.Cleanup(func() {
		cancel()
		<-done
	})
	return l.Addr().String()
}

// smtpAuth signs in with net/smtp from the loopback address ip and
// returns the reply code: 235 signed in, 535 refused, 454 throttled.
func smtpAuth(t *testing.T, addr, ip, name, password string) int {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c, err := smtp.NewClient(nc, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Auth(smtp.PlainAuth("", name, password, "127.0.0.1"))
	var te *textproto.Error
	switch {
	case err == nil:
		return 235
	case errors.As(err, &te):
		return te.Code
	}
	t.Fatalf("AUTH as %s from %s: %v", name, ip, err)
	return 0
}

// swaksAuth signs in with swaks from the loopback address ip and
// returns the transcript.
func swaksAuth(t *testing.T, addr, ip, name, password string) string {
	t.Helper()
	swaks, err := exec.LookPath("swaks")
	if err != nil {
		t.Fatal("swaks not found: install it with apt-get install swaks (make test does)")
	}
	host, port, _ := strings.Cut(addr, ":")
	cmd := exec.Command(swaks, "--server", host, "--port", port, "--local-interface", ip, "--quit-after", "AUTH",
		"--auth", "PLAIN", "--auth-user", name, "--auth-password", password)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Run() // a refused AUTH makes swaks exit non-zero: the transcript says how
	return out.String()
}

// TestThrottleCannotLockOut checks that failed logins slow down the
// machine they come from, not the account everywhere nor other clients:
// wrong SMTP AUTH passwords for bob do not stop his web login; made-up
// names from one SMTP client do not stop another's AUTH; wrong web
// logins from one machine do not stop bob on his own. The throttle still
// holds for the machine that failed.
func TestThrottleCannotLockOut(t *testing.T) {
	f := newSecFixture(t)
	admin := f.client()
	admin.signIn("/auth/setup", "admin", "admin password")
	if code, out, _ := admin.do("POST", "/api/users", map[string]any{"name": "bob", "password": "bob password"}); code != http.StatusCreated {
		t.Fatalf("create bob: %d %v", code, out)
	}
	mail := f.startMailGateway()

	// 4 wrong SMTP AUTH passwords for bob from one machine.
	for i := range 4 {
		if code := smtpAuth(t, mail, "127.0.0.2", "bob", fmt.Sprintf("wrong %d", i)); code != 535 && code != 454 {
			t.Fatalf("wrong AUTH %d: %d", i, code)
		}
	}
	if code := smtpAuth(t, mail, "127.0.0.2", "bob", "bob password"); code != 454 {
		t.Errorf("right AUTH from the machine that failed: %d, want 454 (throttled)", code)
	}
	if code, out, _ := f.clientFrom("127.0.0.1").do("POST", "/auth/login", map[string]string{"name": "bob", "password": "bob password"}); code != http.StatusOK {
		t.Errorf("bob's web login after wrong SMTP AUTH elsewhere: %d %v, want 200", code, out)
	}
	if code := smtpAuth(t, mail, "127.0.0.3", "bob", "bob password"); code != 235 {
		t.Errorf("bob's AUTH from another machine: %d, want 235", code)
	}

	// 11 failures with made-up names from one SMTP client, with net/smtp
	// and swaks.
	for i := range 11 {
		name := fmt.Sprintf("nobody%d", i)
		if i%2 == 0 {
			if code := smtpAuth(t, mail, "127.0.0.4", name, "guess"); code != 535 && code != 454 {
				t.Fatalf("made-up name %d: %d", i, code)
			}
		} else if tr := swaksAuth(t, mail, "127.0.0.4", name, "guess"); !strings.Contains(tr, "<** 535 ") && !strings.Contains(tr, "<** 454 ") {
			t.Fatalf("made-up name %d with swaks:\n%s", i, tr)
		}
	}
	if tr := swaksAuth(t, mail, "127.0.0.4", "bob", "bob password"); !strings.Contains(tr, "<** 454 4.7.0 Too many failed logins from this address: try again in") {
		t.Errorf("right AUTH from the guessing client, swaks:\n%s\nwant 454", tr)
	}
	if tr := swaksAuth(t, mail, "127.0.0.5", "bob", "bob password"); !strings.Contains(tr, "<-  235 ") {
		t.Errorf("bob's AUTH from another client after the guesses, swaks:\n%s\nwant 235", tr)
	}
	if code := smtpAuth(t, mail, "127.0.0.6", "bob", "bob password"); code != 235 {
		t.Errorf("bob's AUTH from another client after the guesses, net/smtp: %d, want 235", code)
	}

	// Wrong web logins for bob from one machine.
	guesser := f.clientFrom("127.0.0.7")
	code := 0
	for i := 0; i < 10 && code != http.StatusTooManyRequests; i++ {
		code, _, _ = guesser.do("POST", "/auth/login", map[string]string{"name": "bob", "password": fmt.Sprintf("guess %d", i)})
	}
	if code != http.StatusTooManyRequests {
		t.Fatalf("wrong web logins: %d, want 429 in the end", code)
	}
	if code, _, _ := guesser.do("POST", "/auth/login", map[string]string{"name": "bob", "password": "bob password"}); code != http.StatusTooManyRequests {
		t.Errorf("right web login from the guessing machine: %d, want 429", code)
	}
	if code, out, _ := f.clientFrom("127.0.0.8").do("POST", "/auth/login", map[string]string{"name": "bob", "password": "bob password"}); code != http.StatusOK {
		t.Errorf("bob's web login from his own machine: %d %v, want 200", code, out)
	}
	if code := smtpAuth(t, mail, "127.0.0.9", "bob", "bob password"); code != 235 {
		t.Errorf("bob's AUTH after wrong web logins elsewhere: %d, want 235", code)
	}
}

// TestPasswordChangeThrottled checks POST /api/me/password: wrong old
// passwords are slowed down as failed logins are (429 with Retry-After),
// and while throttled even the right one waits; a signed-in thief cannot
// try passwords at full speed.
func TestPasswordChangeThrottled(t *testing.T) {
	f := newSecFixture(t)
	admin := f.client()
	admin.signIn("/auth/setup", "admin", "admin password")
	var codes []int
	var last *http.Response
	for i := range 15 {
		code, _, resp := admin.do("POST", "/api/me/password", map[string]string{"old": fmt.Sprintf("guess %d", i), "new": "a new password"})
		codes = append(codes, code)
		last = resp
	}
	if codes[0] != http.StatusForbidden || codes[14] != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Fatalf("15 wrong old passwords: %v, last Retry-After %q; want 403 first, 429 with Retry-After in the end", codes, last.Header.Get("Retry-After"))
	}
	heard := 0
	for _, c := range codes {
		if c == http.StatusForbidden {
			heard++
		}
	}
	if heard > 5 {
		t.Errorf("%d of 15 wrong old passwords were checked, want at most 5: %v", heard, codes)
	}
	if code, _, _ := admin.do("POST", "/api/me/password", map[string]string{"old": "admin password", "new": "a new password"}); code != http.StatusTooManyRequests {
		t.Errorf("right old password while throttled: %d, want 429", code)
	}
}
