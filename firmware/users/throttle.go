package users

import (
	"net/netip"
	"sync"
	"time"
)

// ThrottlePolicy says how failed logins for one key (an account name
// from one client address, a client address) are slowed down: Free failures cost nothing, each
// further one makes the key wait Base, then twice as long each time, up to
// Max (the lockout). A key that has not failed for Window starts afresh.
type ThrottlePolicy struct {
	Free   int
	Base   time.Duration
	Max    time.Duration
	Window time.Duration
}

// defaultThrottles are the default policies: an account name tried from
// one client address is slowed down after 3 failures (1 s, 2 s, 4 s, ...
// up to a 15-minute lockout), a client address, which may try many names,
// after 10. Both forget after an hour without failures.
func defaultThrottles() (name, addr ThrottlePolicy) {
	name = ThrottlePolicy{Free: 3, Base: time.Second, Max: 15 * time.Minute, Window: time.Hour}
	addr = name
	addr.Free = 10
	return name, addr
}

// maxThrottleKeys bounds the memory of a throttle: past it, keys whose
// window has passed are forgotten at the next failure.
const maxThrottleKeys = 4096

// throttle counts failed logins per account name and client address
// together, and per client address. A name is never counted alone: then
// anyone could lock a colleague out of every client by failing as them
// from one. It lives in memory: a restart forgives, which costs an
// attacker a restart of the appliance per round.
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
	addr = addrKey(addr)
	wait := max(t.names.wait(nameAt(name, addr), now), t.addrs.wait(addr, now))
	if wait > 0 {
		return &ThrottleError{RetryAfter: wait}
	}
	return nil
}

// fail records a failed login.
func (t *throttle) fail(name, addr string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	addr = addrKey(addr)
	t.names.fail(nameAt(name, addr), now)
	t.addrs.fail(addr, now)
}

// succeed forgets the failures of name at addr (not those of the
// address: one good account must not reset the count of an address
// guessing others).
func (t *throttle) succeed(name, addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.names.keys, nameAt(name, addrKey(addr)))
}

// addrKey is the key of a client address: an IPv6 address counts as its
// /64, which one machine may draw addresses from at will (RFC 8981);
// anything else as it is.
func addrKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil || !a.Unmap().Is6() {
		return addr
	}
	return netip.PrefixFrom(a, 64).Masked().String()
}

// nameAt is the key of an account name tried from a client address.
func nameAt(name, addr string) string { return name + "\x00" + addr }

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
