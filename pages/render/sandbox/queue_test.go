package sandbox

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
)

// TestQueueRoundRobin: with one slot, a user who queued several jobs
// first is served in turn with a colleague who queued one later, not
// ahead of them.
func TestQueueRoundRobin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := newQueue(1, 8)
		ctx := context.Background()
		first, err := q.acquire(ctx, "alice")
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var order []string
		var releases = make(chan func(), 8)
		queue := func(user, tag string) {
			go func() {
				rel, err := q.acquire(ctx, user)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				order = append(order, tag)
				mu.Unlock()
				releases <- rel
			}()
			synctest.Wait() // queued in this order
		}
		for _, tag := range []string{"a2", "a3", "a4"} {
			queue("alice", tag)
		}
		queue("bob", "b1")
		queue("carol", "c1")
		first()
		for range 5 {
			synctest.Wait()
			(<-releases)()
		}
		if want := []string{"a2", "b1", "c1", "a3", "a4"}; !slices.Equal(order, want) {
			t.Errorf("served %v, want %v", order, want)
		}
	})
}

// TestQueueBusyAndCancel: a user over the cap is refused at once; a
// waiter that gives up leaves the line without taking a slot.
func TestQueueBusyAndCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := newQueue(1, 2)
		rel, _ := q.acquire(context.Background(), "alice")
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() {
			_, err := q.acquire(ctx, "alice")
			done <- err
		}()
		synctest.Wait()
		if _, err := q.acquire(context.Background(), "alice"); !errors.Is(err, ErrBusy) {
			t.Errorf("third job of a user allowed two: %v", err)
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled waiter: %v", err)
		}
		rel()
		rel2, err := q.acquire(context.Background(), "bob")
		if err != nil {
			t.Fatalf("the slot after a cancelled waiter: %v", err)
		}
		rel2()
		if q.free != 1 || len(q.held) != 0 || len(q.turn) != 0 {
			t.Errorf("queue left with free %d, held %v, turn %v", q.free, q.held, q.turn)
		}
	})
}
