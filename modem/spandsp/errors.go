//go:build spandsp

package spandsp

import "errors"

// ErrClosed is returned by Line.Wait when the line was closed before the fax
// terminal finished.
var ErrClosed = errors.New("spandsp: line closed")
