package events_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"faxbox/firmware/events"
)

// payloads has one payload of every kind with every field set.
func payloads() []events.Payload {
	at := time.Date(2026, 12, 7, 9, 30, 0, 123000, time.UTC)
	return []events.Payload{
		events.MessageEvent{Message: 4, Sender: 2, Jobs: []int64{7, 8}, State: "active"},
		events.JobEvent{Job: 7, Message: 4, MessageState: "partial", State: "retry", CancelRequested: true,
			Attempts: 2, MaxAttempts: 5, PagesTotal: 3, PagesConfirmed: 1, NextAttempt: &at, ReasonCode: "busy",
			ReasonText: "the line was busy"},
		events.ReceivedEvent{Received: 9, CallerIdent: "+32 2 555 01 00", CallerID: "025550100", Pages: 3, Partial: true, User: 2},
		events.ReceivedPageEvent{Received: 9, Page: 2, Pages: 2, User: 2, Receiving: true, CallerIdent: "ACME",
			CallerID: "025550100", BadRows: 4},
		events.PurgedEvent{Messages: []int64{1, 2}, Received: []int64{3}},
		events.AssignedEvent{Received: 9, User: 2, Previous: 3, By: 1},
		events.LineEvent{Line: "ttyUSB0", State: "calling", Job: 7, Received: 9, Since: at, Reason: "no answer to AT",
			Calls: 12, Answered: 3},
		events.AccountEvent{Currency: "EUR", Balance: 50_000_000, Held: 2_000_000, Available: 48_000_000, OpenHolds: 1,
			SpentThisMonth: 7_500_000},
		events.SIPRegistration{Account: "sip0", Registered: true, Expires: time.Hour, Status: 200, Reason: "ok"},
	}
}

// TestDecodeRoundTrip: every kind's payload, marshalled as the store logs
// it, decodes to the same value, through Decode and Event.Decode.
func TestDecodeRoundTrip(t *testing.T) {
	seen := map[events.Kind]bool{}
	for _, p := range payloads() {
		t.Run(string(p.Kind()), func(t *testing.T) {
			if seen[p.Kind()] {
				t.Fatalf("kind %s twice", p.Kind())
			}
			seen[p.Kind()] = true
			b, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			got, err := events.Decode(p.Kind(), b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, p) {
				t.Errorf("decoded %#v\nwant    %#v", got, p)
			}
			got, err = events.Event{Seq: 3, Kind: p.Kind(), Payload: b}.Decode()
			if err != nil || !reflect.DeepEqual(got, p) {
				t.Errorf("Event.Decode: %#v, %v", got, err)
			}
			if reflect.ValueOf(p).NumField() == 0 {
				t.Fatal("a payload without fields")
			}
			// Every field is set, so that a field that does not survive
			// the round trip is caught.
			v := reflect.ValueOf(p)
			for i := range v.NumField() {
				if v.Field(i).IsZero() {
					t.Errorf("the test's %s has %s unset", p.Kind(), v.Type().Field(i).Name)
				}
			}
		})
	}
	if len(seen) != 9 {
		t.Errorf("%d kinds tested", len(seen))
	}
}

// TestDecodeWireNames: the JSON names that the web UI reads (ui/web) are
// those the payloads write.
func TestDecodeWireNames(t *testing.T) {
	p, err := events.Decode(events.KindJob, []byte(`{"job":7,"message":4,"message_state":"active","state":"sending","reason":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	if j := p.(events.JobEvent); j.Job != 7 || j.Message != 4 || j.State != "sending" || j.MessageState != "active" || j.ReasonCode != "x" {
		t.Errorf("job %+v", j)
	}
	p, err = events.Decode(events.KindReceived, []byte(`{"received":9,"user":2,"partial":true}`))
	if err != nil {
		t.Fatal(err)
	}
	if r := p.(events.ReceivedEvent); r.Received != 9 || r.User != 2 || !r.Partial {
		t.Errorf("received %+v", r)
	}
}

// TestDecodeUnknownAndMalformed: a kind of no payload decodes to Unknown;
// a known kind with a payload of another shape is ErrPayload.
func TestDecodeUnknownAndMalformed(t *testing.T) {
	p, err := events.Decode("modem.state", []byte(`{"modem":"m0"}`))
	if err != nil {
		t.Fatal(err)
	}
	if u, ok := p.(events.Unknown); !ok || u.Kind() != "modem.state" || string(u.Data) != `{"modem":"m0"}` {
		t.Errorf("unknown kind: %#v", p)
	}
	for _, bad := range []string{`{"job":"seven"}`, `[1]`, `{`} {
		if _, err := (events.Event{Seq: 5, Kind: events.KindJob, Payload: json.RawMessage(bad)}).Decode(); !errors.Is(err, events.ErrPayload) {
			t.Errorf("job payload %s: %v, want ErrPayload", bad, err)
		}
	}
}

// TestBusOrder: every subscriber gets what it subscribed to, in the order
// published, from publishers on several goroutines too.
func TestBusOrder(t *testing.T) {
	b := events.NewBus()
	lines := b.Subscribe(0, events.KindLine)
	all := b.Subscribe(0)
	defer lines.Close()
	defer all.Close()
	for i := range 100 {
		b.Publish(events.LineEvent{Line: "m", Calls: i})
		if i%10 == 0 {
			b.Publish(events.AccountEvent{Balance: int64(i)})
		}
	}
	ps, resync := lines.Take()
	if resync || len(ps) != 100 {
		t.Fatalf("lines: %d payloads, resync %v", len(ps), resync)
	}
	for i, p := range ps {
		if l := p.(events.LineEvent); l.Calls != i {
			t.Fatalf("payload %d is %+v", i, l)
		}
	}
	ps, _ = all.Take()
	if len(ps) != 110 || ps[0].Kind() != events.KindLine || ps[1].Kind() != events.KindAccount {
		t.Fatalf("all: %d payloads, first %v", len(ps), ps[:2])
	}

	// Per publisher, the order holds across goroutines.
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 {
				b.Publish(events.LineEvent{Line: string(rune('a' + g)), Calls: i})
			}
		})
	}
	wg.Wait()
	ps, resync = lines.Take()
	next := map[string]int{}
	for _, p := range ps {
		l := p.(events.LineEvent)
		if l.Calls != next[l.Line] {
			t.Fatalf("line %s: %d after %d", l.Line, l.Calls, next[l.Line]-1)
		}
		next[l.Line]++
	}
	if resync || len(ps) != 200 {
		t.Errorf("%d payloads, resync %v", len(ps), resync)
	}
}

// TestBusSlowSubscriber: a subscriber that does not read never holds the
// publisher up; it overflows, loses its queue and is told to resync, while
// another subscriber keeps everything.
func TestBusSlowSubscriber(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := events.NewBus()
		slow := b.Subscribe(4, events.KindLine)
		roomy := b.Subscribe(1000, events.KindLine)
		start := time.Now()
		for i := range 1000 {
			b.Publish(events.LineEvent{Line: "m", Calls: i})
		}
		// A Publish that waited for the slow subscriber would deadlock
		// the bubble here; none takes fake time either.
		if d := time.Since(start); d != 0 {
			t.Errorf("publishing took %v of fake time: it waited", d)
		}
		got, resync := roomy.Take()
		if resync || len(got) != 1000 || got[999].(events.LineEvent).Calls != 999 {
			t.Errorf("the subscriber with room: %d payloads, resync %v", len(got), resync)
		}
		ps, resync := slow.Take()
		if !resync || len(ps) != 4 || ps[0].(events.LineEvent).Calls != 996 {
			t.Errorf("slow subscriber: resync %v, %d payloads %v", resync, len(ps), ps)
		}
		select {
		case <-slow.Ready():
		default:
			t.Error("the slow subscriber was not signalled")
		}
		if ps, resync := slow.Take(); resync || len(ps) != 0 {
			t.Errorf("a second Take: %v %v", ps, resync)
		}
		slow.Close()
		roomy.Close()
	})
}

// TestBusUnsubscribe: a closed subscription receives nothing more; the
// others still do; a nil bus publishes to nobody.
func TestBusUnsubscribe(t *testing.T) {
	b := events.NewBus()
	a, c := b.Subscribe(0), b.Subscribe(0)
	b.Publish(events.AccountEvent{Balance: 1})
	a.Close()
	a.Close()
	b.Publish(events.AccountEvent{Balance: 2})
	if ps, resync := a.Take(); len(ps) != 0 || resync {
		t.Errorf("closed: %v %v", ps, resync)
	}
	if ps, _ := c.Take(); len(ps) != 2 {
		t.Errorf("open: %v", ps)
	}
	c.Close()
	b.Publish(events.AccountEvent{Balance: 3})
	if ps, _ := c.Take(); len(ps) != 0 {
		t.Errorf("after Close: %v", ps)
	}

	var nb *events.Bus
	s := nb.Subscribe(1)
	nb.Publish(events.AccountEvent{})
	select {
	case <-s.Ready():
		t.Error("a nil bus delivered")
	default:
	}
	s.Close()
}
