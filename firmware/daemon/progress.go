package daemon

import (
	"sync"

	"faxbox/t30"
)

// pageProgress records a call's progress within a page in the background:
// the engine reports it while the modem takes a page's data (phase C),
// where a write to the database on the call's goroutine could hold the
// data up and underrun the modem. Only the latest report is kept; one
// goroutine at a time writes, and ends when nothing is pending. A report
// that arrives after the attempt ended fails harmlessly.
type pageProgress struct {
	mu      sync.Mutex
	pending *t30.PageProgress
	writing bool
}

// record hands e to write in the background, replacing a report not yet
// written.
func (p *pageProgress) record(e t30.PageProgress, write func(t30.PageProgress)) {
	p.mu.Lock()
	p.pending = &e
	busy := p.writing
	p.writing = true
	p.mu.Unlock()
	if busy {
		return
	}
	go func() {
		for {
			p.mu.Lock()
			next := p.pending
			p.pending = nil
			if next == nil {
				p.writing = false
				p.mu.Unlock()
				return
			}
			p.mu.Unlock()
			write(*next)
		}
	}()
}
