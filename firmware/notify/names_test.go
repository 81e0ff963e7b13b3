package notify_test

import (
	"context"
	"strings"
	"testing"

	"faxbox/firmware/notify"
	"faxbox/firmware/store"
)

// TestWatcherNamesTheRecipient: with WatcherConfig.Names the notice says
// whom the fax went to as the address book knows the number, beside the
// number grouped for reading.
func TestWatcherNamesTheRecipient(t *testing.T) {
	e := newWatchEnv(t)
	w := e.watcher(t, func(c *notify.WatcherConfig) {
		c.Names = func(_ context.Context, number string) (string, string) {
			if number == "+3225551212" {
				return "Zoë Peeters, ACME", "+32 2 555 12 12"
			}
			return "", number
		}
	})
	e.message(t, e.user, 1)
	e.call(t, 1, store.Outcome{Next: store.Delivered, ReasonCode: "ok", ReasonText: "sent"})
	poll(t, w)
	got := e.relay.messages()
	if len(got) != 1 {
		t.Fatalf("%d mails, want 1", len(got))
	}
	p := parse(t, &notify.Message{Data: got[0].data})
	if !strings.Contains(p.text, "Your fax to Zoë Peeters, ACME (+32 2 555 12 12) was delivered.") {
		t.Errorf("text:\n%s", p.text)
	}
}
