package mailgw_test

import (
	"slices"
	"strings"
	"testing"
)

// TestResolutionTag: "number+fine@fax" asks for fine resolution (the
// highest asked of a mail's recipients wins: the mail is one message),
// the tag is not part of the number (a To header with the tag names the
// same recipient), and an unknown tag is refused with the ones there are.
func TestResolutionTag(t *testing.T) {
	s := startGateway(t, nil)
	c := dialRaw(t, s.addr)
	c.expect(250, "EHLO client.test")
	c.expect(250, "MAIL FROM:<alice@office.example>")
	c.expect(250, "RCPT TO:<+3225551212+standard@fax>")
	c.expect(250, "RCPT TO:<33123456789+Fine@fax>")
	if msg := c.expect(550, "RCPT TO:<3225551313+ultra@fax>"); !strings.Contains(msg, "number+fine") {
		t.Errorf("unknown tag: %q", msg)
	}
	code, msg := c.data("From: alice@office.example\r\nTo: +3225551212+standard@fax\r\nSubject: Contract\r\n\r\nhello\r\n")
	if code != 250 {
		t.Fatalf("DATA: %d %s", code, msg)
	}
	c.expect(250, "MAIL FROM:<alice@office.example>")
	c.expect(250, "RCPT TO:<3225551212@fax>")
	if code, msg := c.data("From: alice@office.example\r\nSubject: Plain\r\n\r\nhello\r\n"); code != 250 {
		t.Fatalf("DATA: %d %s", code, msg)
	}
	subs, _ := s.rec.submissions()
	if len(subs) != 2 || subs[0].Resolution != "fine" || !slices.Equal(numbersOf(subs[0].To), []string{numBE}) ||
		!slices.Equal(numbersOf(subs[0].Bcc), []string{numFR}) || subs[1].Resolution != "" {
		t.Errorf("submissions %+v", subs)
	}
}
