//go:build !linux

package modem

import "errors"

// flowSetter is the portable stub: only FlowNone is supported.
type flowSetter struct{}

func newFlowSetter(dev string, flow Flow) (*flowSetter, error) {
	if flow != FlowNone {
		return nil, errors.New("modem: flow control is only supported on Linux")
	}
	return &flowSetter{}, nil
}

func (f *flowSetter) apply() error { return nil }

func (f *flowSetter) close() {}
