package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
	"unicode"
)

// Defaults of Config.
const (
	DefaultIdleTimeout  = 10 * time.Minute
	DefaultWriteTimeout = 30 * time.Second
	DefaultMaxLine      = 256
)

// Prompts.
const (
	pinPrompt = "PIN: "
	prompt    = "faxbox# "
)

// Config configures Run.
type Config struct {
	// Backend is what the commands act on (required).
	Backend Backend
	// PINHash is console.pin_hash: the argon2id or bcrypt hash of the
	// installer PIN.
	PINHash string
	// NoPIN lets sessions in without a PIN when PINHash is empty; without
	// it, Run refuses to start (ErrNoPIN).
	NoPIN bool
	// Guard counts wrong PINs; share one between all the sessions of an
	// appliance. Nil means one for this Run only.
	Guard *Guard
	// Banner is shown at the start of each session (default "Faxbox
	// installer console").
	Banner string
	// IdleTimeout logs a session out after that long without input
	// (default DefaultIdleTimeout).
	IdleTimeout time.Duration
	// WriteTimeout bounds each write when the peer has write deadlines
	// (os.File, net.Conn; default DefaultWriteTimeout).
	WriteTimeout time.Duration
	// MaxLine is the longest line accepted, in characters (default
	// DefaultMaxLine).
	MaxLine int
	// Repeat starts a new session after each logout, as on a serial port,
	// which has no connection to end; Run then returns only when ctx ends
	// or the input does.
	Repeat bool
	// Logger receives logins, logouts and every change, with "console" as
	// the actor (default: slog.Default()).
	Logger *slog.Logger
}

// ErrHangUp is wrapped by Run's error when the peer went away: the input
// ended or failed, or a write failed or timed out.
var ErrHangUp = errHangUp

// Run runs console sessions over rw until the installer logs out (or, with
// Config.Repeat, until ctx ends), the session is idle too long, or the
// peer hangs up. It returns nil after a logout, an idle timeout or the end
// of ctx, and an error wrapping ErrHangUp when the peer went away.
//
// Run reads rw on a goroutine of its own and returns only after that
// goroutine has stopped: it interrupts a pending Read with
// SetReadDeadline when rw has it (os.File on a terminal, net.Conn), and
// otherwise by closing rw when it is an io.Closer. A reader that has
// neither keeps one Read outstanding until the next input.
func Run(ctx context.Context, rw io.ReadWriter, cfg Config) error {
	if cfg.Backend == nil {
		return errors.New("console: no backend")
	}
	if cfg.PINHash == "" && !cfg.NoPIN {
		return ErrNoPIN
	}
	if cfg.Guard == nil {
		cfg.Guard = &Guard{}
	}
	if cfg.Banner == "" {
		cfg.Banner = "Faxbox installer console"
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	if cfg.MaxLine <= 0 {
		cfg.MaxLine = DefaultMaxLine
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}

	in := make(chan chunk)
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		readLoop(rw, in, done)
	}()
	defer func() {
		close(done)
		if d, ok := rw.(interface{ SetReadDeadline(time.Time) error }); ok && d.SetReadDeadline(time.Now()) == nil {
			<-stopped
			d.SetReadDeadline(time.Time{}) //nolint:errcheck // restoring for the next user
		} else if c, ok := rw.(io.Closer); ok {
			c.Close()
			<-stopped
		}
	}()

	t := &terminal{w: rw, writeTimeout: cfg.WriteTimeout, in: in, idle: cfg.IdleTimeout, maxLine: cfg.MaxLine}
	t.deadline, _ = rw.(interface{ SetWriteDeadline(time.Time) error })
	s := &session{cfg: cfg, t: t, log: cfg.Logger.With("actor", Actor)}
	for {
		err := s.run(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, errHangUp):
			s.log.Info("console: hang-up", "err", err)
			return fmt.Errorf("console: %w", err)
		case err != nil:
			return fmt.Errorf("console: %w", err)
		case !cfg.Repeat:
			return nil
		}
	}
}

// session is one login: it belongs to the goroutine of Run.
type session struct {
	cfg Config
	t   *terminal
	log *slog.Logger
}

// run runs one session from banner to logout; it returns nil after a
// logout or an idle timeout.
func (s *session) run(ctx context.Context) error {
	t := s.t
	if err := t.writeString("\r\n" + s.cfg.Banner + "\r\n"); err != nil {
		return err
	}
	err := s.login(ctx)
	if err == nil {
		s.log.Info("console: login")
		if err = t.writeString("Type help for the commands, quit to log out.\r\n"); err == nil {
			err = s.shell(ctx)
		}
	}
	switch {
	case errors.Is(err, errLogout):
		s.log.Info("console: logout")
		return t.writeString("Logged out.\r\n")
	case errors.Is(err, errIdle):
		s.log.Info("console: idle timeout")
		return t.writeString("\r\nIdle for " + s.cfg.IdleTimeout.String() + ": logged out.\r\n")
	}
	return err
}

// login asks for the PIN until it is right, under the Guard's delays and
// lockout.
func (s *session) login(ctx context.Context) error {
	if s.cfg.PINHash == "" {
		return nil
	}
	t, g := s.t, s.cfg.Guard
	for {
		if d := g.lockedFor(time.Now()); d > 0 {
			msg := fmt.Sprintf("Locked after too many wrong PINs: try again in %s.\r\n", d.Round(time.Second))
			if err := t.writeString(msg); err != nil {
				return err
			}
			if err := t.wait(ctx, d); err != nil {
				return err
			}
		}
		pin, err := t.readLine(ctx, pinPrompt, true)
		if errors.Is(err, errInterrupt) {
			continue
		}
		if err != nil {
			return err
		}
		if pin == "" {
			continue
		}
		v, err := g.attempt(time.Now, func() (bool, error) { return VerifyPIN(s.cfg.PINHash, pin) })
		if err != nil {
			s.log.Error("console: cannot check the PIN", "err", err)
			return fmt.Errorf("console.pin_hash: %w", err)
		}
		if v.ok {
			return nil
		}
		if err := s.refused(ctx, v); err != nil {
			return err
		}
	}
}

// refused tells the peer why its PIN did not let it in and waits for the
// next attempt; a lockout is announced by login before the next prompt.
func (s *session) refused(ctx context.Context, v verdict) error {
	if v.heard {
		s.log.Warn("console: wrong PIN", "locked", v.locked)
		if err := s.t.writeString("Wrong PIN.\r\n"); err != nil {
			return err
		}
	}
	if v.locked {
		return nil
	}
	if !v.heard {
		msg := fmt.Sprintf("Too soon after a wrong PIN: not checked; try again in %s.\r\n", v.wait.Round(100*time.Millisecond))
		if err := s.t.writeString(msg); err != nil {
			return err
		}
	}
	return s.t.wait(ctx, v.wait)
}

// shell reads and runs commands until logout.
func (s *session) shell(ctx context.Context) error {
	for {
		line, err := s.t.readLine(ctx, prompt, false)
		if errors.Is(err, errInterrupt) {
			continue
		}
		if err != nil {
			return err
		}
		args := strings.Fields(line)
		if len(args) == 0 {
			continue
		}
		c, rest := lookup(args)
		if c == nil {
			msg := fmt.Sprintf("unknown command %q", strings.Join(args, " "))
			if sug := suggest(args); sug != "" {
				msg += "; did you mean " + sug + "?"
			}
			if err := s.t.writeString(msg + " (help lists the commands)\r\n"); err != nil {
				return err
			}
			continue
		}
		if err := s.command(ctx, c, rest); err != nil {
			return err
		}
	}
}

// command runs one command: it asks for the confirmation phrase if the
// command has one, then runs the handler on a goroutine of its own while
// this one watches the input for Ctrl-C and a hang-up.
func (s *session) command(ctx context.Context, c *cmd, args []string) error {
	t := s.t
	if len(args) < c.minArgs || (c.maxArgs >= 0 && len(args) > c.maxArgs) {
		return t.writeString("usage: " + strings.TrimSpace(c.name+" "+c.synopsis) + " (help " + c.name + " explains)\r\n")
	}
	if c.confirm != "" {
		msg := fmt.Sprintf("%s\r\nType %q to go ahead, anything else to stop.\r\n", c.warning, c.confirm)
		if err := t.writeString(msg); err != nil {
			return err
		}
		typed, err := t.readLine(ctx, "confirm: ", false)
		if errors.Is(err, errInterrupt) {
			return nil
		}
		if err != nil {
			return err
		}
		if strings.TrimSpace(typed) != c.confirm {
			s.log.Info("console: not confirmed", "command", c.name)
			return t.writeString("Not confirmed: nothing done.\r\n")
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := &output{ctx: cctx, t: t}
	done := make(chan error, 1)
	go func() { done <- c.run(cctx, s.cfg.Backend, out, args) }()
	interrupted := false
	for {
		select {
		case err := <-done:
			s.audit(c, args, err)
			return s.finish(err, interrupted)
		case ch := <-t.in:
			if ch.err != nil {
				cancel()
				<-done
				t.inErr = fmt.Errorf("%w: read: %v", errHangUp, ch.err)
				return t.inErr
			}
			// Typed ahead: kept for the next line, up to a Ctrl-C.
			if i := strings.IndexByte(string(ch.b), ctrlC); i >= 0 {
				interrupted = true
				t.pending = append(t.pending[:0], ch.b[i+1:]...)
				cancel()
				continue
			}
			t.pending = append(t.pending, ch.b...)
		case <-ctx.Done():
			cancel()
			<-done
			return nil
		}
	}
}

// finish reports how a command ended.
func (s *session) finish(err error, interrupted bool) error {
	t := s.t
	if t.outErr != nil {
		return t.outErr
	}
	// Errors are written as output is: they may quote what a modem said.
	o := &output{ctx: context.Background(), t: t}
	switch {
	case interrupted:
		return o.line("^C\nInterrupted.")
	case errors.Is(err, errLogout):
		return err
	case errors.Is(err, ErrNotAvailable):
		return o.line(err.Error())
	case err != nil:
		return o.line("error: " + err.Error())
	}
	return nil
}

// audit logs a command that changes something, with its outcome.
func (s *session) audit(c *cmd, args []string, err error) {
	if !c.change {
		return
	}
	attrs := []any{"command", c.name}
	if !c.secret {
		attrs = append(attrs, "args", strings.Join(args, " "))
	}
	if err != nil {
		s.log.Warn("console: change failed", append(attrs, "err", err)...)
		return
	}
	s.log.Info("console: change", attrs...)
}

// output is what a command writes to: lines end in CRLF, control
// characters are shown as '?', and a write after Ctrl-C fails, which ends
// a long listing.
type output struct {
	ctx context.Context
	t   *terminal
}

// printf writes a formatted line (a newline is added).
func (o *output) printf(format string, args ...any) error {
	return o.line(fmt.Sprintf(format, args...))
}

// line writes s and a line end; newlines inside s start new lines.
func (o *output) line(s string) error {
	if err := o.ctx.Err(); err != nil {
		return err
	}
	clean := strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t':
			return ' '
		case !unicode.IsPrint(r):
			return '?'
		}
		return r
	}, s)
	return o.t.writeString(strings.ReplaceAll(clean, "\n", "\r\n") + "\r\n")
}
