package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Control characters the line editor understands.
const (
	ctrlC = 0x03 // abandon the line, interrupt a command
	ctrlD = 0x04 // log out on an empty line
	bs    = 0x08 // backspace
	ctrlU = 0x15 // erase the line
	esc   = 0x1b // starts an escape sequence (arrow keys), ignored
	del   = 0x7f // what most terminals send for backspace
)

// chunk is what the reader goroutine hands over: bytes, or the error that
// ended the input.
type chunk struct {
	b   []byte
	err error
}

// terminal is the session goroutine's view of the peer: it owns the
// pending input and writes with a deadline.
type terminal struct {
	w            io.Writer
	deadline     interface{ SetWriteDeadline(time.Time) error }
	writeTimeout time.Duration
	in           <-chan chunk
	pending      []byte
	lastCR       bool  // the last line ended with CR: skip a following LF
	inErr        error // why the input ended
	outErr       error // the first write error
	idle         time.Duration
	maxLine      int
}

// readLoop reads r into ch until a read fails or done closes. A Read that
// returns nothing and no error (a serial port's read timeout) just loops.
func readLoop(r io.Reader, ch chan<- chunk, done <-chan struct{}) {
	for {
		buf := make([]byte, 256)
		n, err := r.Read(buf)
		if n > 0 {
			select {
			case ch <- chunk{b: buf[:n]}:
			case <-done:
				return
			}
		}
		if err != nil {
			select {
			case ch <- chunk{err: err}:
			case <-done:
			}
			return
		}
		select {
		case <-done:
			return
		default:
		}
	}
}

// write writes p, within the write timeout when the peer has deadlines.
// After a failure every write fails with the first error.
func (t *terminal) write(p []byte) error {
	if t.outErr != nil {
		return t.outErr
	}
	if t.deadline != nil {
		t.deadline.SetWriteDeadline(time.Now().Add(t.writeTimeout)) //nolint:errcheck // best effort
	}
	if _, err := t.w.Write(p); err != nil {
		t.outErr = fmt.Errorf("%w: write: %v", errHangUp, err)
		return t.outErr
	}
	return nil
}

func (t *terminal) writeString(s string) error { return t.write([]byte(s)) }

// receive waits for input and keeps it pending; it returns errIdle after
// idle (0: never), errHangUp when the input ended.
func (t *terminal) receive(ctx context.Context, idle time.Duration) error {
	if t.inErr != nil {
		return t.inErr
	}
	var timeout <-chan time.Time
	if idle > 0 {
		tm := time.NewTimer(idle)
		defer tm.Stop()
		timeout = tm.C
	}
	select {
	case c := <-t.in:
		if c.err != nil {
			t.inErr = fmt.Errorf("%w: read: %v", errHangUp, c.err)
			if errors.Is(c.err, io.EOF) {
				t.inErr = fmt.Errorf("%w: end of input", errHangUp)
			}
			return t.inErr
		}
		t.pending = append(t.pending, c.b...)
		return nil
	case <-timeout:
		return errIdle
	case <-ctx.Done():
		return ctx.Err()
	}
}

// readByte returns the next input byte.
func (t *terminal) readByte(ctx context.Context) (byte, error) {
	for len(t.pending) == 0 {
		if err := t.receive(ctx, t.idle); err != nil {
			return 0, err
		}
	}
	b := t.pending[0]
	t.pending = t.pending[1:]
	return b, nil
}

// wait lets d pass, throwing input away, unless the input ends or ctx
// does.
func (t *terminal) wait(ctx context.Context, d time.Duration) error {
	end := time.Now().Add(d)
	for {
		left := time.Until(end)
		if left <= 0 {
			return nil
		}
		switch err := t.receive(ctx, left); {
		case errors.Is(err, errIdle):
			return nil
		case err != nil:
			return err
		}
		t.pending = t.pending[:0]
	}
}

// readLine shows prompt and edits a line: printable characters (UTF-8)
// are echoed, as '*' when mask is set; backspace and DEL erase one, Ctrl-U
// the whole line; CR, LF or CRLF end it. Ctrl-C abandons the line
// (errInterrupt), Ctrl-D on an empty line logs out (errLogout). Other
// control characters and escape sequences (arrow keys) are ignored; a line
// longer than maxLine rings the bell.
func (t *terminal) readLine(ctx context.Context, prompt string, mask bool) (string, error) {
	if err := t.writeString(prompt); err != nil {
		return "", err
	}
	var line []rune
	var partial []byte // an incomplete UTF-8 sequence
	inEscape, inCSI := false, false
	erase := func(n int) error {
		return t.writeString(strings.Repeat("\b \b", n))
	}
	for {
		b, err := t.readByte(ctx)
		if err != nil {
			return "", err
		}
		lastCR := t.lastCR
		t.lastCR = false
		switch {
		case inEscape:
			// ESC [ ... final, ESC O final, or ESC and one character.
			inEscape = false
			if b == '[' || b == 'O' {
				inCSI = true
			}
			continue
		case inCSI:
			inCSI = b < 0x40 || b > 0x7e
			continue
		}
		switch b {
		case '\r', '\n':
			if b == '\n' && lastCR {
				continue
			}
			t.lastCR = b == '\r'
			if err := t.writeString("\r\n"); err != nil {
				return "", err
			}
			return string(line), nil
		case ctrlC:
			if err := t.writeString("^C\r\n"); err != nil {
				return "", err
			}
			return "", errInterrupt
		case ctrlD:
			if len(line) == 0 {
				if err := t.writeString("\r\n"); err != nil {
					return "", err
				}
				return "", errLogout
			}
		case bs, del:
			if len(line) > 0 {
				line = line[:len(line)-1]
				if err := erase(1); err != nil {
					return "", err
				}
			}
		case ctrlU:
			if err := erase(len(line)); err != nil {
				return "", err
			}
			line = line[:0]
		case esc:
			inEscape = true
		default:
			if err := t.typed(&line, &partial, b, mask); err != nil {
				return "", err
			}
		}
	}
}

// typed adds byte b of a printable character to line and echoes it (as
// '*' when mask is set), collecting a UTF-8 sequence in partial until it
// is whole; it ignores control characters and rings the bell when line
// is full.
func (t *terminal) typed(line *[]rune, partial *[]byte, b byte, mask bool) error {
	if b < 0x20 {
		return nil
	}
	var echo string
	if b >= utf8.RuneSelf || len(*partial) > 0 {
		*partial = append(*partial, b)
		if !utf8.FullRune(*partial) {
			return nil
		}
		r, _ := utf8.DecodeRune(*partial)
		*partial = (*partial)[:0]
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return nil
		}
		echo = string(r)
	} else {
		echo = string(rune(b))
	}
	if len(*line) >= t.maxLine {
		echo = "\a"
	} else {
		*line = append(*line, []rune(echo)[0])
		if mask {
			echo = "*"
		}
	}
	return t.writeString(echo)
}
