package sandbox

import (
	"context"
	"os"
	"sync"
	"time"
)

// pollEvery is how often the watchdog reads the child's resident memory.
const pollEvery = 50 * time.Millisecond

// watchdog kills a child that takes longer than its timeout between two
// frames, whose resident memory passes its limit, or whose caller gives
// up; cause says which.
type watchdog struct {
	mu     sync.Mutex
	why    error
	last   time.Time
	done   chan struct{}
	ended  sync.WaitGroup
	closed sync.Once
}

func watch(ctx context.Context, p *os.Process, mem int64, timeout time.Duration) *watchdog {
	w := &watchdog{last: time.Now(), done: make(chan struct{})}
	w.ended.Go(func() {
		t := time.NewTicker(pollEvery)
		defer t.Stop()
		for {
			select {
			case <-w.done:
				return
			case <-ctx.Done():
				w.kill(p, ctx.Err())
				return
			case <-t.C:
			}
			if n, ok := rss(p.Pid); ok && n > mem {
				w.kill(p, &Refusal{TooMuchMemory, "needed more than " + mib(mem) + " of memory to render"})
				return
			}
			w.mu.Lock()
			late := time.Since(w.last) > timeout
			w.mu.Unlock()
			if late {
				w.kill(p, &Refusal{TooSlow, "took longer than " + seconds(timeout) + " to render"})
				return
			}
		}
	})
	return w
}

func (w *watchdog) kill(p *os.Process, why error) {
	w.mu.Lock()
	w.why = why
	w.mu.Unlock()
	killGroup(p)
}

// progress restarts the timeout: the child has sent a frame.
func (w *watchdog) progress() {
	w.mu.Lock()
	w.last = time.Now()
	w.mu.Unlock()
}

// cause is why the watchdog killed the child, or nil.
func (w *watchdog) cause() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.why
}

// stop ends the watchdog and waits for it.
func (w *watchdog) stop() {
	w.closed.Do(func() { close(w.done) })
	w.ended.Wait()
}
