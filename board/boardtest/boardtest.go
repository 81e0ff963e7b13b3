// Package boardtest is a fake GPIO chip, and a simulated board built on
// it, for tests and for the appliance's demo mode.
//
// A [Chip] has named lines; it records every level change of its outputs
// with the time (time.Now, which is the bubble's fake clock under
// testing/synctest), and tests drive its inputs, with contact bounce if
// they like ([Chip.Press]). A [Sim] is a whole board: a Chip with the
// usual lines, the [board.Config] naming them, and an [Audio] output that
// keeps the PCM played.
//
// It does not model the kernel's GPIO character device (bias, drive,
// kernel debounce, line info); board's Linux code is tested on a real
// chip.
package boardtest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"faxbox/board"
)

// ErrBusy is returned for a line already requested.
var ErrBusy = errors.New("boardtest: line already requested")

// Change is one level change of an output line.
type Change struct {
	Line   string    `json:"line"` // its name, or its offset if it has none
	Active bool      `json:"active"`
	At     time.Time `json:"at"`
}

// Chip is a fake GPIO chip. Its methods are safe for concurrent use.
type Chip struct {
	// Now stamps changes; nil is time.Now.
	Now func() time.Time

	mu      sync.Mutex
	names   []string
	level   map[int]bool   // every line's level
	taken   map[int]bool   // requested and not closed
	inputs  map[int]*input // requested inputs
	fail    map[int]error  // the error an output's Set returns
	changes []Change
}

// NewChip returns a chip whose line i is named names[i] ("" for a line
// without a name).
func NewChip(names ...string) *Chip {
	return &Chip{names: slices.Clone(names), level: map[int]bool{}, taken: map[int]bool{},
		inputs: map[int]*input{}, fail: map[int]error{}}
}

// find returns the offset of id, by offset or name.
func (c *Chip) find(id board.LineID) (int, error) {
	if n, ok := id.Offset(); ok {
		if n >= len(c.names) {
			return 0, fmt.Errorf("%w: the chip has %d lines", board.ErrLineNotFound, len(c.names))
		}
		return n, nil
	}
	if n := slices.Index(c.names, string(id)); n >= 0 && id != "" {
		return n, nil
	}
	return 0, fmt.Errorf("%w: no line named %q", board.ErrLineNotFound, string(id))
}

func (c *Chip) lineName(n int) string {
	if c.names[n] != "" {
		return c.names[n]
	}
	return fmt.Sprint(n)
}

func (c *Chip) request(id board.LineID) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.find(id)
	if err != nil {
		return 0, err
	}
	if c.taken[n] {
		return 0, fmt.Errorf("%w: %s", ErrBusy, c.lineName(n))
	}
	c.taken[n] = true
	return n, nil
}

func (c *Chip) release(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.taken, n)
}

// Output implements board.Chip.
func (c *Chip) Output(id board.LineID, active bool) (board.Output, error) {
	n, err := c.request(id)
	if err != nil {
		return nil, err
	}
	o := &output{c: c, n: n}
	if err := o.set(active, true); err != nil {
		c.release(n)
		return nil, err
	}
	return o, nil
}

// Input implements board.Chip.
func (c *Chip) Input(id board.LineID) (board.Input, error) {
	n, err := c.request(id)
	if err != nil {
		return nil, err
	}
	in := &input{c: c, n: n, edges: make(chan bool, 1024)}
	c.mu.Lock()
	c.inputs[n] = in
	c.mu.Unlock()
	return in, nil
}

// Close implements board.Chip.
func (c *Chip) Close() error { return nil }

// Changes returns the level changes of the output named line, or of every
// output for "", in order. Setting a line to the level it has is not a
// change; requesting an output is, when it sets the level.
func (c *Chip) Changes(line string) []Change {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Change
	for _, ch := range c.changes {
		if line == "" || ch.Line == line {
			out = append(out, ch)
		}
	}
	return out
}

// Active reports the level of the line named line.
func (c *Chip) Active(line string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.find(board.LineID(line))
	return err == nil && c.level[n]
}

// Requested reports whether the line named line is requested and not yet
// released.
func (c *Chip) Requested(line string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.find(board.LineID(line))
	return err == nil && c.taken[n]
}

// Fail makes every Set of the output named line return err from now on;
// nil heals it.
func (c *Chip) Fail(line string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n, e := c.find(board.LineID(line)); e == nil {
		c.fail[n] = err
	}
}

// Set sets the level of the input named line, as a hand on a button does:
// the input gets an edge if the level changes. It wraps
// board.ErrLineNotFound for a line the chip does not have.
func (c *Chip) Set(line string, active bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.find(board.LineID(line))
	if err != nil {
		return err
	}
	changed := c.level[n] != active
	c.level[n] = active
	if in := c.inputs[n]; changed && in != nil {
		select {
		case in.edges <- active:
		default: // a reader 1024 edges behind loses the newest
		}
	}
	return nil
}

// Press presses the button on input line for hold, then releases it,
// sleeping in between. The contact bounces: on pressing and on releasing,
// it makes and breaks bounces times, every bounce apart, before it
// settles, so the press proper starts 2*bounces*bounce after Press is
// called, lasts hold from there, and the release settles 2*bounces*bounce
// later still.
func (c *Chip) Press(line string, hold time.Duration, bounces int, bounce time.Duration) error {
	if err := c.settle(line, true, bounces, bounce); err != nil {
		return err
	}
	time.Sleep(hold)
	return c.settle(line, false, bounces, bounce)
}

// settle drives line to level after bounces bounces, bounce apart.
func (c *Chip) settle(line string, level bool, bounces int, bounce time.Duration) error {
	for range bounces {
		for _, l := range []bool{level, !level} {
			if err := c.Set(line, l); err != nil {
				return err
			}
			time.Sleep(bounce)
		}
	}
	return c.Set(line, level)
}

func (c *Chip) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

type output struct {
	c      *Chip
	n      int
	closed bool // guarded by c.mu
}

func (o *output) Set(active bool) error { return o.set(active, false) }

// set drives the line; it records a change when the level changes, or
// always when initial.
func (o *output) set(active, initial bool) error {
	c := o.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if o.closed {
		return errors.New("boardtest: line closed")
	}
	if err := c.fail[o.n]; err != nil {
		return err
	}
	if initial || c.level[o.n] != active {
		c.level[o.n] = active
		c.changes = append(c.changes, Change{Line: c.lineName(o.n), Active: active, At: c.now()})
	}
	return nil
}

func (o *output) Close() error {
	o.c.mu.Lock()
	defer o.c.mu.Unlock()
	if !o.closed {
		o.closed = true
		delete(o.c.taken, o.n)
	}
	return nil
}

type input struct {
	c     *Chip
	n     int
	edges chan bool // closed, and the input removed from c.inputs, under c.mu
}

func (in *input) Active() (bool, error) {
	in.c.mu.Lock()
	defer in.c.mu.Unlock()
	return in.c.level[in.n], nil
}

func (in *input) Edges() <-chan bool { return in.edges }

func (in *input) Close() error {
	c := in.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inputs[in.n] == in {
		delete(c.inputs, in.n)
		delete(c.taken, in.n)
		close(in.edges)
	}
	return nil
}
