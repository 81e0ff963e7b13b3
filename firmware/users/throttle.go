package users

import (
	"sync"
	"time"
)

// ThrottlePolicy says how failed logins for one key (an account name, a
// client address) are slowed down: Free failures cost nothing, each
// further one makes the key wait Base, then twice as long each time, up to
// Max (the lockout). A key that has not failed for Window starts afresh.
type ThrottlePolicy struct {
	Free   int
	Base   time.Duration
	Max    time.Duration
	Window time.Duration
}

// defaultThrottles are the default policies: an account name is slowed
// down after 3 failures (1 s, 2 s, 4 s, ... up to a 15-minute lockout), a
// client address, which may try many names, after 10. Both forget after an
// hour without failures.
func defaultThrottles() (name, addr ThrottlePolicy) {
	name = ThrottlePolicy{Free: 3, Base: time.Second, Max: 15 * time.Minute, Window: time.Hour}
	addr = name
	addr.Free = 10
	return name, addr
}

// maxThrottleKeys bounds the memory of a throttle: past it, keys whose
// window has passed are forgotten at the next failure.
const maxThrottleKeys = 4096

// throttle counts failed logins per account name and per client address.
// It lives in memory: a restart forgives, which costs an attacker a
// restart of the appliance per round.
type throttle struct {
	mu    sync.Mutex
	names limiter
	addrs limiter
}

type limiter struct {
	policy ThrottlePolicy
	keys   map[string]*failures
}

type failures struct {
	n     int
	last  time.Time
	until time.Time // no attempt is heard before
}

func newThrottle(names, addrs ThrottlePolicy) *throttle {
	return &throttle{
		names: limiter{policy: names, keys: map[string]*failures{}},
		addrs: limiter{policy: addrs, keys: map[string]*failures{}},
	}
}

// check returns a *ThrottleError if name or addr must still wait.
func (t *throttle) check(name, addr string, now time.Time) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	wait := max(t.names.wait(name, now), t.addrs.wait(addr, now))
	if wait > 0 {
		return &ThrottleError{RetryAfter: wait}
	}
	return nil
}

// fail records a failed login.
func (t *throttle) fail(name, addr string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.names.fail(name, now)
	t.addrs.fail(addr, now)
}

// succeed forgets the failures of name (not those of the address: one
// good account must not reset the count of an address guessing others).
func (t *throttle) succeed(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.names.keys, name)
}

func (l *limiter) wait(key string, now time.Time) time.Duration {
	f := l.keys[key]
	if f == nil || !now.Before(f.until) {
		return 0
	}
	return f.until.Sub(now)
}

func (l *limiter) fail(key string, now time.Time) {
	if len(l.keys) >= maxThrottleKeys {
		for k, f := range l.keys {
			if now.Sub(f.last) >= l.policy.Window {
				delete(l.keys, k)
			}
		}
	}
	f := l.keys[key]
	if f == nil || now.Sub(f.last) >= l.policy.Window {
		f = &failures{}
		l.keys[key] = f
	}
	f.n++
	f.last = now
	if extra := f.n - l.policy.Free; extra > 0 {
		d := l.policy.Max
		if extra <= 30 {
			d = min(l.policy.Base<<(extra-1), l.policy.Max)
		}
		f.until = now.Add(d)
	}
}
