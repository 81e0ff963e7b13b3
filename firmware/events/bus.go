package events

import (
	"slices"
	"sync"
)

// Bus carries payloads from publishers to subscribers in memory, in the
// order they were published. Publish never waits for a subscriber: each
// subscription queues up to its own bound, and one that falls further
// behind loses its queue and is told to resync (Subscription.Take), like a
// client of the store's log that finds a gap in the sequence numbers.
//
// A nil *Bus is a bus nobody listens on: Publish does nothing and its
// subscriptions never receive. Its methods are safe for concurrent use.
type Bus struct {
	mu   sync.Mutex
	subs []*Subscription
}

// NewBus returns a bus without subscribers.
func NewBus() *Bus { return &Bus{} }

// DefaultQueue is the queue bound of a subscription made with max 0.
const DefaultQueue = 256

// Publish hands p to every subscription to its kind, in order with what
// was published before, and returns without waiting for any.
func (b *Bus) Publish(p Payload) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range b.subs {
		if s.wants(p.Kind()) {
			s.put(p)
		}
	}
}

// Subscribe returns a subscription to the payloads of kinds (every kind
// when none is given) published from now on. At most max wait unread
// (DefaultQueue when max <= 0); Close it when done.
func (b *Bus) Subscribe(max int, kinds ...Kind) *Subscription {
	if max <= 0 {
		max = DefaultQueue
	}
	s := &Subscription{bus: b, kinds: slices.Clone(kinds), max: max, ready: make(chan struct{}, 1)}
	if b != nil {
		b.mu.Lock()
		b.subs = append(b.subs, s)
		b.mu.Unlock()
	}
	return s
}

// Subscription is one subscriber's queue.
type Subscription struct {
	bus   *Bus
	kinds []Kind
	max   int
	ready chan struct{} // holds a token while payloads or a resync wait

	mu     sync.Mutex
	queue  []Payload
	resync bool // the queue overflowed: what it held is lost
	closed bool
}

func (s *Subscription) wants(k Kind) bool {
	return len(s.kinds) == 0 || slices.Contains(s.kinds, k)
}

// put queues p, or on overflow drops the queue and flags a resync.
func (s *Subscription) put(p Payload) {
	s.mu.Lock()
	switch {
	case s.closed:
	case len(s.queue) >= s.max:
		s.queue, s.resync = append(s.queue[:0:0], p), true
	default:
		s.queue = append(s.queue, p)
	}
	s.mu.Unlock()
	select {
	case s.ready <- struct{}{}:
	default: // already signalled
	}
}

// Ready returns a channel that receives when Take has something: payloads,
// or a resync. Take after each receive; one receive may announce several
// payloads.
func (s *Subscription) Ready() <-chan struct{} { return s.ready }

// Take returns the payloads queued since the last Take, oldest first. When
// resync is true the subscription fell behind and payloads were lost
// before those returned: the subscriber must read the current state from
// its source (the pool's Status, the ledger's Account) instead of relying
// on the payloads it missed.
func (s *Subscription) Take() (ps []Payload, resync bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ps, resync = s.queue, s.resync
	s.queue, s.resync = nil, false
	return ps, resync
}

// Close ends the subscription: nothing more is queued for it. Closing
// twice does nothing.
func (s *Subscription) Close() {
	s.mu.Lock()
	already := s.closed
	s.closed, s.queue = true, nil
	s.mu.Unlock()
	if already || s.bus == nil {
		return
	}
	b := s.bus
	b.mu.Lock()
	b.subs = slices.DeleteFunc(b.subs, func(x *Subscription) bool { return x == s })
	b.mu.Unlock()
}
