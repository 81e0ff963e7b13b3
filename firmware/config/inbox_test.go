package config_test

import (
	"strings"
	"testing"

	"faxbox/firmware/config"
)

// TestInbox: routing rules and forwarding load from [inbox], and the
// mistakes are reported by key.
func TestInbox(t *testing.T) {
	c, err := config.Parse([]byte(`
[smtp]
host = "mail.example.com"
from = "fax@example.com"
[inbox]
forward_to = "office@example.com"
forward_to_user = true
[inbox.by_number]
"+3225" = "alice"
[inbox.by_ident]
"ACME" = "bob"
`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Inbox.ByNumber["+3225"] != "alice" || c.Inbox.ByIdent["ACME"] != "bob" || c.Inbox.ForwardTo != "office@example.com" || !c.Inbox.ForwardToUser {
		t.Fatalf("%+v", c.Inbox)
	}
	for _, tc := range []struct {
		doc, key, msg string
	}{
		{"[inbox.by_number]\n\"+32-2\" = \"alice\"", `inbox.by_number."+32-2"`, "is not a number prefix"},
		{"[inbox.by_number]\n\"+32\" = \" \"", `inbox.by_number."+32"`, "no user name"},
		{"[inbox.by_ident]\n\" \" = \"bob\"", `inbox.by_ident." "`, "would match every identity"},
		{"[inbox]\nforward_to = \"not an address\"", "inbox.forward_to", "is not an e-mail address"},
		{"[inbox]\nforward_to_user = true", "inbox.forward_to", "needs a mail relay (smtp.host)"},
	} {
		found := false
		for _, fe := range parse(t, tc.doc) {
			if fe.Key == tc.key && strings.Contains(fe.Msg, tc.msg) {
				found = true
			}
		}
		if !found {
			t.Errorf("%q: no error %s: %s", tc.doc, tc.key, tc.msg)
		}
	}
}
