package mailgw_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/smtp"
	"net/textproto"
	"slices"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/config"
	"faxbox/firmware/mailgw"
)

// utf8Body is a body in several scripts, which must arrive unchanged.
const utf8Body = "Grüße aus Brüssel, café crème: 12,50 €.\nJapanese: 日本語のファックスです。\n\n-- \nAlice"

// TestNetSMTPAcceptance sends a real multipart mail with Go's net/smtp
// client: a UTF-8 body, a PDF and a PNG, To, Cc and Bcc fax recipients, an
// invalid number and a non-fax address, and checks the submission, its
// pages and its charge.
func TestNetSMTPAcceptance(t *testing.T) {
	s := startGateway(t, nil)
	pdf, pic := testPDF(t), pngImage(t)
	mail := mixedMail(t, []string{
		"From: Alice <alice@office.example>",
		"To: Brussels office <3225551212@fax>, bob@example.com",
		"Cc: +33.1.23.45.67.89@FAX",
		"Subject: =?UTF-8?Q?=C3=9Cberweisung_f=C3=BCr_M=C3=A4rz_=E2=82=AC?=",
		"Message-ID: <accept-1@office.example>",
	}, utf8Body,
		file{"Invoice 2026-03.pdf", "application/pdf", pdf},
		file{"chart.png", "image/png", pic})

	c, err := smtp.Dial(s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail("alice@office.example"); err != nil {
		t.Fatal(err)
	}
	for _, rc := range []struct {
		to       string
		code     int
		enhanced string
		says     string
	}{
		{"3225551212@fax", 250, "", ""},
		{"+33.1.23.45.67.89@FAX", 250, "", ""},
		{"49-30-1234567@fax", 250, "", ""}, // Bcc: in no header field
		{"322123456@fax", 550, "5.1.1", "too few digits for BE (+32): a number in BE (+32) looks like +32"},
		{"sales@fax", 550, "5.1.1", `"sales" is not a fax number: write digits with an optional leading +`},
		{"bob@example.com", 550, "5.7.1", "not a fax address"},
	} {
		err := c.Rcpt(rc.to)
		if rc.code == 250 {
			if err != nil {
				t.Errorf("RCPT %s: %v", rc.to, err)
			}
			continue
		}
		var te *textproto.Error
		if !errors.As(err, &te) || te.Code != rc.code || !strings.HasPrefix(te.Msg, rc.enhanced) || !strings.Contains(te.Msg, rc.says) {
			t.Errorf("RCPT %s: got %v, want %d %s ...%s...", rc.to, err, rc.code, rc.enhanced, rc.says)
		}
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(mail))
	if err := w.Close(); err != nil {
		t.Fatalf("DATA: %v", err)
	}
	c.Quit()

	subs, pages := s.rec.submissions()
	if len(subs) != 1 {
		t.Fatalf("got %d submissions, want 1", len(subs))
	}
	sub := subs[0]
	if sub.Sender != alice || sub.EnvelopeFrom != "alice@office.example" {
		t.Errorf("sender %+v from %q, want alice", sub.Sender, sub.EnvelopeFrom)
	}
	if got := numbersOf(sub.To); !slices.Equal(got, []string{numBE}) {
		t.Errorf("To = %v", got)
	}
	if got := numbersOf(sub.Cc); !slices.Equal(got, []string{numFR}) {
		t.Errorf("Cc = %v", got)
	}
	if got := numbersOf(sub.Bcc); !slices.Equal(got, []string{numDE}) {
		t.Errorf("Bcc = %v", got)
	}
	if sub.Body != utf8Body {
		t.Errorf("body:\n%q\nwant\n%q", sub.Body, utf8Body)
	}
	if sub.Subject != "Überweisung für März €" {
		t.Errorf("subject %q", sub.Subject)
	}
	if sub.MessageID != "accept-1@office.example" {
		t.Errorf("Message-ID %q", sub.MessageID)
	}
	if len(sub.Attachments) != 2 {
		t.Fatalf("%d attachments, want 2", len(sub.Attachments))
	}
	for i, want := range []file{{"Invoice 2026-03.pdf", "application/pdf", pdf}, {"chart.png", "image/png", pic}} {
		a := sub.Attachments[i]
		if a.Name != want.name || a.ContentType != want.contentType || !bytes.Equal(a.Data, want.data) {
			t.Errorf("attachment %d: %q %q %d bytes, want %q %q %d bytes", i, a.Name, a.ContentType, len(a.Data), want.name, want.contentType, len(want.data))
		}
	}
	// The first page, the PDF's two and the picture's one, to each of
	// three numbers at 0.10 EUR a page.
	if !slices.Equal(pages, []int{4}) {
		t.Errorf("pages %v, want [4]", pages)
	}
	if got, want := s.rec.chargedTo(alice.ID), 12*pricePerPage; got != want {
		t.Errorf("charged %s, want %s", billing.EUR.Format(got), billing.EUR.Format(want))
	}
}

// TestHTMLOnlyMail checks that an HTML-only mail arrives as readable text.
func TestHTMLOnlyMail(t *testing.T) {
	s := startGateway(t, nil)
	html := `<html><head><title>Order</title><style>p { color: red }</style></head><body>` +
		`<h1>Order&nbsp;#42</h1><p>Dear&nbsp;supplier,<br>please deliver:</p>` +
		`<ul><li>10 &times; paper</li><li>2 toner &amp; drum</li></ul>` +
		`<script>alert("x")</script><p>Thanks &ndash; Alice</p></body></html>`
	c := dialRaw(t, s.addr)
	c.expect(250, "EHLO client.test")
	c.expect(250, "MAIL FROM:<alice@office.example>")
	c.expect(250, "RCPT TO:<3225551212@fax>")
	if code, msg := c.data(simpleMail([]string{"From: alice@office.example", "To: 3225551212@fax", "Subject: Order"},
		"text/html; charset=utf-8", html)); code != 250 {
		t.Fatalf("DATA: %d %s", code, msg)
	}
	subs, _ := s.rec.submissions()
	if len(subs) != 1 {
		t.Fatalf("%d submissions", len(subs))
	}
	want := "Order #42\n\nDear supplier,\nplease deliver:\n\n• 10 × paper\n• 2 toner & drum\n\nThanks – Alice"
	if subs[0].Body != want {
		t.Errorf("body:\n%q\nwant\n%q", subs[0].Body, want)
	}
}

// TestAlternativePrefersPlain checks multipart/alternative: the text/plain
// version is faxed, not the HTML one.
func TestAlternativePrefersPlain(t *testing.T) {
	s := startGateway(t, nil)
	mail := simpleMail([]string{"From: alice@office.example", "To: 3225551212@fax", "Subject: Alt"},
		`multipart/alternative; boundary="b1"`,
		"--b1\r\nContent-Type: text/html\r\n\r\n<p>HTML version</p>\r\n"+
			"--b1\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nPlain version, d=E9j=E0 vu\r\n"+
			"--b1--\r\n")
	c := dialRaw(t, s.addr)
	c.expect(250, "HELO client.test")
	c.expect(250, "MAIL FROM:<alice@office.example>")
	c.expect(250, "RCPT TO:<3225551212@fax>")
	if code, msg := c.data(mail); code != 250 {
		t.Fatalf("DATA: %d %s", code, msg)
	}
	subs, _ := s.rec.submissions()
	if len(subs) != 1 || subs[0].Body != "Plain version, déjà vu" {
		t.Fatalf("submissions %+v", subs)
	}
}

// TestWhoMaySend checks senders: an unknown address from an allowed
// network, a client outside the allowed networks (530 until it
// authenticates), wrong passwords, and billing to the authenticated
// account.
func TestWhoMaySend(t *testing.T) {
	t.Run("unknown sender", func(t *testing.T) {
		s := startGateway(t, nil)
		c := dialRaw(t, s.addr)
		c.expect(250, "EHLO client.test")
		msg := c.expect(550, "MAIL FROM:<mallory@example.com>")
		if !strings.HasPrefix(msg, "5.7.1") || !strings.Contains(msg, "not the e-mail address of a Faxbox account") {
			t.Errorf("reply %q", msg)
		}
		c.expect(550, "MAIL FROM:<>")
	})
	t.Run("outside allowed networks, net/smtp AUTH PLAIN", func(t *testing.T) {
		s := startGateway(t, func(o *mailgw.Options) { o.RelayHosts = nil })
		c := dialRaw(t, s.addr)
		ehlo := c.expect(250, "EHLO client.test")
		if !strings.Contains(ehlo, "AUTH PLAIN LOGIN") {
			t.Errorf("loopback EHLO does not offer AUTH: %q", ehlo)
		}
		msg := c.expect(530, "MAIL FROM:<alice@office.example>")
		if !strings.HasPrefix(msg, "5.7.0 Authentication required") {
			t.Errorf("reply %q", msg)
		}
		// AUTH LOGIN with a wrong password, then PLAIN as bob.
		c.expect(334, "AUTH LOGIN")
		c.expect(334, "%s", b64("bob"))
		c.expect(535, "%s", b64("wrong"))

		sc, err := smtp.Dial(s.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer sc.Close()
		if err := sc.Auth(smtp.PlainAuth("", "bob", "bob-secret", "127.0.0.1")); err != nil {
			t.Fatal(err)
		}
		if err := sc.Mail("anything@example.org"); err != nil {
			t.Fatal(err)
		}
		if err := sc.Rcpt("3225551212@fax"); err != nil {
			t.Fatal(err)
		}
		w, _ := sc.Data()
		w.Write([]byte("Subject: from bob\r\n\r\nHello\r\n"))
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		subs, _ := s.rec.submissions()
		if len(subs) != 1 || subs[0].Sender != bob || s.rec.chargedTo(bob.ID) != pricePerPage || s.rec.chargedTo(alice.ID) != 0 {
			t.Errorf("submissions %+v: want one billed to bob", subs)
		}
	})
	t.Run("LAN client off loopback without TLS", func(t *testing.T) {
		s := startGatewayAs(t, "203.0.113.7", nil)
		c := dialRaw(t, s.addr)
		if ehlo := c.expect(250, "EHLO client.test"); strings.Contains(ehlo, "AUTH") {
			t.Errorf("AUTH offered in clear text off loopback: %q", ehlo)
		}
		if msg := c.expect(530, "MAIL FROM:<alice@office.example>"); !strings.Contains(msg, "STARTTLS") {
			t.Errorf("reply %q does not say how", msg)
		}
		if msg := c.expect(538, "AUTH PLAIN %s", b64("\x00alice\x00alice-secret")); !strings.HasPrefix(msg, "5.7.11") {
			t.Errorf("AUTH reply %q", msg)
		}
	})
	t.Run("LAN client in allowed network", func(t *testing.T) {
		s := startGatewayAs(t, "10.1.2.3", func(o *mailgw.Options) {
			o.RelayHosts = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
		})
		c := dialRaw(t, s.addr)
		c.expect(250, "EHLO client.test")
		c.expect(250, "MAIL FROM:<Alice@Office.Example>")
		c.expect(250, "RCPT TO:<3225551212@fax>")
	})
	t.Run("require_auth", func(t *testing.T) {
		s := startGateway(t, func(o *mailgw.Options) { o.RequireAuth = true })
		c := dialRaw(t, s.addr)
		c.expect(250, "EHLO client.test")
		c.expect(530, "MAIL FROM:<alice@office.example>")
	})
}

// startGatewayAs starts a gateway that sees every client at ip, as on a
// LAN.
func startGatewayAs(t *testing.T, ip string, edit func(*mailgw.Options)) *server {
	t.Helper()
	return startGatewayWrapped(t, func(l net.Listener) net.Listener {
		return addrListener{Listener: l, addr: &net.TCPAddr{IP: net.ParseIP(ip), Port: 40000}}
	}, edit)
}

// addrListener makes every connection come from addr.
type addrListener struct {
	net.Listener
	addr net.Addr
}

func (l addrListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return addrConn{Conn: c, addr: l.addr}, nil
}

type addrConn struct {
	net.Conn
	addr net.Addr
}

func (c addrConn) RemoteAddr() net.Addr { return c.addr }

// TestOptions checks the configuration and the refusal of bad options.
func TestOptions(t *testing.T) {
	if _, err := mailgw.OptionsFromConfig(config.EmailToFax{RelayHosts: []string{"10.0.0.0/33"}}); err == nil ||
		!strings.Contains(err.Error(), `"10.0.0.0/33" is not an address or a network in CIDR notation`) {
		t.Errorf("bad CIDR: %v", err)
	}
	o, err := mailgw.OptionsFromConfig(config.EmailToFax{Domain: "Fax.Example", RelayHosts: []string{"10.1.2.3/8", "::1/128", "192.168.1.20", "::ffff:192.168.1.21"}, MaxMessageMiB: 3})
	if err != nil || o.Domain != "Fax.Example" || o.MaxMessageBytes != 3<<20 ||
		!slices.Equal(o.RelayHosts, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128"),
			netip.MustParsePrefix("192.168.1.20/32"), netip.MustParsePrefix("192.168.1.21/32")}) {
		t.Errorf("got %+v, %v", o, err)
	}
	for _, bad := range []mailgw.Options{
		{Domain: "fax", Submitter: newRecorder()},
		{Domain: "fax", Accounts: fakeAccounts{}},
		{Domain: "a@b", Accounts: fakeAccounts{}, Submitter: newRecorder()},
		{Domain: "fax", Accounts: fakeAccounts{}, Submitter: newRecorder(), MaxConns: -1},
	} {
		if _, err := mailgw.New(bad); err == nil {
			t.Errorf("New(%+v) accepted", bad)
		}
	}
}

// TestRecipients checks duplicate numbers, the recipient limit and To and
// Cc fields that cannot be parsed (their fax numbers become Bcc ones, so
// that no copy shows them).
func TestRecipients(t *testing.T) {
	s := startGateway(t, func(o *mailgw.Options) { o.MaxRecipients = 3 })
	c := dialRaw(t, s.addr)
	c.expect(250, "EHLO client.test")
	c.expect(250, "MAIL FROM:<alice@office.example>")
	c.expect(250, "RCPT TO:<3225551212@fax>")
	c.expect(250, "RCPT TO:<+32-2-555-12-12@Fax>") // the same number again
	c.expect(250, "RCPT TO:<33123456789@fax>")
	if msg := c.expect(452, "RCPT TO:<49301234567@fax>"); !strings.HasPrefix(msg, "4.5.3") {
		t.Errorf("over the limit: %q", msg)
	}
	code, msg := c.data("From: alice@office.example\r\nTo: <<<broken\r\nCc: 33123456789@fax\r\nSubject: =?bogus?Q?x?=\r\n\r\nhello\r\n")
	if code != 250 {
		t.Fatalf("DATA: %d %s", code, msg)
	}
	subs, _ := s.rec.submissions()
	if len(subs) != 1 || len(subs[0].To) != 0 || !slices.Equal(numbersOf(subs[0].Cc), []string{numFR}) ||
		!slices.Equal(numbersOf(subs[0].Bcc), []string{numBE}) || subs[0].Subject != "=?bogus?Q?x?=" {
		t.Errorf("submissions %+v", subs)
	}
}

// blockingSubmitter holds every Submit until release is closed.
type blockingSubmitter struct {
	mailgw.Submitter
	entered chan struct{}
	release chan struct{}
}

func (b *blockingSubmitter) Submit(ctx context.Context, s mailgw.Submission) (mailgw.Receipt, error) {
	b.entered <- struct{}{}
	<-b.release
	return b.Submitter.Submit(ctx, s)
}

// TestMailsTakeTurns checks MaxConcurrentMails: while one mail is being
// submitted, the next waits, and is told to come back when waiting too
// long.
func TestMailsTakeTurns(t *testing.T) {
	b := &blockingSubmitter{entered: make(chan struct{}, 2), release: make(chan struct{})}
	s := startGateway(t, func(o *mailgw.Options) {
		b.Submitter = o.Submitter
		o.Submitter, o.MaxConcurrentMails, o.ReadTimeout = b, 1, 300*time.Millisecond
	})
	first := session(t, s)
	done := make(chan string)
	go func() {
		code, msg := first.data("Subject: first\r\n\r\none\r\n")
		done <- fmt.Sprint(code, " ", msg)
	}()
	<-b.entered
	second := session(t, s)
	if code, msg := second.data("Subject: second\r\n\r\ntwo\r\n"); code != 451 || !strings.HasPrefix(msg, "4.3.2 The fax gateway is busy") {
		t.Errorf("second mail: %d %s", code, msg)
	}
	close(b.release)
	if r := <-done; !strings.HasPrefix(r, "250 2.0.0 Queued") {
		t.Errorf("first mail: %s", r)
	}
}

// TestBDAT sends a mail in CHUNKING's BDAT chunks (RFC 3030), which
// go-smtp announces: the reply names the message as after DATA.
func TestBDAT(t *testing.T) {
	s := startGateway(t, nil)
	c := session(t, s)
	for i, chunk := range []string{"Subject: chunked\r\n\r\n", "in two chunks\r\n"} {
		last := ""
		if i == 1 {
			last = " LAST"
		}
		if err := c.c.PrintfLine("BDAT %d%s", len(chunk), last); err != nil {
			t.Fatal(err)
		}
		c.c.W.WriteString(chunk)
		c.c.W.Flush()
		code, msg := c.read()
		if i == 0 && code != 250 || i == 1 && (code != 250 || !strings.HasPrefix(msg, "2.0.0 Queued as Faxbox message 1")) {
			t.Fatalf("BDAT %d: %d %s", i, code, msg)
		}
	}
	if subs, _ := s.rec.submissions(); len(subs) != 1 || subs[0].Body != "in two chunks" {
		t.Errorf("submissions %+v", subs)
	}
}
