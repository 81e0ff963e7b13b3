package supervisor_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"faxbox/firmware/supervisor"
)

// journal records what the fake services do, in order.
type journal struct {
	mu     sync.Mutex
	events []string
}

func (j *journal) add(e string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.events = append(j.events, e)
}

func (j *journal) get() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.events)
}

// fake is a service that records its starts and stops and, for each run,
// returns what the test sends on fail (nil: ctx ended first).
type fake struct {
	name string
	j    *journal
	fail chan error
	// panicWith, if set, makes each run panic with it.
	panicWith any
	// stubborn makes Run ignore ctx and return only when released.
	stubborn chan struct{}
}

func newFake(name string, j *journal) *fake {
	return &fake{name: name, j: j, fail: make(chan error)}
}

func (f *fake) Run(ctx context.Context) error {
	f.j.add("start " + f.name)
	if f.panicWith != nil {
		panic(f.panicWith)
	}
	if f.stubborn != nil {
		<-f.stubborn
		f.j.add("stop " + f.name)
		return nil
	}
	select {
	case err := <-f.fail:
		f.j.add("fail " + f.name)
		return err
	case <-ctx.Done():
		f.j.add("stop " + f.name)
		return nil
	}
}

func mustNew(t *testing.T, cfg supervisor.Config) *supervisor.Supervisor {
	t.Helper()
	s, err := supervisor.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// run starts s in the bubble and returns the channel of Run's result.
func run(ctx context.Context, s *supervisor.Supervisor) <-chan error {
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	return done
}

// TestOrder: services start in the order given and stop in reverse, each
// after the one started after it has returned; Run returns nil.
func TestOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j := &journal{}
		a, b, c := newFake("a", j), newFake("b", j), newFake("c", j)
		s := mustNew(t, supervisor.Config{Services: []supervisor.Spec{
			{Name: "a", Service: a, Policy: supervisor.Essential},
			{Name: "b", Service: b},
			{Name: "c", Service: c}}})
		ctx, cancel := context.WithCancel(t.Context())
		done := run(ctx, s)
		synctest.Wait()
		got := j.get()
		slices.Sort(got) // they start in order but run concurrently
		if want := []string{"start a", "start b", "start c"}; !slices.Equal(got, want) {
			t.Fatalf("after start: %v, want %v", got, want)
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run after cancel: %v", err)
		}
		if got, want := j.get()[3:], []string{"stop c", "stop b", "stop a"}; !slices.Equal(got, want) {
			t.Errorf("stops: %v, want %v", got, want)
		}
	})
}

// TestRestartBackoff: a failing Restart service runs again after 1 s,
// then 2 s, 4 s, capped at MaxBackoff; a long run resets the back-off;
// the others keep running throughout.
func TestRestartBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j := &journal{}
		flaky, steady := newFake("flaky", j), newFake("steady", j)
		s := mustNew(t, supervisor.Config{MinBackoff: time.Second, MaxBackoff: 4 * time.Second, Services: []supervisor.Spec{
			{Name: "steady", Service: steady, Policy: supervisor.Essential},
			{Name: "flaky", Service: flaky, Policy: supervisor.Restart}}})
		ctx, cancel := context.WithCancel(t.Context())
		done := run(ctx, s)
		synctest.Wait()

		starts := func() int {
			n := 0
			for _, e := range j.get() {
				if e == "start flaky" {
					n++
				}
			}
			return n
		}
		// fail, then check the restart comes after exactly want.
		failAndWait := func(want time.Duration) {
			t.Helper()
			n := starts()
			flaky.fail <- errors.New("boom")
			synctest.Wait()
			time.Sleep(want - time.Millisecond)
			synctest.Wait()
			if starts() != n {
				t.Fatalf("restarted before %v", want)
			}
			time.Sleep(time.Millisecond)
			synctest.Wait()
			if starts() != n+1 {
				t.Fatalf("not restarted after %v", want)
			}
		}
		failAndWait(1 * time.Second)
		failAndWait(2 * time.Second)
		failAndWait(4 * time.Second)
		failAndWait(4 * time.Second) // capped
		time.Sleep(4 * time.Second)  // a run as long as MaxBackoff
		failAndWait(1 * time.Second) // starts the count again
		flaky.fail <- nil            // nil before ctx ended is a failure too
		synctest.Wait()
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if starts() != 7 {
			t.Errorf("a service that returned nil on its own: %d starts, want 7", starts())
		}

		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		got := j.get()
		if slices.Contains(got, "fail steady") || slices.Index(got, "stop steady") != len(got)-1 {
			t.Errorf("the steady service was disturbed: %v", got)
		}
		if n := len(slices.DeleteFunc(got, func(e string) bool { return e != "start steady" })); n != 1 {
			t.Errorf("the steady service started %d times, want once", n)
		}
	})
}

// TestStopDuringBackoff: stopping while a service waits to restart does
// not wait for the back-off, nor start it again.
func TestStopDuringBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j := &journal{}
		f := newFake("f", j)
		s := mustNew(t, supervisor.Config{MinBackoff: time.Hour, Services: []supervisor.Spec{{Name: "f", Service: f}}})
		ctx, cancel := context.WithCancel(t.Context())
		done := run(ctx, s)
		synctest.Wait()
		f.fail <- errors.New("boom")
		synctest.Wait()
		start := time.Now()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("stop took %v of fake time, want none", d)
		}
		if got, want := j.get(), []string{"start f", "fail f"}; !slices.Equal(got, want) {
			t.Errorf("journal %v, want %v", got, want)
		}
	})
}

// TestEssentialFailure: an essential service's failure stops every
// service in reverse order and is what Run returns, named.
func TestEssentialFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j := &journal{}
		a, pool, c := newFake("a", j), newFake("pool", j), newFake("c", j)
		s := mustNew(t, supervisor.Config{Services: []supervisor.Spec{
			{Name: "a", Service: a}, {Name: "pool", Service: pool, Policy: supervisor.Essential}, {Name: "c", Service: c}}})
		done := run(t.Context(), s)
		synctest.Wait()
		boom := errors.New("database gone")
		pool.fail <- boom
		err := <-done
		var se *supervisor.ServiceError
		if !errors.As(err, &se) || se.Name != "pool" || !errors.Is(err, boom) {
			t.Fatalf("Run: %v, want a ServiceError of pool wrapping %v", err, boom)
		}
		if got, want := j.get()[3:], []string{"fail pool", "stop c", "stop a"}; !slices.Equal(got, want) {
			t.Errorf("after the failure: %v, want %v", got, want)
		}
	})
}

// TestPanic: a panicking service is a failure like an error: restarted
// under Restart, fatal and reported as a *PanicError under Essential.
func TestPanic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j := &journal{}
		p := newFake("p", j)
		p.panicWith = "nil map"
		s := mustNew(t, supervisor.Config{Services: []supervisor.Spec{{Name: "p", Service: p, Policy: supervisor.Essential}}})
		err := <-run(t.Context(), s)
		var pe *supervisor.PanicError
		if !errors.As(err, &pe) || pe.Value != "nil map" || len(pe.Stack) == 0 {
			t.Fatalf("Run: %v, want a PanicError with the value and a stack", err)
		}

		r := newFake("r", j)
		r.panicWith = "again"
		s = mustNew(t, supervisor.Config{MinBackoff: time.Second, Services: []supervisor.Spec{{Name: "r", Service: r}}})
		ctx, cancel := context.WithCancel(t.Context())
		done := run(ctx, s)
		time.Sleep(3*time.Second + time.Millisecond) // runs at 0, 1 s and 3 s
		synctest.Wait()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		n := 0
		for _, e := range j.get() {
			if e == "start r" {
				n++
			}
		}
		if n != 3 {
			t.Errorf("a panicking Restart service ran %d times in 3 s, want 3", n)
		}
	})
}

// TestStopTimeout: a service that ignores its stop is left behind after
// StopTimeout, reported, and the services before it still stop.
func TestStopTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j := &journal{}
		a, stuck := newFake("a", j), newFake("stuck", j)
		stuck.stubborn = make(chan struct{})
		s := mustNew(t, supervisor.Config{StopTimeout: 5 * time.Second, Services: []supervisor.Spec{
			{Name: "a", Service: a}, {Name: "stuck", Service: stuck}}})
		ctx, cancel := context.WithCancel(t.Context())
		done := run(ctx, s)
		synctest.Wait()
		start := time.Now()
		cancel()
		err := <-done
		if !errors.Is(err, supervisor.ErrStopTimeout) || time.Since(start) != 5*time.Second {
			t.Errorf("Run: %v after %v, want ErrStopTimeout after 5s", err, time.Since(start))
		}
		if got := j.get(); got[len(got)-1] != "stop a" {
			t.Errorf("journal %v: a was not stopped", got)
		}
		close(stuck.stubborn)
	})
}

func TestNewRefuses(t *testing.T) {
	j := &journal{}
	for _, cfg := range []supervisor.Config{
		{Services: []supervisor.Spec{{Name: "", Service: newFake("x", j)}}},
		{Services: []supervisor.Spec{{Name: "x"}}},
		{Services: []supervisor.Spec{{Name: "x", Service: newFake("x", j)}, {Name: "x", Service: newFake("x", j)}}},
	} {
		if _, err := supervisor.New(cfg); err == nil {
			t.Errorf("New(%+v): no error", cfg)
		}
	}
}
