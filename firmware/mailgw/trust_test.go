package mailgw_test

import (
	"bytes"
	"errors"
	"net/smtp"
	"net/textproto"
	"os/exec"
	"strings"
	"testing"

	"faxbox/firmware/config"
	"faxbox/firmware/mailgw"
)

// fromConfig makes the gateway's options those of the [email_to_fax]
// section c, keeping the test's accounts, submitter and limits.
func fromConfig(t *testing.T, c config.EmailToFax) func(*mailgw.Options) {
	t.Helper()
	d, err := mailgw.OptionsFromConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	return func(o *mailgw.Options) {
		d.Domain, d.MaxMessageBytes = o.Domain, o.MaxMessageBytes
		d.Accounts, d.Submitter, d.Logger = o.Accounts, o.Submitter, o.Logger
		d.ReadTimeout, d.WriteTimeout = o.ReadTimeout, o.WriteTimeout
		*o = d
	}
}

// smtpCode is the reply code of an error of net/smtp, 0 if none.
func smtpCode(err error) (int, string) {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code, te.Msg
	}
	return 0, ""
}

// netSMTPMail sends one mail with net/smtp from envelope sender from to
// 3225551212@fax, signing in first when user is set, and returns the
// error of the first command refused.
func netSMTPMail(addr, user, password, from, mail string) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if user != "" {
		if err := c.Auth(smtp.PlainAuth("", user, password, "127.0.0.1")); err != nil {
			return err
		}
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt("3225551212@fax"); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	w.Write([]byte(mail))
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// swaksMail sends one mail with swaks to 3225551212@fax and returns its
// transcript; args add to the command line.
func swaksMail(t *testing.T, addr string, args ...string) string {
	t.Helper()
	swaks := tool(t, "swaks", "swaks")
	host, port, _ := strings.Cut(addr, ":")
	cmd := exec.Command(swaks, append([]string{"--server", host, "--port", port, "--helo", "swaks.test",
		"--to", "3225551212@fax", "--header", "Subject: swaks", "--body", "hello"}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Run() // a refusal makes swaks exit non-zero: the transcript says which
	return out.String()
}

// TestDefaultTrustsNobody checks the default [email_to_fax] section: no
// client, on loopback or on the LAN, may send by naming an account's
// address as envelope sender (in any case); signed in with SMTP AUTH,
// the mail goes through and is billed to the account that signed in.
func TestDefaultTrustsNobody(t *testing.T) {
	def := config.Default().EmailToFax
	mail := "From: Alice <alice@office.example>\r\nTo: 3225551212@fax\r\nSubject: hi\r\n\r\nhello\r\n"
	for _, ip := range []string{"", "192.168.1.50", "10.1.2.3", "fd00::7"} {
		var s *server
		if ip == "" {
			s = startGateway(t, fromConfig(t, def))
		} else {
			s = startGatewayAs(t, ip, fromConfig(t, def))
		}
		for _, from := range []string{"alice@office.example", "ALICE@office.example"} {
			err := netSMTPMail(s.addr, "", "", from, mail)
			if code, msg := smtpCode(err); code != 530 || !strings.Contains(msg, "Authentication required") {
				t.Errorf("client %q, net/smtp MAIL FROM:<%s> without AUTH: %v, want 530", ip, from, err)
			}
		}
		tr := swaksMail(t, s.addr, "--from", "alice@office.example")
		if !strings.Contains(tr, "<** 530 5.7.0 Authentication required") {
			t.Errorf("client %q, swaks without AUTH:\n%s", ip, tr)
		}
		if subs, _ := s.rec.submissions(); len(subs) != 0 {
			t.Errorf("client %q: %d mails queued without authentication", ip, len(subs))
		}
	}

	s := startGateway(t, fromConfig(t, def))
	if err := netSMTPMail(s.addr, "bob", "bob-secret", "alice@office.example", mail); err != nil {
		t.Fatalf("net/smtp as bob: %v", err)
	}
	tr := swaksMail(t, s.addr, "--from", "bob@office.example", "--auth", "PLAIN", "--auth-user", "bob", "--auth-password", "bob-secret")
	if !strings.Contains(tr, "<-  250 2.0.0 Queued as Faxbox message 2") {
		t.Errorf("swaks as bob:\n%s", tr)
	}
	if subs, _ := s.rec.submissions(); len(subs) != 2 || subs[0].Sender != bob || subs[1].Sender != bob || s.rec.chargedTo(alice.ID) != 0 {
		t.Errorf("submissions %+v: want two billed to bob, who signed in", subs)
	}
}

// TestRelayHost checks a listed relay host (the office mail server): its
// mails are billed by envelope sender only when the From header field
// names the same address, and a host beside it is not trusted.
func TestRelayHost(t *testing.T) {
	cfg := config.Default().EmailToFax
	cfg.RelayHosts = []string{"192.168.1.20"}
	s := startGatewayAs(t, "192.168.1.20", fromConfig(t, cfg))
	mail := func(from string) string {
		return from + "To: 3225551212@fax\r\nSubject: relayed\r\n\r\nhello\r\n"
	}
	if err := netSMTPMail(s.addr, "", "", "alice@office.example", mail("From: Alice <Alice@Office.Example>\r\n")); err != nil {
		t.Fatalf("relayed mail from alice: %v", err)
	}
	for _, c := range []struct{ from, says string }{
		{"From: Bob <bob@office.example>\r\n", "The From header field <bob@office.example> is not the envelope sender <alice@office.example>"},
		{"", "no readable From header field"},
		{"From: alice@office.example, bob@office.example\r\n", "names 2 addresses"},
	} {
		err := netSMTPMail(s.addr, "", "", "alice@office.example", mail(c.from))
		if code, msg := smtpCode(err); code != 550 || !strings.HasPrefix(msg, "5.7.1") || !strings.Contains(msg, c.says) {
			t.Errorf("header %q, envelope alice: %v, want 550 5.7.1 ...%s...", c.from, err, c.says)
		}
	}
	tr := swaksMail(t, s.addr, "--from", "alice@office.example", "--header", "From: bob@office.example")
	if !strings.Contains(tr, "<** 550 5.7.1 The From header field <bob@office.example> is not the envelope sender <alice@office.example>") {
		t.Errorf("swaks, From bob, envelope alice:\n%s", tr)
	}
	tr = swaksMail(t, s.addr, "--from", "alice@office.example")
	if !strings.Contains(tr, "<-  250 2.0.0 Queued as Faxbox message 2") {
		t.Errorf("swaks from alice:\n%s", tr)
	}
	if subs, _ := s.rec.submissions(); len(subs) != 2 || subs[0].Sender != alice || subs[1].Sender != alice || s.rec.chargedTo(bob.ID) != 0 {
		t.Errorf("submissions %+v: want two, alice's", subs)
	}

	beside := startGatewayAs(t, "192.168.1.21", fromConfig(t, cfg))
	err := netSMTPMail(beside.addr, "", "", "alice@office.example", mail("From: alice@office.example\r\n"))
	if code, _ := smtpCode(err); code != 530 {
		t.Errorf("host beside the relay: %v, want 530", err)
	}
}
