package appliance

import (
	"context"
	"io"
	"log/slog"
	"sync"
)

// logHandler is the log's handler on w: logfmt lines (slog's text
// handler). On the journal (journal true) each line starts with its
// syslog priority, "<3>" for an error, which journald takes as the
// entry's PRIORITY (systemd.exec(5), SyslogLevelPrefix=), and carries no
// time, which the journal records itself.
func logHandler(w io.Writer, level slog.Level, journal bool) slog.Handler {
	if !journal {
		return slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})
	}
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) == 0 && a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}
	var h journalHandler
	mu := new(sync.Mutex) // the four handlers share w
	for i, p := range syslogPriorities {
		h.byLevel[i] = slog.NewTextHandler(prefixWriter{w: w, mu: mu, prefix: p.prefix}, opts)
	}
	return h
}

// syslogPriorities are the prefixes of slog's levels, from debug up
// (syslog(3): 7 debug, 6 info, 4 warning, 3 err).
var syslogPriorities = [4]struct {
	min    slog.Level
	prefix string
}{{slog.LevelDebug, "<7>"}, {slog.LevelInfo, "<6>"}, {slog.LevelWarn, "<4>"}, {slog.LevelError, "<3>"}}

// journalHandler sends each record to the text handler of its priority.
type journalHandler struct{ byLevel [4]slog.Handler }

func (h journalHandler) pick(l slog.Level) slog.Handler {
	for i := len(syslogPriorities) - 1; i > 0; i-- {
		if l >= syslogPriorities[i].min {
			return h.byLevel[i]
		}
	}
	return h.byLevel[0]
}

func (h journalHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.byLevel[0].Enabled(ctx, l)
}

func (h journalHandler) Handle(ctx context.Context, r slog.Record) error {
	return h.pick(r.Level).Handle(ctx, r)
}

func (h journalHandler) WithAttrs(as []slog.Attr) slog.Handler {
	for i := range h.byLevel {
		h.byLevel[i] = h.byLevel[i].WithAttrs(as)
	}
	return h
}

func (h journalHandler) WithGroup(name string) slog.Handler {
	for i := range h.byLevel {
		h.byLevel[i] = h.byLevel[i].WithGroup(name)
	}
	return h
}

// prefixWriter writes each line (one Write of slog's text handler) after
// prefix, in one Write, so that lines stay whole on the journal's stream.
type prefixWriter struct {
	w      io.Writer
	mu     *sync.Mutex
	prefix string
}

func (p prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := p.w.Write(append([]byte(p.prefix), b...)); err != nil {
		return 0, err
	}
	return len(b), nil
}
