package modem

import (
	"io"
	"strconv"
	"sync"
	"time"
)

// Direction tells which way bytes went on the serial line.
type Direction uint8

// Directions, as printed in a wire log: "<-" towards the modem (the DTE
// wrote), "->" from the modem (the DTE read).
const (
	ToModem   Direction = iota // written by the driver: printed "<-"
	FromModem                  // read by the driver: printed "->"
)

// String returns "<-" or "->".
func (d Direction) String() string {
	if d == ToModem {
		return "<-"
	}
	return "->"
}

// WireLog writes every byte exchanged with a modem to an io.Writer, one
// line per text line or binary run, stamped with the time since the log
// started:
//
//	+0.012 <- AT+FRH=3
//	+1.034 -> CONNECT
//	+1.210 -> [5] ff 13 80 10 03
//
// Printable text is shown as lines (CR and LF omitted), everything else as
// hex after its byte count. Keep one WireLog per call for diagnostics. It
// is safe for concurrent use; write errors are ignored.
type WireLog struct {
	// MaxBinary, if positive, limits how many bytes of a binary run are
	// shown in hex; the count is always exact.
	MaxBinary int

	mu    sync.Mutex
	w     io.Writer
	start time.Time
	buf   []byte
}

// NewWireLog returns a WireLog writing to w whose time stamps count from
// now.
func NewWireLog(w io.Writer) *WireLog {
	return &WireLog{w: w, start: time.Now()}
}

// SetOutput makes the log write to w from now on, its time stamps counting
// from now: a modem that makes many calls keeps one WireLog and points it
// at each call's trace. A nil w discards what follows.
func (l *WireLog) SetOutput(w io.Writer) {
	if w == nil {
		w = io.Discard
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.w, l.start = w, time.Now()
}

// Log records that p went in direction d. A nil WireLog does nothing.
func (l *WireLog) Log(d Direction, p []byte) {
	if l == nil || len(p) == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	stamp := time.Since(l.start)
	b := l.buf[:0]
	for len(p) > 0 {
		if n := textRun(p); n > 0 {
			start := 0
			for i := 0; i <= n; i++ {
				if i == n || p[i] == '\r' || p[i] == '\n' {
					if i > start {
						b = l.prefix(b, stamp, d)
						b = append(b, p[start:i]...)
						b = append(b, '\n')
					}
					start = i + 1
				}
			}
			p = p[n:]
			continue
		}
		n := 1
		for n < len(p) && textRun(p[n:]) == 0 {
			// Any tail of a printable stretch that is not text is not
			// text either: skip the stretch at once.
			n++
			for n < len(p) && isText(p[n]) && isText(p[n-1]) {
				n++
			}
		}
		b = l.prefix(b, stamp, d)
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, ']')
		shown := n
		if l.MaxBinary > 0 && shown > l.MaxBinary {
			shown = l.MaxBinary
		}
		for _, c := range p[:shown] {
			b = append(b, ' ', hexDigits[c>>4], hexDigits[c&15])
		}
		if shown < n {
			b = append(b, " ..."...)
		}
		b = append(b, '\n')
		p = p[n:]
	}
	_, _ = l.w.Write(b)
	l.buf = b
}

const hexDigits = "0123456789abcdef"

// textRun returns the length of the text that starts p, or 0 if p starts
// with binary data. Text is a run of printable bytes, CR and LF that
// contains a CR or LF, or that runs to the end of p and is at least 3 bytes
// long; shorter printable stretches inside image data stay in hex.
func textRun(p []byte) int {
	n, eol := 0, false
	for n < len(p) && isText(p[n]) {
		eol = eol || p[n] == '\r' || p[n] == '\n'
		n++
	}
	if eol || n == len(p) && n >= 3 {
		return n
	}
	return 0
}

func (l *WireLog) prefix(b []byte, stamp time.Duration, d Direction) []byte {
	b = append(b, '+')
	ms := stamp.Milliseconds()
	b = strconv.AppendInt(b, ms/1000, 10)
	b = append(b, '.', byte('0'+ms/100%10), byte('0'+ms/10%10), byte('0'+ms%10), ' ')
	b = append(b, d.String()...)
	return append(b, ' ')
}

func isText(c byte) bool { return c >= 0x20 && c <= 0x7e || c == '\r' || c == '\n' }
