package sandbox

import (
	"context"
	"sync"
)

// queue hands out a bounded number of slots, round robin between users:
// each time a slot frees, the user after the last one served who is
// waiting gets it, so one user's many jobs wait behind one job of each
// colleague rather than ahead of them all.
type queue struct {
	mu      sync.Mutex
	free    int
	maxUser int                  // jobs a user may have waiting or running
	held    map[string]int       // jobs waiting or running, by user
	waiting map[string][]*waiter // by user, in arrival order
	turn    []string             // users with waiters, the next to serve first
}

type waiter struct {
	ready   chan struct{}
	granted bool
}

func newQueue(slots, maxUser int) *queue {
	return &queue{free: slots, maxUser: maxUser, held: map[string]int{}, waiting: map[string][]*waiter{}}
}

// acquire waits for a slot for user; release gives it back. It returns
// ErrBusy at once when user already holds maxUser jobs.
func (q *queue) acquire(ctx context.Context, user string) (release func(), err error) {
	q.mu.Lock()
	if q.held[user] >= q.maxUser {
		q.mu.Unlock()
		return nil, ErrBusy
	}
	q.held[user]++
	release = sync.OnceFunc(func() { q.release(user) })
	if q.free > 0 && len(q.turn) == 0 {
		q.free--
		q.mu.Unlock()
		return release, nil
	}
	w := &waiter{ready: make(chan struct{})}
	if len(q.waiting[user]) == 0 {
		q.turn = append(q.turn, user)
	}
	q.waiting[user] = append(q.waiting[user], w)
	q.mu.Unlock()
	select {
	case <-w.ready:
		return release, nil
	case <-ctx.Done():
	}
	q.mu.Lock()
	if w.granted {
		q.mu.Unlock()
		release()
		return nil, ctx.Err()
	}
	q.remove(user, w)
	q.held[user]--
	if q.held[user] == 0 {
		delete(q.held, user)
	}
	q.mu.Unlock()
	return nil, ctx.Err()
}

// release frees user's slot and hands it to the next user in turn.
func (q *queue) release(user string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.held[user]--; q.held[user] <= 0 {
		delete(q.held, user)
	}
	q.free++
	for q.free > 0 && len(q.turn) > 0 {
		next := q.turn[0]
		q.turn = q.turn[1:]
		ws := q.waiting[next]
		w := ws[0]
		if len(ws) > 1 {
			q.waiting[next] = ws[1:]
			q.turn = append(q.turn, next) // back of the line
		} else {
			delete(q.waiting, next)
		}
		q.free--
		w.granted = true
		close(w.ready)
	}
}

// remove takes a waiter that gave up out of the queue.
func (q *queue) remove(user string, w *waiter) {
	ws := q.waiting[user]
	for i, x := range ws {
		if x == w {
			ws = append(ws[:i:i], ws[i+1:]...)
			break
		}
	}
	if len(ws) > 0 {
		q.waiting[user] = ws
		return
	}
	delete(q.waiting, user)
	for i, u := range q.turn {
		if u == user {
			q.turn = append(q.turn[:i:i], q.turn[i+1:]...)
			break
		}
	}
}
