package billing_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"faxbox/firmware/billing"
)

// modemSim is one simulated modem of the property test.
type modemSim struct {
	call      string
	hold      billing.Hold
	answered  bool
	connected time.Duration // metered so far
	persisted time.Duration // last value given to Progress
	reported  bool          // Progress was called: the ledger knows it was answered
}

// TestPropertyInterleavings runs random interleavings of top-ups, calls on
// four modems (begin, progress, settle, repeated settles) and crashes
// (the database is closed mid-sequence, reopened and recovered) and checks
// after every step that available credit is never negative, that every
// answered call is charged exactly once with the tariff's cost of its
// metered (or, after a crash, persisted) duration, and that the balance
// equals the sum of the ledger.
func TestPropertyInterleavings(t *testing.T) {
	seeds := 12
	steps := 400
	if testing.Short() {
		seeds, steps = 3, 150
	}
	for seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { runInterleaving(t, uint64(seed), steps) })
	}
}

func runInterleaving(t *testing.T, seed uint64, steps int) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 99))
	clk := newClock()
	cfg := testConfig(t, clk)
	cfg.MinAvailable = billing.Amount(rng.Int64N(3)) * 5 * billing.Unit // 0 (default 10), 5 or 10
	if cfg.MinAvailable == 0 {
		cfg.MinAvailable = -1
	}
	l, err := billing.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { l.Close() }()
	destinations := []string{"+3225551212", "+32470123456", "+12125550123", "+81312345678", "+870773111111", "+4930123456"}
	modems := make([]modemSim, 4)
	var (
		balance  billing.Amount // the model
		charged  = map[string]billing.Amount{}
		settled  = map[string]bool{}
		nextCall int
	)
	settle := func(m *modemSim, answered bool, d time.Duration) {
		s, err := l.Settle(ctx, m.call, answered, d)
		if err != nil {
			t.Fatalf("settle %s: %v", m.call, err)
		}
		want := billing.Amount(0)
		if answered {
			want = m.hold.Rate.Cost(d)
		}
		if s.Charge != want || s.Capped || s.Replayed || settled[m.call] {
			t.Fatalf("settle %s after %v: %+v, want charge %d (hold %+v)", m.call, d, s, want, m.hold)
		}
		settled[m.call], charged[m.call] = true, s.Charge
		balance -= s.Charge
		*m = modemSim{}
	}
	for step := range steps {
		clk.Advance(time.Duration(rng.IntN(5000)) * time.Millisecond)
		m := &modems[rng.IntN(len(modems))]
		switch op := rng.IntN(20); {
		case op < 3: // top-up
			a := billing.Amount(rng.Int64N(2000)+1) * 10_000
			if _, err := l.TopUp(ctx, a, "admin", "property"); err != nil {
				t.Fatal(err)
			}
			balance += a
		case op < 4: // crash: reopen and recover
			l.Close()
			if l, err = billing.Open(ctx, cfg); err != nil {
				t.Fatal(err)
			}
			rec, err := l.Recover(ctx)
			if err != nil {
				t.Fatal(err)
			}
			byCall := map[string]billing.Settlement{}
			for _, s := range rec {
				byCall[s.Call] = s
			}
			for i := range modems {
				mm := &modems[i]
				if mm.call == "" {
					continue
				}
				s, ok := byCall[mm.call]
				want := billing.Amount(0)
				if mm.reported {
					want = mm.hold.Rate.Cost(mm.persisted)
				}
				if !ok || s.Charge != want || s.Duration != mm.persisted {
					t.Fatalf("recover %s: %+v (found %v), want %d for %v", mm.call, s, ok, want, mm.persisted)
				}
				settled[mm.call], charged[mm.call] = true, s.Charge
				balance -= s.Charge
				*mm = modemSim{}
			}
			if len(rec) != len(byCall) {
				t.Fatal("a call recovered twice")
			}
		case op < 5: // settle a settled call again: nothing changes
			for id := range settled {
				s, err := l.Settle(ctx, id, true, time.Hour)
				if err != nil || !s.Replayed || s.Charge != charged[id] {
					t.Fatalf("replayed settle %s: %+v %v", id, s, err)
				}
				break
			}
		case m.call == "": // dial
			nextCall++
			id := fmt.Sprintf("s%d-c%d", seed, nextCall)
			h, err := l.BeginCall(ctx, billing.CallRequest{ID: id, Job: "j" + id, User: []string{"alice", "bob"}[rng.IntN(2)],
				Number: destinations[rng.IntN(len(destinations))], Pages: rng.IntN(20) + 1})
			if errors.Is(err, billing.ErrInsufficientCredit) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			*m = modemSim{call: id, hold: h}
		case !m.answered && op < 8: // no answer / busy
			settle(m, false, 0)
		case op < 15: // connected time passes, capped at the deadline
			m.answered = true
			m.connected = min(m.connected+time.Duration(rng.IntN(90_000))*time.Millisecond, m.hold.Deadline)
			if rng.IntN(3) > 0 {
				if err := l.Progress(ctx, m.call, m.connected); err != nil {
					t.Fatal(err)
				}
				m.persisted, m.reported = m.connected.Truncate(time.Millisecond), true
			}
		default: // hang up; the hang-up takes up to 3 s past the metered time
			d := m.connected + time.Duration(rng.IntN(3000))*time.Millisecond
			if m.answered && m.connected >= m.hold.Deadline && rng.IntN(2) == 0 {
				if h, err := l.Extend(ctx, m.call); err == nil {
					m.hold.Deadline, m.hold.Amount = h.Deadline, h.Amount
					continue
				}
			}
			settle(m, m.answered, d.Truncate(time.Millisecond))
		}
		a, err := l.Account(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if a.Available < 0 || a.Balance != balance {
			t.Fatalf("step %d: %+v, model balance %d", step, a, balance)
		}
		if step%25 == 0 {
			mustCheck(t, l)
		}
	}
	mustCheck(t, l)
	entries, err := l.Entries(ctx, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	charges := map[string]int{}
	var sum billing.Amount
	for _, e := range entries {
		if e.Kind == billing.KindCharge {
			charges[e.Call]++
			if -e.Amount != charged[e.Call] {
				t.Errorf("call %s: ledger charge %d, settled %d", e.Call, -e.Amount, charged[e.Call])
			}
		}
		if e.Kind != billing.KindHold && e.Kind != billing.KindRelease {
			sum += e.Amount
		}
	}
	for id, n := range charges {
		if n != 1 {
			t.Errorf("call %s charged %d times", id, n)
		}
	}
	if sum != balance {
		t.Errorf("sum of ledger %d, balance %d", sum, balance)
	}
}

// TestConcurrentModems runs eight modems on goroutines, half of them
// through a second Ledger on the same file (as a second process would),
// with top-ups arriving meanwhile: the CHECK constraints and immediate
// transactions keep available credit non-negative, and the charges add up.
func TestConcurrentModems(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	cfg := testConfig(t, clk)
	cfg.MinAvailable = -1
	a := open(t, cfg)
	b := open(t, cfg)
	if _, err := a.TopUp(ctx, eur("3"), "admin", ""); err != nil {
		t.Fatal(err)
	}
	var (
		mu      sync.Mutex
		charged billing.Amount
		topped  = eur("3")
		wg      sync.WaitGroup
	)
	calls := 25
	if testing.Short() {
		calls = 8
	}
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := a
			if w%2 == 1 {
				l = b
			}
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for i := range calls {
				id := fmt.Sprintf("m%d-%d", w, i)
				h, err := l.BeginCall(ctx, billing.CallRequest{ID: id, Number: "+3225551212", Pages: rng.IntN(10) + 1})
				if errors.Is(err, billing.ErrInsufficientCredit) {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				d := min(time.Duration(rng.IntN(600))*time.Second, h.Deadline)
				if err := l.Progress(ctx, id, d); err != nil {
					t.Error(err)
					return
				}
				s, err := l.Settle(ctx, id, true, d)
				if err != nil {
					t.Error(err)
					return
				}
				if s.Capped || s.Charge != h.Rate.Cost(d) || s.Charge > h.Amount {
					t.Errorf("%s: %+v for hold %+v", id, s, h)
				}
				mu.Lock()
				charged += s.Charge
				mu.Unlock()
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 20 {
			if _, err := b.TopUp(ctx, eur("0.50"), "admin", ""); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			topped += eur("0.50")
			mu.Unlock()
		}
	}()
	wg.Wait()
	mustCheck(t, a)
	acc, err := b.Account(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if acc.Balance != topped-charged || acc.Held != 0 || acc.Available < 0 {
		t.Errorf("%+v: topped %d charged %d", acc, topped, charged)
	}
}
