package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"faxbox/firmware/events"
	"faxbox/firmware/store"
)

func TestEventsMonotonicAndResumable(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := open(t, testConfig(t, clk))
	changed := s.Changed()
	m := newMessage(t, s, 2, 1)
	select {
	case <-changed:
	default:
		t.Fatal("Changed did not fire on CreateMessage")
	}
	_, a := claim(t, s, clk.Now(), "m0")
	s.RecordConnected(ctx, a.ID, store.Params{})
	s.RecordPageConfirmed(ctx, a.ID, 1)
	s.RecordPageConfirmed(ctx, a.ID, 1) // no-op: no event
	s.FinishAttempt(ctx, a.ID, store.Outcome{Next: store.Delivered})
	if _, err := s.AppendEvent(ctx, "modem.state", 0, map[string]string{"modem": "m0", "state": "idle"}); err != nil {
		t.Fatal(err)
	}
	all, err := s.EventsSince(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	kinds := []events.Kind{events.KindMessage, events.KindJob, events.KindJob, events.KindJob, events.KindJob, events.KindJob, "modem.state"}
	if len(all) != len(kinds) {
		t.Fatalf("%d events, want %d: %+v", len(all), len(kinds), all)
	}
	for i, e := range all {
		if e.Kind != kinds[i] || (i > 0 && e.Seq <= all[i-1].Seq) || !e.At.Equal(clk.Now()) {
			t.Fatalf("event %d: %+v", i, e)
		}
	}
	p, err := all[5].Decode()
	last, ok := p.(events.JobEvent)
	if err != nil || !ok || last.Job != m.Jobs[0].ID || last.State != store.Delivered.String() ||
		last.MessageState != string(store.MessageActive) || last.PagesConfirmed != 1 || all[5].Job != m.Jobs[0].ID {
		t.Fatalf("job event %s %+v %v", all[5].Payload, p, err)
	}
	p, err = all[0].Decode()
	if msg, ok := p.(events.MessageEvent); err != nil || !ok || msg.Message != m.ID || len(msg.Jobs) != 2 ||
		msg.State != string(store.MessageActive) {
		t.Fatalf("message event %s %+v %v", all[0].Payload, p, err)
	}
	if p, err := all[6].Decode(); err != nil || p.Kind() != "modem.state" {
		t.Fatalf("an event of the caller's own kind: %+v %v", p, err)
	}
	// Resume in pages of two from where a client left off.
	var resumed []store.Event
	for seq := int64(0); ; {
		page, err := s.EventsSince(ctx, seq, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		resumed = append(resumed, page...)
		seq = page[len(page)-1].Seq
	}
	if len(resumed) != len(all) || resumed[3].Seq != all[3].Seq {
		t.Fatalf("resumed %d events", len(resumed))
	}
	// Pruning keeps sequence numbers growing: they are never reused.
	top := all[len(all)-1].Seq
	clk.Advance(time.Hour)
	if n, err := s.PruneEvents(ctx, clk.Now()); err != nil || n != int64(len(all)) {
		t.Fatal(n, err)
	}
	e, err := s.AppendEvent(ctx, "x", 0, json.RawMessage(`{"a":1}`))
	if err != nil || e.Seq <= top {
		t.Fatalf("seq after prune %d, before %d: %v", e.Seq, top, err)
	}
	if _, err := s.AppendEvent(ctx, "x", 0, json.RawMessage(`{`)); err == nil {
		t.Fatal("bad JSON accepted")
	}
	if _, err := s.AppendEvent(ctx, "", 0, nil); err == nil {
		t.Fatal("empty kind accepted")
	}
}
