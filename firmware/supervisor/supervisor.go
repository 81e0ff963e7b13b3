package supervisor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"
)

// Service is a long-running part of the appliance. Run returns once ctx
// ends, nil then; an earlier return (an error, or nil) is a failure that
// the service's [Policy] answers.
type Service interface {
	Run(ctx context.Context) error
}

// Func adapts a function to a [Service].
type Func func(ctx context.Context) error

// Run implements Service.
func (f Func) Run(ctx context.Context) error { return f(ctx) }

// Policy is what a service's failure means.
type Policy uint8

// Policies.
const (
	// Restart runs the service again after a back-off that doubles with
	// each failure in a row, from Config.MinBackoff to Config.MaxBackoff;
	// a run that lasted MaxBackoff or longer starts the count again.
	Restart Policy = iota
	// Essential stops the appliance: every service is stopped, and
	// Supervisor.Run returns the failure as a *ServiceError.
	Essential
)

// String returns the policy's name.
func (p Policy) String() string {
	switch p {
	case Restart:
		return "restart"
	case Essential:
		return "essential"
	}
	return fmt.Sprintf("Policy(%d)", uint8(p))
}

// Spec is one service as the supervisor runs it.
type Spec struct {
	Name    string // as logged and reported, "web server"
	Service Service
	Policy  Policy
}

// Defaults of Config.
const (
	DefaultMinBackoff  = time.Second
	DefaultMaxBackoff  = time.Minute
	DefaultStopTimeout = 30 * time.Second
)

// Config configures a Supervisor; zero durations take the defaults.
type Config struct {
	// Services in starting order; they stop in the reverse order.
	Services []Spec
	// MinBackoff and MaxBackoff bound the wait before a restart.
	MinBackoff, MaxBackoff time.Duration
	// StopTimeout is how long a service may take to return once asked to
	// stop; after it the supervisor gives up on it (its goroutine is left
	// behind), reports it in Run's error, and stops the next one.
	StopTimeout time.Duration
	// Logger receives failures, restarts and stops. Default: discard.
	Logger *slog.Logger
}

// ErrStopped is the failure of a service whose Run returned nil before it
// was asked to stop.
var ErrStopped = errors.New("supervisor: service stopped on its own")

// ErrStopTimeout is reported for a service that did not return within
// Config.StopTimeout of being asked to stop.
var ErrStopTimeout = errors.New("supervisor: service did not stop in time")

// ServiceError is the failure of a named service.
type ServiceError struct {
	Name string
	Err  error
}

func (e *ServiceError) Error() string { return e.Name + ": " + e.Err.Error() }

// Unwrap returns the service's error.
func (e *ServiceError) Unwrap() error { return e.Err }

// PanicError is the failure of a service whose Run panicked.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Supervisor runs services; see the package documentation.
type Supervisor struct {
	cfg Config
	log *slog.Logger
}

// New returns a supervisor of cfg.Services. It refuses a service without
// a name or a Service, and two with the same name.
func New(cfg Config) (*Supervisor, error) {
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = DefaultMinBackoff
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(DefaultMaxBackoff, cfg.MinBackoff)
	}
	if cfg.StopTimeout <= 0 {
		cfg.StopTimeout = DefaultStopTimeout
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	seen := map[string]bool{}
	for i, s := range cfg.Services {
		if s.Name == "" || s.Service == nil {
			return nil, fmt.Errorf("supervisor: service %d: a name and a Service are required", i)
		}
		if seen[s.Name] {
			return nil, fmt.Errorf("supervisor: service %q listed twice", s.Name)
		}
		seen[s.Name] = true
	}
	cfg.Services = append([]Spec(nil), cfg.Services...)
	return &Supervisor{cfg: cfg, log: log}, nil
}

// running is one started service.
type running struct {
	spec Spec
	stop context.CancelFunc
	done chan struct{}
}

// Run starts the services in order and supervises them until ctx ends or
// an essential service fails; then it stops them in reverse order. It
// returns nil after ctx ended and every service stopped in time, else the
// essential failure and the services that did not stop, joined.
func (s *Supervisor) Run(ctx context.Context) error {
	fatal := make(chan error, len(s.cfg.Services))
	var started []running
	for _, spec := range s.cfg.Services {
		sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
		r := running{spec: spec, stop: stop, done: make(chan struct{})}
		go func() {
			defer close(r.done)
			s.supervise(sctx, spec, fatal)
		}()
		started = append(started, r)
	}
	var err error
	select {
	case <-ctx.Done():
		s.log.Info("stopping", "services", len(started))
	case err = <-fatal:
		s.log.Error("stopping: an essential service failed", "err", err)
	}
	return errors.Join(err, s.stopAll(started))
}

// stopAll stops the started services, the last started first.
func (s *Supervisor) stopAll(started []running) error {
	var errs []error
	for i := len(started) - 1; i >= 0; i-- {
		r := started[i]
		r.stop()
		t := time.NewTimer(s.cfg.StopTimeout)
		select {
		case <-r.done:
			s.log.Debug("service stopped", "service", r.spec.Name)
		case <-t.C:
			s.log.Error("service did not stop in time; left behind", "service", r.spec.Name, "timeout", s.cfg.StopTimeout)
			errs = append(errs, &ServiceError{Name: r.spec.Name, Err: ErrStopTimeout})
		}
		t.Stop()
	}
	return errors.Join(errs...)
}

// supervise runs spec until ctx ends, answering each failure; an
// essential one goes to fatal and ends it.
func (s *Supervisor) supervise(ctx context.Context, spec Spec, fatal chan<- error) {
	failures := 0
	for {
		began := time.Now()
		err := runOnce(ctx, spec.Service)
		if ctx.Err() != nil {
			if err != nil {
				s.log.Warn("service stopped with an error", "service", spec.Name, "err", err)
			}
			return
		}
		if err == nil {
			err = ErrStopped
		}
		ran := time.Since(began)
		if ran >= s.cfg.MaxBackoff {
			failures = 0
		}
		failures++
		wait, restart := s.decide(spec, err, failures)
		if !restart {
			fatal <- &ServiceError{Name: spec.Name, Err: err}
			return
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// decide is the one place that says what a service's failure means: the
// wait before it runs again, or no restart (the appliance stops). It logs
// the failure.
func (s *Supervisor) decide(spec Spec, err error, failures int) (wait time.Duration, restart bool) {
	var pe *PanicError
	if errors.As(err, &pe) {
		s.log.Error("service panicked", "service", spec.Name, "panic", pe.Value, "stack", string(pe.Stack))
	}
	if spec.Policy == Essential {
		return 0, false
	}
	wait = s.cfg.MinBackoff
	for range failures - 1 {
		if wait >= s.cfg.MaxBackoff/2 {
			wait = s.cfg.MaxBackoff
			break
		}
		wait *= 2
	}
	s.log.Error("service failed; restarting", "service", spec.Name, "err", err, "failures", failures, "in", wait)
	return wait, true
}

// runOnce runs svc once, turning a panic into a *PanicError.
func runOnce(ctx context.Context, svc Service) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return svc.Run(ctx)
}
