package store_test

import (
	"context"
	"testing"
	"time"

	"faxbox/firmware/store"
)

// TestMessageResolution: a message keeps the resolution it was rendered
// at ("" is standard, as every message before resolutions were kept), an
// unknown one is refused, and an attempt keeps the resolution it sent at
// and the pages whose rows were merged. A recipient keeps its estimate.
func TestMessageResolution(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := open(t, testConfig(t, clk))
	u, err := s.CreateUser(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	nm := store.NewMessage{Sender: u.ID, Subject: "Contract", Resolution: "fine",
		Recipients: []store.Recipient{{Field: store.To, Number: "+3225551212", Estimate: 120_000, EstimateTime: 42 * time.Second}}, Pages: pages(1)}
	m, err := s.CreateMessage(ctx, nm)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.GetMessage(ctx, m.ID)
	if err != nil || got.Resolution != "fine" || m.Resolution != "fine" || got.Jobs[0].Recipient.Estimate != 120_000 ||
		got.Jobs[0].Recipient.EstimateTime != 42*time.Second {
		t.Fatalf("got %q (created %q), %v", got.Resolution, m.Resolution, err)
	}
	nm.Resolution = ""
	m2, err := s.CreateMessage(ctx, nm)
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.ListMessages(ctx, store.ListOptions{})
	if err != nil || len(list) != 2 || list[0].ID != m2.ID || list[0].Resolution != "standard" || list[1].Resolution != "fine" {
		t.Fatalf("list %+v, %v", list, err)
	}
	nm.Resolution = "ultra"
	_, err = s.CreateMessage(ctx, nm)
	wantErr(t, err, store.ErrInvalid)

	j, a := claim(t, s, clk.Now(), "modem0")
	if err := s.RecordConnected(ctx, a.ID, store.Params{}); err != nil {
		t.Fatal(err)
	}
	p := store.Params{BitRate: 14400, Coding: "MMR", Resolution: "standard", MergedPages: 1}
	if _, err := s.RecordPageConfirmed(ctx, a.ID, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FinishAttempt(ctx, a.ID, store.Outcome{Next: store.Delivered, Params: &p}); err != nil {
		t.Fatal(err)
	}
	j, err = s.GetJob(ctx, j.ID)
	if err != nil || len(j.History) != 1 || j.History[0].Resolution != "standard" || j.History[0].MergedPages != 1 {
		t.Fatalf("job %+v, %v", j, err)
	}
}

// TestPageProgress: the progress within the page being sent is kept with
// the open attempt and shown with the job.
func TestPageProgress(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := open(t, testConfig(t, clk))
	newMessage(t, s, 1, 2)
	j, a := claim(t, s, clk.Now(), "modem0")
	if err := s.RecordConnected(ctx, a.ID, store.Params{}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordPageProgress(ctx, a.ID, 2, 8192, 30000); err != nil {
		t.Fatal(err)
	}
	j, err := s.GetJob(ctx, j.ID)
	if err != nil || len(j.History) != 1 {
		t.Fatalf("job %+v, %v", j, err)
	}
	if h := j.History[0]; h.PageInProgress != 2 || h.PageSent != 8192 || h.PageBytes != 30000 {
		t.Errorf("attempt %+v, want page 2: 8192 of 30000 bytes", h)
	}
}
