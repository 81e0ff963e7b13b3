package daemon

import (
	"sync"
	"testing"
	"time"

	"faxbox/t30"
)

// TestPageProgressLatest: reports handed over faster than they are
// written are not queued: the latest is written last, and record never
// waits for a write.
func TestPageProgressLatest(t *testing.T) {
	var p pageProgress
	var mu sync.Mutex
	var written []int
	release := make(chan struct{})
	write := func(e t30.PageProgress) {
		<-release
		mu.Lock()
		written = append(written, e.Sent)
		mu.Unlock()
	}
	// The writes wait for release: a record that waited for one would
	// never return.
	for i := 1; i <= 100; i++ {
		p.record(t30.PageProgress{Page: 1, Sent: i, Bytes: 100}, write)
	}
	close(release)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		p.mu.Lock()
		idle := !p.writing
		p.mu.Unlock()
		if idle {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the writer never ended")
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(written) > 2 || written[len(written)-1] != 100 {
		t.Errorf("written %v, want at most the first and the latest (100)", written)
	}
}
