package console

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Ring is an slog.Handler that keeps the last lines of the log in memory,
// for the console's errors and log commands, and passes every record on to
// another handler. Records are kept as text lines ("2026-11-26T07:55:00Z
// WARN msg key=value"), whatever the level of the handler it wraps.
type Ring struct {
	next  slog.Handler // may be nil
	text  slog.Handler // formats into buf
	state *ringState
}

type ringState struct {
	mu    sync.Mutex
	buf   bytes.Buffer // scratch for text
	lines []ringLine   // circular
	start int          // index of the oldest line
	n     int          // lines kept
}

type ringLine struct {
	level slog.Level
	text  string
}

// NewRing returns a Ring that keeps the last size records (at least 1) at
// slog.LevelInfo or above, passing every record on to next (which may be
// nil).
func NewRing(size int, next slog.Handler) *Ring {
	st := &ringState{lines: make([]ringLine, max(size, 1))}
	text := slog.NewTextHandler(&st.buf, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.String(slog.TimeKey, a.Value.Time().UTC().Format(time.RFC3339))
			}
			return a
		},
	})
	return &Ring{next: next, text: text, state: st}
}

// Enabled reports whether the Ring keeps level, or the next handler takes
// it.
func (r *Ring) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= slog.LevelInfo || (r.next != nil && r.next.Enabled(ctx, level))
}

// Handle keeps the record and passes it on.
func (r *Ring) Handle(ctx context.Context, rec slog.Record) error {
	if rec.Level >= slog.LevelInfo {
		st := r.state
		st.mu.Lock()
		st.buf.Reset()
		if err := r.text.Handle(ctx, rec); err == nil {
			l := ringLine{level: rec.Level, text: strings.TrimSuffix(st.buf.String(), "\n")}
			st.lines[(st.start+st.n)%len(st.lines)] = l
			if st.n < len(st.lines) {
				st.n++
			} else {
				st.start = (st.start + 1) % len(st.lines)
			}
		}
		st.mu.Unlock()
	}
	if r.next != nil && r.next.Enabled(ctx, rec.Level) {
		return r.next.Handle(ctx, rec)
	}
	return nil
}

// WithAttrs returns a Ring sharing this one's lines whose records carry
// attrs.
func (r *Ring) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *r
	c.text = r.text.WithAttrs(attrs)
	if r.next != nil {
		c.next = r.next.WithAttrs(attrs)
	}
	return &c
}

// WithGroup returns a Ring sharing this one's lines whose attributes are
// in group name.
func (r *Ring) WithGroup(name string) slog.Handler {
	c := *r
	c.text = r.text.WithGroup(name)
	if r.next != nil {
		c.next = r.next.WithGroup(name)
	}
	return &c
}

// Lines returns the last n lines kept, oldest first; only those at
// slog.LevelWarn or above when errorsOnly.
func (r *Ring) Lines(n int, errorsOnly bool) []string {
	st := r.state
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []string
	for i := st.n - 1; i >= 0 && len(out) < n; i-- {
		l := st.lines[(st.start+i)%len(st.lines)]
		if !errorsOnly || l.level >= slog.LevelWarn {
			out = append(out, l.text)
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}
