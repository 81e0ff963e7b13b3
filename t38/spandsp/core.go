//go:build spandsp

package spandsp

import (
	"errors"
	"fmt"
	"runtime/cgo"

	"faxbox/t38"
)

// Core is spandsp's T.38 IFP codec (t38_core) for one T.38 version. It is
// not safe for concurrent use.
type Core struct {
	version int
	sent    [][]byte
	got     t38.Packet
	gotAny  bool
}

// NewCore returns a codec for T.38 version 0 to 3.
func NewCore(version int) *Core { return &Core{version: version} }

func (c *Core) tx(b []byte, count int) { c.sent = append(c.sent, b) }

func (c *Core) indicator(ind int) {
	c.got, c.gotAny = t38.Packet{Indicator: t38.Indicator(ind)}, true
}

func (c *Core) data(dataType, fieldType int, b []byte) {
	c.got.IsData, c.gotAny = true, true
	c.got.Data = t38.DataType(dataType)
	c.got.Fields = append(c.got.Fields, t38.Field{Type: t38.FieldType(fieldType), Data: b})
}

func (c *Core) phaseE(int) {}

// run calls f with a fresh t38_core (so that spandsp's memory of the last
// indicator sent never suppresses one).
func (c *Core) run(f func(*coreState) int) (int, error) {
	h := cgo.NewHandle(sink(c))
	defer h.Delete()
	s := newCoreState(h, c.version)
	if s == nil {
		return 0, errors.New("spandsp: t38_core_init failed")
	}
	defer s.free()
	c.sent, c.got, c.gotAny = nil, t38.Packet{}, false
	return f(s), nil
}

// Encode returns the IFP packet spandsp sends for p.
func (c *Core) Encode(p t38.Packet) ([]byte, error) {
	rc, err := c.run(func(s *coreState) int {
		if !p.IsData {
			return s.indicator(int(p.Indicator))
		}
		var types, lens []int
		var data []byte
		for _, f := range p.Fields {
			types, lens, data = append(types, int(f.Type)), append(lens, len(f.Data)), append(data, f.Data...)
		}
		return s.data(int(p.Data), types, data, lens)
	})
	if err != nil {
		return nil, err
	}
	if rc < 0 || len(c.sent) == 0 {
		return nil, fmt.Errorf("spandsp: t38_core refused %v (%d)", p, rc)
	}
	return c.sent[0], nil
}

// Decode returns what spandsp's receiver reports for the IFP packet b: an
// indicator, or a data type with one field per data callback.
func (c *Core) Decode(b []byte) (t38.Packet, error) {
	rc, err := c.run(func(s *coreState) int { return s.rx(b, 0) })
	if err != nil {
		return t38.Packet{}, err
	}
	if rc < 0 || !c.gotAny {
		return t38.Packet{}, fmt.Errorf("spandsp: t38_core rejected % x (%d)", b, rc)
	}
	return c.got, nil
}
