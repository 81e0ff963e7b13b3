package mailgw_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"faxbox/firmware/mailgw"
)

// TestSeenOnce: the same sender's Message-ID is submitted once, also when
// the copies arrive together and after a reopen; another sender's or a
// mail without Message-ID is submitted; a failed submission is not
// remembered.
func TestSeenOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "faxbox.db")
	s, err := mailgw.OpenSeen(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	submitted := 0
	submit := func() (mailgw.Receipt, error) {
		mu.Lock()
		defer mu.Unlock()
		submitted++
		return mailgw.Receipt{Message: int64(submitted), Pages: 2, Estimate: "0.40 EUR"}, nil
	}
	alice := mailgw.Submission{Sender: mailgw.Account{ID: 1}, MessageID: "a@example.com"}
	var wg sync.WaitGroup
	dups := make(chan error, 5)
	for range 5 {
		wg.Go(func() {
			_, err := s.Once(ctx, alice, submit)
			dups <- err
		})
	}
	wg.Wait()
	close(dups)
	n := 0
	for err := range dups {
		if errors.Is(err, mailgw.ErrDuplicate) {
			n++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if submitted != 1 || n != 4 {
		t.Fatalf("5 copies at once: %d submitted, %d answered as duplicates; want 1 and 4", submitted, n)
	}
	s.Close()
	if s, err = mailgw.OpenSeen(ctx, path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, err := s.Once(ctx, alice, submit)
	if !errors.Is(err, mailgw.ErrDuplicate) || r.Message != 1 || r.Pages != 2 || r.Estimate != "0.40 EUR" {
		t.Fatalf("after reopening: %+v, %v; want the first receipt as a duplicate", r, err)
	}
	bob := mailgw.Submission{Sender: mailgw.Account{ID: 2}, MessageID: "a@example.com"}
	if _, err := s.Once(ctx, bob, submit); err != nil || submitted != 2 {
		t.Fatalf("another sender, same Message-ID: %v, %d submitted", err, submitted)
	}
	noID := mailgw.Submission{Sender: mailgw.Account{ID: 1}}
	for range 2 {
		if _, err := s.Once(ctx, noID, submit); err != nil {
			t.Fatal(err)
		}
	}
	if submitted != 4 {
		t.Fatalf("mails without a Message-ID: %d submitted in all, want 4", submitted)
	}
	fail := errors.New("no credit")
	carol := mailgw.Submission{Sender: mailgw.Account{ID: 3}, MessageID: "c@example.com"}
	if _, err := s.Once(ctx, carol, func() (mailgw.Receipt, error) { return mailgw.Receipt{}, fail }); err != fail {
		t.Fatalf("a failed submission: %v", err)
	}
	if _, err := s.Once(ctx, carol, submit); err != nil || submitted != 5 {
		t.Fatalf("the same mail after a failure: %v, %d submitted; want it queued", err, submitted)
	}
}
