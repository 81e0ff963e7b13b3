package sandbox

import (
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"faxbox/internal/capbuf"
	"faxbox/pages/render"
)

// Config configures a Pool. Zero fields take the defaults given.
type Config struct {
	// Options are the renderer's; their Limits are lowered to fit the
	// limits below.
	Options render.Options
	// MaxConcurrent is how many children render at once (default
	// DefaultConcurrency()).
	MaxConcurrent int
	// Memory is the most resident memory a child may use, in bytes, its
	// PDF rasteriser's address space, and (three quarters of it) the
	// most an image's decoding may take (default DefaultMemory()).
	Memory int64
	// CPUTime is a child's processor-time limit (default 2 minutes); its
	// rasteriser gets as much.
	CPUTime time.Duration
	// Timeout is the most wall-clock time a child may take to read the
	// documents or to produce one page (default 30 s).
	Timeout time.Duration
	// OfficeTimeout replaces Timeout for a job with an office document
	// that LibreOffice converts (default 3 minutes, at least Timeout):
	// LibreOffice's first start with a fresh profile can take longer
	// than a page is allowed.
	OfficeTimeout time.Duration
	// MaxQueued is how many jobs one user may have waiting or running
	// (default 8); more are refused with ErrBusy.
	MaxQueued int
	// Command is the child's command line (default: this executable and
	// ChildCommand); Env its environment (default: PATH and LC_ALL=C).
	Command []string
	Env     []string
	// Logger gets a line per job with the child's peak memory.
	Logger *slog.Logger
}

// DefaultConcurrency is 1 on a machine with less than 1 GiB of memory (or
// when that is unknown), else 2.
func DefaultConcurrency() int {
	if memTotal() < 1<<30 {
		return 1
	}
	return 2
}

// DefaultMemory is a quarter of the machine's memory, between 96 MiB and
// 512 MiB (256 MiB when unknown).
func DefaultMemory() int64 {
	t := memTotal()
	if t == 0 {
		return 256 << 20
	}
	return min(max(t/4, 96<<20), 512<<20)
}

// Pool renders jobs in child processes. It is safe for concurrent use.
type Pool struct {
	cfg  Config
	q    *queue
	log  *slog.Logger
	opts render.Options

	mu   sync.Mutex
	peak int64 // the highest child peak seen
}

// NewPool returns a Pool for cfg.
func NewPool(cfg Config) (*Pool, error) {
	if cfg.MaxConcurrent <= 0 {
		cfg.MaxConcurrent = DefaultConcurrency()
	}
	if cfg.Memory <= 0 {
		cfg.Memory = DefaultMemory()
	}
	if cfg.CPUTime <= 0 {
		cfg.CPUTime = 2 * time.Minute
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.OfficeTimeout <= 0 {
		cfg.OfficeTimeout = 3 * time.Minute
	}
	cfg.OfficeTimeout = max(cfg.OfficeTimeout, cfg.Timeout)
	if cfg.MaxQueued <= 0 {
		cfg.MaxQueued = 8
	}
	if len(cfg.Command) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("sandbox: finding this program to run the renderer: %w", err)
		}
		cfg.Command = []string{exe, ChildCommand}
	}
	if cfg.Env == nil {
		cfg.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C"}
	}
	p := &Pool{cfg: cfg, q: newQueue(cfg.MaxConcurrent, cfg.MaxQueued), log: cfg.Logger, opts: cfg.Options}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	l := &p.opts.Limits
	lower := func(v *int64, to int64) {
		if *v <= 0 || *v > to {
			*v = to
		}
	}
	lower(&l.PDFMemory, cfg.Memory)
	lower(&l.MaxDecodeMemory, cfg.Memory/4*3)
	if l.PDFCPUTime <= 0 || l.PDFCPUTime > cfg.CPUTime {
		l.PDFCPUTime = cfg.CPUTime
	}
	if l.PDFTimeout <= 0 || l.PDFTimeout > cfg.Timeout {
		l.PDFTimeout = cfg.Timeout
	}
	if l.OfficeTimeout <= 0 || l.OfficeTimeout > cfg.OfficeTimeout {
		l.OfficeTimeout = cfg.OfficeTimeout
	}
	return p, nil
}

// Config returns the pool's configuration with its defaults filled in.
func (p *Pool) Config() Config { return p.cfg }

// PeakRSS returns the highest resident memory a child has reached, in
// bytes (0 where the system does not say).
func (p *Pool) PeakRSS() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peak
}

// Render waits for its turn, then renders job in a child process under
// the pool's limits, reporting to sink. Errors: ErrBusy, the context's,
// the sink's as they are, refusals (see the package comment).
func (p *Pool) Render(ctx context.Context, job Job, sink Sink) error {
	release, err := p.q.acquire(ctx, job.User)
	if err != nil {
		return err
	}
	defer release()
	start := time.Now()
	c, err := p.start(ctx, p.timeout(job))
	if err != nil {
		return err
	}
	err = c.converse(job, sink)
	peak := c.finish(err != nil)
	p.mu.Lock()
	p.peak = max(p.peak, peak)
	p.mu.Unlock()
	if err == nil || errors.Is(err, c.sinkErr) && c.sinkErr != nil {
		p.log.Info("render child", "user", job.User, "copies", len(job.Copies), "took", time.Since(start).Round(time.Millisecond),
			"child_peak_kib", peak/1024, "err", err)
		return err
	}
	err = c.explain(err, job)
	p.log.Info("render child", "user", job.User, "copies", len(job.Copies), "took", time.Since(start).Round(time.Millisecond),
		"child_peak_kib", peak/1024, "refused", Message(err))
	return err
}

// child is one running child and what the parent knows of it.
type child struct {
	p       *Pool
	cmd     *exec.Cmd
	enc     *gob.Encoder
	dec     *gob.Decoder
	stderr  *capbuf.Buffer
	w       *watchdog
	closeIn func() error

	plan       *Plan
	copy, page int   // the last page received
	sinkErr    error // the sink's own error, returned as it is
}

// timeout is how long a child rendering job may go without a frame:
// Config.OfficeTimeout when an attachment may be an office document.
func (p *Pool) timeout(job Job) time.Duration {
	for _, a := range job.Attachments {
		if render.MayNeedOffice(a) {
			return p.cfg.OfficeTimeout
		}
	}
	return p.cfg.Timeout
}

// start runs a child, which must send a frame at least every timeout,
// and sends it nothing yet.
func (p *Pool) start(ctx context.Context, timeout time.Duration) (*child, error) {
	cmd := exec.Command(p.cfg.Command[0], p.cfg.Command[1:]...)
	cmd.Env = p.cfg.Env
	cmd.SysProcAttr = childAttrs()
	c := &child{p: p, cmd: cmd, stderr: &capbuf.Buffer{N: 4096}}
	cmd.Stderr = c.stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("sandbox: starting the renderer: %w", err)
	}
	c.enc, c.dec, c.closeIn = gob.NewEncoder(in), gob.NewDecoder(out), in.Close
	c.w = watch(ctx, cmd.Process, p.cfg.Memory, timeout)
	return c, nil
}

// converse sends the job and passes the child's frames to sink until the
// child is done, fails, or dies.
func (c *child) converse(job Job, sink Sink) error {
	req := request{Options: c.p.opts, Job: job, Memory: c.p.cfg.Memory, CPUTime: c.p.cfg.CPUTime}
	if err := c.enc.Encode(req); err != nil {
		return fmt.Errorf("sandbox: sending the job: %w", err)
	}
	for {
		var f frame
		if err := c.dec.Decode(&f); err != nil {
			return fmt.Errorf("sandbox: the renderer stopped: %w", err)
		}
		c.w.progress()
		switch {
		case f.Err != nil:
			return decodeError(f.Err, nil)
		case f.Done:
			return nil
		case f.Plan != nil:
			c.plan = f.Plan
			c.sinkErr = sink.Planned(*f.Plan)
			if err := c.enc.Encode(c.sinkErr == nil); err != nil && c.sinkErr == nil {
				return fmt.Errorf("sandbox: the renderer stopped: %w", err)
			}
			if c.sinkErr != nil {
				return c.sinkErr
			}
		default:
			c.copy, c.page = f.Copy, f.Page
			if ms, ok := sink.(Measurer); ok {
				ms.Measured(f.Copy, f.Page, f.Measure)
			}
			if c.sinkErr = sink.Page(f.Copy, f.Page, f.Data); c.sinkErr != nil {
				return c.sinkErr
			}
		}
	}
}

// finish ends the child (killing it at once with kill, else if it does
// not end by itself) and returns its peak resident memory.
func (c *child) finish(kill bool) int64 {
	c.closeIn()
	if kill {
		killGroup(c.cmd.Process)
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			killGroup(c.cmd.Process) // it did not end by itself
		}
	}()
	c.cmd.Wait()
	close(done)
	c.w.stop()
	killGroup(c.cmd.Process) // a rasteriser left behind
	peak, _ := exitFacts(c.cmd.ProcessState, 0)
	return peak
}

// explain turns a child's death into the refusal it stands for, naming
// the attachment it was working on.
func (c *child) explain(err error, job Job) error {
	cause := c.w.cause()
	var r *Refusal
	switch {
	case cause != nil && errors.As(cause, &r):
	case cause != nil:
		return cause // the caller's context
	case isRefusal(err):
		return err // the child's own report
	default:
		if _, cpu := exitFacts(c.cmd.ProcessState, c.p.cfg.CPUTime); cpu {
			r = &Refusal{TooMuchCPU, "needed more than " + seconds(c.p.cfg.CPUTime) + " of processor time to render"}
		} else if s := c.stderr.String(); strings.Contains(s, "out of memory") || strings.Contains(s, "cannot allocate memory") {
			r = &Refusal{TooMuchMemory, "needed more than " + mib(c.p.cfg.Memory) + " of memory to render"}
		} else if c.cmd.ProcessState != nil && !c.cmd.ProcessState.Success() {
			r = &Refusal{Failed, fmt.Sprintf("could not be rendered (the renderer ended: %v %s)", c.cmd.ProcessState, lastLine(s))}
		} else {
			return err
		}
	}
	if i, name, ok := c.stage(job); ok {
		return &render.AttachmentError{Index: i, Name: name, Err: r}
	}
	return r
}

// isRefusal says whether err came from the child as a document's error.
func isRefusal(err error) bool {
	var r *Refusal
	return errors.As(err, &r)
}

// stage names the attachment the child was working on: the source of the
// page after the last one received, or before the plan the only
// attachment. ok is false for the message itself or when unknown.
func (c *child) stage(job Job) (index int, name string, ok bool) {
	if c.plan == nil {
		if len(job.Attachments) == 1 {
			return 0, job.Attachments[0].Name, true
		}
		return 0, "", false
	}
	cp, pg := c.copy, c.page+1
	if cp < len(c.plan.Pages) && pg > c.plan.Pages[cp] {
		cp, pg = cp+1, 1
	}
	if cp >= len(c.plan.Sources) {
		return 0, "", false
	}
	for _, s := range c.plan.Sources[cp] {
		if pg >= s.First && pg < s.First+s.Pages && s.Index >= 0 {
			return s.Index, s.Name, true
		}
	}
	return 0, "", false
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}
