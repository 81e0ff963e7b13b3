package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"faxbox/firmware/billing"
	"faxbox/firmware/events"
	"faxbox/firmware/store"
	"faxbox/pages"
)

// TestInboxAssignEvents: assigning a received fax is on the event stream
// of the user it goes to (whose unread count then has it) and of the user
// it leaves, and not on that of a colleague it was never routed to.
func TestInboxAssignEvents(t *testing.T) {
	e := newEnv(t, 10*billing.Unit)
	ctx := context.Background()
	alice, bob, carol := e.users[token], e.users[bobToken], e.users[adminToken]
	rx := e.receive(t, carol.ID, "ACME", []*pages.Page{rxPage(t, 1)})
	if _, err := e.st.FinishReceived(ctx, rx.ID, store.ReceivedEnd{}); err != nil {
		t.Fatal(err)
	}
	logged, err := e.st.EventsSince(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	since := logged[len(logged)-1].Seq
	aliceC, _, err := e.dialEvents(t, token, since, nil)
	if err != nil {
		t.Fatal(err)
	}
	bobC, _, err := e.dialEvents(t, bobToken, since, nil)
	if err != nil {
		t.Fatal(err)
	}
	unread := func(tok string, want int) {
		t.Helper()
		var got struct{ Unread int }
		if code := e.doAs(t, tok, "GET", "/api/inbox/unread", "", nil, &got); code != http.StatusOK || got.Unread != want {
			t.Errorf("unread: %d, %+v; want %d", code, got, want)
		}
	}
	assign := func(tok string, to int64) {
		t.Helper()
		body := strings.NewReader(fmt.Sprintf(`{"user": %d}`, to))
		if code := e.doAs(t, tok, "POST", fmt.Sprintf("/api/inbox/%d/assign", rx.ID), "application/json", body, nil); code != http.StatusOK {
			t.Fatalf("assign to %d: status %d", to, code)
		}
	}
	next := func(who string, c *websocket.Conn, want events.Payload) {
		t.Helper()
		f := readLogFrames(t, c, 1)[0]
		p, err := events.Decode(f.Kind, f.Data)
		if err != nil || p != want {
			t.Errorf("%s's next event: %s %+v (%v), want %s %+v", who, f.Kind, p, err, want.Kind(), want)
		}
	}

	unread(token, 0)
	assign(adminToken, alice.ID)
	unread(token, 1)
	next("alice", aliceC, events.AssignedEvent{Received: rx.ID, User: alice.ID, Previous: carol.ID, By: carol.ID})

	// Bob's next event is that of a fax for all staff received after the
	// assignment: he was not told of the fax that is neither his nor was.
	forAll := e.receive(t, 0, "ALL", []*pages.Page{rxPage(t, 1)})
	page := events.ReceivedPageEvent{Received: forAll.ID, Page: 1, Pages: 1, Receiving: true, CallerIdent: "ALL", CallerID: "3225559999"}
	next("bob", bobC, page)
	next("alice", aliceC, page)
	if _, err := e.st.FinishReceived(ctx, forAll.ID, store.ReceivedEnd{}); err != nil {
		t.Fatal(err)
	}
	done := events.ReceivedEvent{Received: forAll.ID, CallerIdent: "ALL", CallerID: "3225559999", Pages: 1}
	next("bob", bobC, done)
	next("alice", aliceC, done)

	// Alice passes it to bob: it enters his inbox and leaves hers.
	unread(bobToken, 1) // the fax for all staff
	assign(token, bob.ID)
	unread(bobToken, 2)
	moved := events.AssignedEvent{Received: rx.ID, User: bob.ID, Previous: alice.ID, By: alice.ID}
	next("bob", bobC, moved)
	next("alice", aliceC, moved)
}
