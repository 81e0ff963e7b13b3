package sip

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRefreshDelay(t *testing.T) {
	for _, tc := range []struct{ exp, want time.Duration }{
		{30 * time.Second, 15 * time.Second},
		{120 * time.Second, 60 * time.Second},
		{600 * time.Second, 540 * time.Second},
		{3600 * time.Second, 3540 * time.Second},
	} {
		if got := refreshDelay(tc.exp); got != tc.want {
			t.Errorf("refreshDelay(%v) = %v, want %v", tc.exp, got, tc.want)
		}
	}
}

// TestRegister registers with sipp acting as a registrar that challenges
// every REGISTER: the first registration, a refresh when the injected wait
// for half the granted 30 s ends, and the removal when the context ends.
func TestRegister(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	sp := startSipp(t, "register", "")
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t)
	cfg.Registrar, cfg.PasswordFile = sp.addr(), pw
	password, err := cfg.ReadPassword()
	if err != nil {
		t.Fatal(err)
	}
	statuses := make(chan RegStatus, 4)
	waits := make(chan time.Duration, 4)
	fire := make(chan time.Time)
	tl := &traceLog{}
	stop, done := startRegister(ctx, t, cfg, Options{Password: password, Trace: tl.add,
		OnRegister: func(s RegStatus) { statuses <- s },
		After:      func(d time.Duration) <-chan time.Time { waits <- d; return fire }})

	for round := range 2 {
		st := <-statuses
		if !st.Registered || st.Expires != 30*time.Second || st.Err != nil || st.Next != 15*time.Second {
			t.Fatalf("round %d: status %+v", round, st)
		}
		if d := <-waits; d != 15*time.Second {
			t.Errorf("round %d: waits %v to refresh, want 15s", round, d)
		}
		if round == 0 {
			fire <- time.Now()
		}
	}
	stop() // unregister
	if err := <-done; err != nil {
		t.Errorf("Register = %v", err)
	}
	sp.wait(ctx)
	lines := strings.Join(tl.firstLines(), "\n")
	if n := strings.Count(lines, "> REGISTER "); n != 6 {
		t.Errorf("%d REGISTERs sent, want 6 (3 challenged, 3 with credentials):\n%s", n, lines)
	}
}

// TestRegisterWrongPassword checks that refused credentials are reported
// as ReasonAuth.
func TestRegisterWrongPassword(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	sp := startSipp(t, "register-refused", "")
	cfg := testConfig(t)
	cfg.Registrar, cfg.PasswordFile = sp.addr(), "unused"
	statuses := make(chan RegStatus, 1)
	stop, done := startRegister(ctx, t, cfg, Options{Password: "wrong",
		OnRegister: func(s RegStatus) { statuses <- s },
		After:      func(time.Duration) <-chan time.Time { return nil }})
	st := <-statuses
	if st.Registered || ReasonOf(st.Err) != ReasonAuth || st.Status != 403 || st.Next != regRetry {
		t.Errorf("status %+v, want 403 and %s", st, ReasonAuth)
	}
	stop()
	<-done
	sp.wait(ctx)
}

// startRegister runs Agent.Register until stop is called; done gives its
// result. The agent is closed, and checked for goroutines, at the end.
func startRegister(ctx context.Context, t *testing.T, cfg Config, opt Options) (stop func(), done <-chan error) {
	t.Helper()
	a, err := NewAgent(cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(); checkNoGoroutines(t) })
	rctx, cancel := context.WithCancel(ctx)
	ch := make(chan error, 1)
	go func() { ch <- a.Register(rctx) }()
	return cancel, ch
}
