package store_test

import (
	"context"
	"fmt"
	"testing"

	"faxbox/firmware/store"
)

// BenchmarkCreateMessage measures jobs queued: one message to three
// recipients (three jobs) per iteration, one immediate transaction with
// synchronous=FULL on a real file.
func BenchmarkCreateMessage(b *testing.B) {
	ctx := context.Background()
	clk := newClock()
	s := open(b, testConfig(b, clk))
	u, _ := s.CreateUser(ctx, "alice")
	m := store.NewMessage{Sender: u.ID, Subject: "Invoice", Body: "Please find attached.", Pages: pages(3)}
	for i := range 3 {
		m.Recipients = append(m.Recipients, store.Recipient{Field: store.Field(i + 1), Number: fmt.Sprintf("+322555100%d", i)})
	}
	for b.Loop() {
		if _, err := s.CreateMessage(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(3*b.N)/b.Elapsed().Seconds(), "jobs/s")
}

// BenchmarkClaimAndFinish measures one one-page call's bookkeeping:
// NextJob, StartAttempt, RecordConnected, RecordPageConfirmed,
// FinishAttempt.
func BenchmarkClaimAndFinish(b *testing.B) {
	ctx := context.Background()
	clk := newClock()
	s := open(b, testConfig(b, clk))
	for b.Loop() {
		b.StopTimer()
		newMessage(b, s, 1, 1)
		b.StartTimer()
		j, _, _ := s.NextJob(ctx, clk.Now())
		a, _ := s.StartAttempt(ctx, j.ID, "m0")
		s.RecordConnected(ctx, a.ID, store.Params{})
		s.RecordPageConfirmed(ctx, a.ID, 1)
		if _, err := s.FinishAttempt(ctx, a.ID, store.Outcome{Next: store.Delivered}); err != nil {
			b.Fatal(err)
		}
	}
}
