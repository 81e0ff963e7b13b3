package sandbox

import (
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"faxbox/pages/render"
)

// ChildCommand is the hidden subcommand of the binary that runs Child;
// the default Config.Command is this executable with it.
const ChildCommand = "__render-child"

// request is what the parent sends the child on its standard input; the
// child's answer is the go-ahead after the plan (a bool: true to draw
// the pages).
type request struct {
	Options render.Options
	Job     Job
	Memory  int64         // bytes
	CPUTime time.Duration // RLIMIT_CPU
}

// frame is one message from the child to the parent, on its standard
// output: a plan, a page, an error or the end.
type frame struct {
	Plan       *Plan
	Copy, Page int
	Data       []byte
	Measure    Measure
	Err        *wireError
	Done       bool
}

// errStopped: the parent did not want the pages after the plan.
var errStopped = errors.New("sandbox: stopped after the plan")

// ChildMain runs Child on the process's standard input and output and
// returns the exit code; the binary's main calls it for ChildCommand.
func ChildMain() int {
	if err := Child(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// Child reads one job from in, sets the limits the parent asked for on
// itself (they hold for the rasteriser it runs too), renders the job and
// writes its frames to out. A document it cannot render is reported as a
// frame, not as Child's error; Child's error is the conversation's.
func Child(in io.Reader, out io.Writer) error {
	dec, enc := gob.NewDecoder(in), gob.NewEncoder(out)
	var req request
	if err := dec.Decode(&req); err != nil {
		return fmt.Errorf("sandbox child: reading the job: %w", err)
	}
	if err := setLimits(req.Memory, req.CPUTime); err != nil {
		return fmt.Errorf("sandbox child: %w", err)
	}
	err := runJob(context.Background(), render.New(req.Options), req.Job, &childEvents{enc: enc, dec: dec})
	switch {
	case errors.Is(err, errStopped):
		return nil
	case err != nil:
		return enc.Encode(frame{Err: encodeError(err, req.Job)})
	}
	return enc.Encode(frame{Done: true})
}

// childEvents sends runJob's results to the parent.
type childEvents struct {
	enc *gob.Encoder
	dec *gob.Decoder
}

func (c *childEvents) planned(p Plan) error {
	if err := c.enc.Encode(frame{Plan: &p}); err != nil {
		return err
	}
	var goOn bool
	if err := c.dec.Decode(&goOn); err != nil || !goOn {
		return errStopped
	}
	return nil
}

func (c *childEvents) page(cp, n int, data []byte, m Measure) error {
	return c.enc.Encode(frame{Copy: cp, Page: n, Data: data, Measure: m})
}
