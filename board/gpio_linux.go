//go:build linux

package board

import (
	"errors"
	"fmt"
	"sync"

	"github.com/warthog618/go-gpiocdev"
)

// consumer is how Faxbox's lines are labelled in the kernel (gpioinfo).
const consumer = "faxd"

// edgeBuffer is how many edges an input holds for its reader; a button
// bouncing faster than it is read loses intermediate edges, never the last.
const edgeBuffer = 64

// OpenChip opens the GPIO character device name: "gpiochip0" or
// "/dev/gpiochip0". Buttons are read active low with the pull-up enabled
// (a switch to ground); LEDs and power lines are driven active high.
func OpenChip(name string) (Chip, error) {
	c, err := gpiocdev.NewChip(name, gpiocdev.WithConsumer(consumer))
	if err != nil {
		return nil, fmt.Errorf("board: open GPIO chip %q: %w", name, err)
	}
	return &cdevChip{c: c}, nil
}

type cdevChip struct{ c *gpiocdev.Chip }

// offset finds line id on the chip.
func (c *cdevChip) offset(id LineID) (int, error) {
	if n, ok := id.Offset(); ok {
		if n >= c.c.Lines() {
			return 0, fmt.Errorf("%w: chip %s has %d lines", ErrLineNotFound, c.c.Name, c.c.Lines())
		}
		return n, nil
	}
	n, err := c.c.FindLine(string(id))
	if errors.Is(err, gpiocdev.ErrNotFound) {
		return 0, fmt.Errorf("%w: chip %s has no line named %q", ErrLineNotFound, c.c.Name, string(id))
	}
	return n, err
}

func (c *cdevChip) Output(id LineID, active bool) (Output, error) {
	n, err := c.offset(id)
	if err != nil {
		return nil, err
	}
	l, err := c.c.RequestLine(n, gpiocdev.AsOutput(level(active)))
	if err != nil {
		return nil, fmt.Errorf("request line %d as output: %w", n, err)
	}
	return cdevOutput{l}, nil
}

func (c *cdevChip) Input(id LineID) (Input, error) {
	n, err := c.offset(id)
	if err != nil {
		return nil, err
	}
	in := &cdevInput{edges: make(chan bool, edgeBuffer)}
	// gpiocdev calls the handler serially from its own goroutine; it only
	// hands the edge on (WithEventHandler: handlers must return fast).
	l, err := c.c.RequestLine(n, gpiocdev.AsInput, gpiocdev.WithPullUp, gpiocdev.AsActiveLow,
		gpiocdev.WithBothEdges, gpiocdev.WithEventHandler(in.handle))
	if err != nil {
		return nil, fmt.Errorf("request line %d as input: %w", n, err)
	}
	in.l = l
	return in, nil
}

func (c *cdevChip) Close() error { return c.c.Close() }

func level(active bool) int {
	if active {
		return 1
	}
	return 0
}

type cdevOutput struct{ l *gpiocdev.Line }

func (o cdevOutput) Set(active bool) error { return o.l.SetValue(level(active)) }
func (o cdevOutput) Close() error          { return o.l.Close() }

type cdevInput struct {
	l     *gpiocdev.Line
	edges chan bool
	once  sync.Once
}

func (in *cdevInput) handle(e gpiocdev.LineEvent) {
	active := e.Type == gpiocdev.LineEventRisingEdge
	for {
		select {
		case in.edges <- active:
			return
		default: // full: drop the oldest edge, keep the newest
			select {
			case <-in.edges:
			default:
			}
		}
	}
}

func (in *cdevInput) Active() (bool, error) {
	v, err := in.l.Value()
	return v == 1, err
}

func (in *cdevInput) Edges() <-chan bool { return in.edges }

func (in *cdevInput) Close() error {
	err := in.l.Close() // returns once no handler runs any more
	in.once.Do(func() { close(in.edges) })
	return err
}
