package mailgw_test

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/mailgw"
)

// session opens a conversation as alice, signed in with AUTH PLAIN on
// loopback, to one fax number, ready for DATA.
func session(t *testing.T, s *server) *client {
	t.Helper()
	c := dialRaw(t, s.addr)
	c.expect(250, "EHLO client.test")
	c.expect(235, "AUTH PLAIN %s", b64("\x00alice\x00alice-secret"))
	c.expect(250, "MAIL FROM:<alice@office.example>")
	c.expect(250, "RCPT TO:<3225551212@fax>")
	return c
}

// TestHostileMail sends mails that must be refused with a clear reply;
// after each the connection still works and nothing was submitted.
func TestHostileMail(t *testing.T) {
	nested := func(depth int) string {
		var b strings.Builder
		for i := range depth {
			fmt.Fprintf(&b, "--n%d\r\nContent-Type: multipart/mixed; boundary=\"n%d\"\r\n\r\n", i, i+1)
		}
		fmt.Fprintf(&b, "--n%d\r\nContent-Type: text/plain\r\n\r\ndeep\r\n--n%d--\r\n", depth, depth)
		for i := depth - 1; i >= 0; i-- {
			fmt.Fprintf(&b, "--n%d--\r\n", i)
		}
		return simpleMail([]string{"Subject: nested"}, `multipart/mixed; boundary="n0"`, b.String())
	}
	manyParts := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString("--p\r\nContent-Type: text/plain\r\n\r\nx\r\n")
		}
		b.WriteString("--p--\r\n")
		return simpleMail([]string{"Subject: parts"}, `multipart/mixed; boundary="p"`, b.String())
	}
	for _, tc := range []struct {
		name, mail string
		code       int
		says       string
	}{
		{"50 nested multiparts", nested(50), 554, "5.6.0 Cannot read this mail: multipart parts nested more than 10 deep"},
		{"too many parts", manyParts(150), 554, "5.6.0 Cannot read this mail: more than 100 MIME parts"},
		{"header line without colon", "Subject: x\r\nthis is not a header\r\n\r\nbody\r\n", 554, "5.6.0 Cannot read this mail: the mail header cannot be read"},
		{"multipart without boundary", simpleMail([]string{"Subject: x"}, "multipart/mixed", "--x\r\n\r\nhi\r\n--x--\r\n"), 554, "5.6.0 Cannot read this mail: multipart/mixed without a boundary"},
		{"bad content type", simpleMail([]string{"Subject: x"}, "text/plain; charset=\"utf-8", "hi"), 554, "5.6.0 Cannot read this mail: bad Content-Type"},
		{"huge header", "Subject: " + strings.Repeat("x", 900) + "\r\n" + strings.Repeat("X-Junk: "+strings.Repeat("y", 900)+"\r\n", 300) + "\r\nbody\r\n", 554, "5.6.0 Cannot read this mail: the mail header cannot be read"},
		{"truncated multipart", simpleMail([]string{"Subject: x"}, `multipart/mixed; boundary="t"`, "--t\r\nContent-Type: text/plain\r\n\r\nno end"), 554, "5.6.0"},
		{"attached e-mail", simpleMail([]string{"Subject: fwd"}, `multipart/mixed; boundary="m"`,
			"--m\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--m\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"old.eml\"\r\n\r\nSubject: old\r\n\r\nold\r\n--m--\r\n"),
			554, `5.6.1 Cannot fax this mail: an attached e-mail message ("old.eml") cannot be faxed`},
		{"unsupported attachment", simpleMail([]string{"Subject: zip"}, `multipart/mixed; boundary="z"`,
			"--z\r\nContent-Type: text/plain\r\n\r\nfiles\r\n--z\r\nContent-Type: application/zip\r\nContent-Disposition: attachment; filename=\"archive.zip\"\r\nContent-Transfer-Encoding: base64\r\n\r\nUEsDBAoAAAAAAA==\r\n--z--\r\n"),
			554, `5.6.1 Cannot fax this attachment (PDF, PNG, JPEG, GIF, TIFF, BMP and text can be faxed): "archive.zip"`},
		{"empty mail", "From: alice@office.example\r\n\r\n", 554, "5.6.0 Nothing to fax"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startGateway(t, nil)
			c := session(t, s)
			code, msg := c.data(tc.mail)
			if code != tc.code || !strings.HasPrefix(msg, tc.says) {
				t.Errorf("got %d %s\nwant %d %s...", code, msg, tc.code, tc.says)
			}
			c.expect(250, "NOOP")
			if subs, _ := s.rec.submissions(); len(subs) != 0 {
				t.Errorf("submitted %d", len(subs))
			}
		})
	}
}

// TestTooLarge checks the size limit, announced in MAIL and enforced in
// DATA.
func TestTooLarge(t *testing.T) {
	s := startGateway(t, func(o *mailgw.Options) { o.MaxMessageBytes = 64 << 10 })
	c := dialRaw(t, s.addr)
	if ehlo := c.expect(250, "EHLO client.test"); !strings.Contains(ehlo, "SIZE 65536") {
		t.Errorf("EHLO does not announce the limit: %q", ehlo)
	}
	if msg := c.expect(552, "MAIL FROM:<alice@office.example> SIZE=1000000"); !strings.HasPrefix(msg, "5.3.4") {
		t.Errorf("MAIL SIZE: %q", msg)
	}
	c.expect(250, "MAIL FROM:<alice@office.example>")
	c.expect(250, "RCPT TO:<3225551212@fax>")
	big := "Subject: big\r\n\r\n" + strings.Repeat(strings.Repeat("z", 99)+"\r\n", 1000) // 100 KB
	if code, msg := c.data(big); code != 552 || !strings.HasPrefix(msg, "5.3.4") {
		t.Errorf("DATA: %d %s, want 552 5.3.4", code, msg)
	}
	c.expect(250, "NOOP")
	if subs, _ := s.rec.submissions(); len(subs) != 0 {
		t.Errorf("submitted %d", len(subs))
	}
}

// TestBadAttachmentNames checks that names with paths, NULs, control and
// bidi characters arrive sanitised and still render.
func TestBadAttachmentNames(t *testing.T) {
	s := startGateway(t, nil)
	pic := pngImage(t)
	part := func(disposition string) string {
		return "--b\r\nContent-Type: image/png\r\nContent-Disposition: " + disposition +
			"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + wrap76(b64(string(pic)))
	}
	mail := simpleMail([]string{"Subject: names", "Message-ID: <names@x>"}, `multipart/mixed; boundary="b"`,
		part(`attachment; filename="../../etc/passwd"`)+
			part(`attachment; filename*=UTF-8''..%2F..%2Fevil%00name%0D%0A.png`)+
			part(`attachment; filename="C:\\Windows\\system.ini"`)+
			part("attachment; filename=\"invoice\u202Egnp.exe\"")+
			part(`attachment; filename="..."`)+
			part(`attachment; filename="`+strings.Repeat("long", 100)+`.png"`)+
			"--b--\r\n")
	c := session(t, s)
	if code, msg := c.data(mail); code != 250 {
		t.Fatalf("DATA: %d %s", code, msg)
	}
	subs, pages := s.rec.submissions()
	if len(subs) != 1 {
		t.Fatalf("%d submissions", len(subs))
	}
	var names []string
	for _, a := range subs[0].Attachments {
		names = append(names, a.Name)
	}
	want := []string{"passwd", "evilname.png", "system.ini", "invoicegnp.exe", "attachment-5",
		strings.Repeat("long", 100)[:116] + ".png"}
	if strings.Join(names, "|") != strings.Join(want, "|") {
		t.Errorf("names\n%q\nwant\n%q", names, want)
	}
	if pages[0] != 7 {
		t.Errorf("%d pages, want 7 (cover and six pictures)", pages[0])
	}
}

// TestDuplicateMessageID sends the same mail twice, as a client does when
// the reply to DATA was lost: it is submitted and billed once, and both
// times the client hears 250.
func TestDuplicateMessageID(t *testing.T) {
	s := startGateway(t, nil)
	mail := simpleMail([]string{"From: alice@office.example", "To: 3225551212@fax", "Subject: twice", "Message-ID: <retry-1@office.example>"},
		"text/plain; charset=utf-8", "Only once, please.\r\n")
	var replies []string
	for range 2 {
		c := session(t, s)
		code, msg := c.data(mail)
		if code != 250 {
			t.Fatalf("DATA: %d %s", code, msg)
		}
		replies = append(replies, msg)
	}
	if !strings.HasPrefix(replies[0], "2.0.0 Queued as Faxbox message 1: 1 fax(es) of 1 page(s), about 0.10 EUR") ||
		!strings.HasPrefix(replies[1], "2.0.0 Already queued as Faxbox message 1 (same Message-ID); not sent again") {
		t.Errorf("replies %q", replies)
	}
	if subs, _ := s.rec.submissions(); len(subs) != 1 || s.rec.chargedTo(alice.ID) != pricePerPage {
		t.Errorf("%d submissions, charged %s: want 1 and 0.10 EUR", len(subs), billing.EUR.Format(s.rec.chargedTo(alice.ID)))
	}
}

// TestNotEnoughCredit checks that the Submitter's credit error reaches the
// client with the amount missing.
func TestNotEnoughCredit(t *testing.T) {
	s := startGateway(t, nil)
	s.rec.setBalance(pricePerPage / 2)
	c := session(t, s)
	code, msg := c.data("Subject: poor\r\n\r\nHello\r\n")
	if code != 552 || msg != "5.2.2 Not enough credit to send this fax: 0.05 EUR more is needed (available 0.05 EUR); top up and send again" {
		t.Errorf("got %d %s", code, msg)
	}
}

// TestConnectionFlood opens 200 connections at once: those over the limits
// are told 421 4.7.0, none is left without an answer, and the gateway
// serves again once they are gone.
func TestConnectionFlood(t *testing.T) {
	now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	var clock sync.Mutex
	s := startGateway(t, func(o *mailgw.Options) {
		o.MaxConns, o.ConnBurst, o.ConnPerMinute = 10, 50, 60
		o.Now = func() time.Time { clock.Lock(); defer clock.Unlock(); return now }
	})
	const n = 200
	greetings := make([]string, n)
	conns := make([]net.Conn, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c, err := net.DialTimeout("tcp", s.addr, 10*time.Second)
			if err != nil {
				greetings[i] = "dial: " + err.Error()
				return
			}
			conns[i] = c
			c.SetReadDeadline(time.Now().Add(20 * time.Second))
			line, err := bufio.NewReader(c).ReadString('\n')
			if err != nil {
				greetings[i] = "read: " + err.Error()
				return
			}
			greetings[i] = line
		})
	}
	wg.Wait()
	counts := map[string]int{}
	for _, g := range greetings {
		switch {
		case strings.HasPrefix(g, "220 "):
			counts["220"]++
		case strings.HasPrefix(g, "421 4.7.0 faxbox: too many connections to the fax gateway"):
			counts["cap"]++
		case strings.HasPrefix(g, "421 4.7.0 faxbox: too many connections from 127.0.0.1"):
			counts["rate"]++
		default:
			t.Errorf("unexpected answer %q", g)
		}
	}
	// 10 at once, 40 more over the cap until the address's 50 tokens
	// are spent, the rest over the rate.
	if counts["220"] != 10 || counts["cap"] != 40 || counts["rate"] != n-50 {
		t.Errorf("answers %v, want 10 greetings, 40 refusals by the cap and %d by the rate", counts, n-50)
	}
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
	// The bucket is empty now: no connection is served until a minute
	// has refilled it.
	if c := dialRawFail(t, s.addr); !strings.HasPrefix(c, "421 4.7.0 faxbox: too many connections from 127.0.0.1") {
		t.Errorf("served with an empty bucket: %q", c)
	}
	clock.Lock()
	now = now.Add(time.Minute)
	clock.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		line, _ := bufio.NewReader(c).ReadString('\n')
		c.Close()
		if strings.HasPrefix(line, "220 ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the gateway does not serve again after the flood: %q", line)
		}
		time.Sleep(20 * time.Millisecond) // slots come back as go-smtp closes the connections
	}
	c := session(t, s)
	if code, msg := c.data("Subject: after the flood\r\n\r\nstill here\r\n"); code != 250 {
		t.Errorf("DATA after the flood: %d %s", code, msg)
	}
}

// dialRawFail connects and returns the first line the gateway sends.
func dialRawFail(t *testing.T, addr string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, _ := bufio.NewReader(c).ReadString('\n')
	return line
}
