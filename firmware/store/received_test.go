package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"faxbox/firmware/events"
	"faxbox/firmware/store"
)

func rxPage(n, bad int) store.ReceivedPage {
	return store.ReceivedPage{
		File:    store.PageFile{Index: n, Path: fmt.Sprintf("received/1/page-%d.tif", n), SHA256: sha(n)},
		Quality: store.PageQuality{Index: n, Rows: 1000, BadRows: bad, MaxConsecutiveBad: bad},
	}
}

// TestReceivedPageByPage: a fax is in the inbox from its first page, each
// page is an event, the end is an events.KindReceived, and routing decides who
// lists it.
func TestReceivedPageByPage(t *testing.T) {
	ctx := context.Background()
	s := open(t, testConfig(t, newClock()))
	alice, err := s.CreateUser(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := s.CreateUser(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.StartReceived(ctx, store.Incoming{Modem: "m0", CallerIdent: "ACME", CallerID: "3225559999", User: alice.ID}, rxPage(1, 0))
	if err != nil || r.ID == 0 || !r.Receiving || r.Pages != 1 {
		t.Fatalf("%+v %v", r, err)
	}
	if err := s.AddReceivedPage(ctx, r.ID, rxPage(3, 0)); err == nil {
		t.Fatal("page 3 after page 1 accepted")
	}
	if err := s.AddReceivedPage(ctx, r.ID, rxPage(2, 7)); err != nil {
		t.Fatal(err)
	}
	// While receiving, the fax is shown and Purge leaves it alone.
	if res, err := s.Purge(ctx, store.PurgeOptions{Oldest: 10}); err != nil || res.Received != 0 {
		t.Fatalf("purge took a fax being received: %+v %v", res, err)
	}
	got, err := s.GetReceived(ctx, r.ID)
	if err != nil || !got.Receiving || got.Pages != 2 || len(got.Files) != 2 || len(got.PageQuality) != 2 || got.PageQuality[1].BadRows != 7 {
		t.Fatalf("%+v %v", got, err)
	}
	end := store.ReceivedEnd{CallerIdent: "ACME 2", Partial: true, Quality: "7 bad lines", Duration: 40 * time.Second,
		Call: store.ReceivedCall{ReasonCode: "partial", ReasonText: "dropped", BitRate: 9600, Coding: "MR"}}
	fin, err := s.FinishReceived(ctx, r.ID, end)
	if err != nil || fin.Receiving || !fin.Partial || fin.CallerIdent != "ACME 2" || fin.Call.BitRate != 9600 {
		t.Fatalf("%+v %v", fin, err)
	}
	if _, err := s.FinishReceived(ctx, r.ID, end); err == nil {
		t.Fatal("finished twice")
	}
	if err := s.AddReceivedPage(ctx, r.ID, rxPage(3, 0)); err == nil {
		t.Fatal("page added to a finished fax")
	}
	all, err := s.StartReceived(ctx, store.Incoming{Modem: "m0"}, rxPage(1, 0))
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		user int64
		want []int64
	}{{0, []int64{all.ID, r.ID}}, {alice.ID, []int64{all.ID, r.ID}}, {bob.ID, []int64{all.ID}}} {
		list, err := s.ListInbox(ctx, tc.user, store.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, x := range list {
			ids = append(ids, x.ID)
		}
		if fmt.Sprint(ids) != fmt.Sprint(tc.want) {
			t.Errorf("user %d sees %v, want %v", tc.user, ids, tc.want)
		}
	}

	evs, err := s.EventsSince(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []events.Kind
	for _, e := range evs {
		kinds = append(kinds, e.Kind)
	}
	want := "[received.page received.page received received.page]"
	if fmt.Sprint(kinds) != want {
		t.Fatalf("events %v, want %s", kinds, want)
	}
	pl, err := evs[1].Decode()
	p, ok := pl.(events.ReceivedPageEvent)
	if err != nil || !ok || p.Received != r.ID || p.Page != 2 || p.User != alice.ID || !p.Receiving {
		t.Fatalf("page event %s: %+v %v", evs[1].Payload, pl, err)
	}
	pl, err = evs[2].Decode()
	if done, ok := pl.(events.ReceivedEvent); err != nil || !ok || done.Received != r.ID || done.Pages != 2 || done.User != alice.ID {
		t.Fatalf("received event %s: %+v %v", evs[2].Payload, pl, err)
	}

	// A crash leaves the second fax receiving: recovery keeps it, partial.
	ids, err := s.RecoverReceived(ctx)
	if err != nil || len(ids) != 1 || ids[0] != all.ID {
		t.Fatal(ids, err)
	}
	got, err = s.GetReceived(ctx, all.ID)
	if err != nil || got.Receiving || !got.Partial || got.Pages != 1 || got.Call.ReasonCode != "interrupted" {
		t.Fatalf("%+v %v", got, err)
	}
	if res, err := s.Purge(ctx, store.PurgeOptions{Oldest: 10}); err != nil || res.Received != 2 {
		t.Fatalf("purge after the calls: %+v %v", res, err)
	}
}
