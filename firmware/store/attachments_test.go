package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"faxbox/firmware/store"
)

// The files a message was submitted with, kept beside its pages, stay
// while the message does; those of a message that is gone are swept.
func TestSweepKeepsAttachmentsOfStoredMessages(t *testing.T) {
	clk := newClock()
	s := open(t, testConfig(t, clk))
	dir := s.Dir()
	sendMessage(t, s, files(t, s, "messages/m1/r1", 1, 10))
	old := time.Now().Add(-48 * time.Hour)
	for _, p := range []string{"messages/m1/attachments/1", "messages/m1/attachments/manifest.json", "messages/gone/attachments/1"} {
		writeRaw(t, filepath.Join(dir, p), 10)
		if err := os.Chtimes(filepath.Join(dir, p), old, old); err != nil {
			t.Fatal(err)
		}
	}
	res, err := s.Sweep(context.Background(), store.SweepOptions{Before: time.Now().Add(-24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Files != 1 {
		t.Errorf("sweep = %+v, want 1 file", res)
	}
	for p, want := range map[string]bool{"messages/m1/attachments/1": true, "messages/m1/attachments/manifest.json": true,
		"messages/gone/attachments/1": false} {
		if got := exists(t, filepath.Join(dir, p)); got != want {
			t.Errorf("%s exists = %v, want %v", p, got, want)
		}
	}
}
