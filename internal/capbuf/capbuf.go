// Package capbuf provides a buffer that keeps only the start of what is
// written to it: for the standard error of a child process, whose
// first lines say why it failed, without letting it fill the memory.
package capbuf

import (
	"bytes"
	"sync"
)

// Buffer keeps the first N bytes written to it and discards the rest. It
// is safe for concurrent use. The zero value keeps nothing.
type Buffer struct {
	N int

	mu sync.Mutex
	b  bytes.Buffer
}

// Write keeps what fits of p and reports all of it written.
func (c *Buffer) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if room := c.N - c.b.Len(); room > 0 {
		c.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// String returns what was kept.
func (c *Buffer) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.b.String()
}
