package modem

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Command sends one AT command line (without CR) and returns the
// information lines the modem gave before OK. A failure result code comes
// back as *ResultError; CONNECT is refused, since it leaves the modem in a
// data state that only the dedicated methods handle.
func (m *Modem) Command(ctx context.Context, cmd string) ([]string, error) {
	info := []string{}
	code, err := m.exec(ctx, cmd, &info, m.cfg.responseTimeout(), false)
	if err != nil {
		return info, err
	}
	if code != CodeOK {
		return info, m.unexpected(cmd, code)
	}
	return info, nil
}

// exec sends cmd and waits for its final result code. Information lines
// go to *info if info is not nil, else they are a protocol error. remote
// says the wait depends on the far end (dialling, carrier detection): its
// timeout is ErrTimeout and aborts the command, while a plain command's
// is ErrNotResponding.
func (m *Modem) exec(ctx context.Context, cmd string, info *[]string, wait time.Duration, remote bool) (Code, error) {
	if err := m.resync(ctx); err != nil {
		return CodeNone, err
	}
	if d := m.quirks.CommandDelay; d > 0 {
		if err := sleep(ctx, d); err != nil {
			return CodeNone, fmt.Errorf("modem: %s: %w", cmd, err)
		}
	}
	m.flush()
	m.wbuf = append(append(m.wbuf[:0], cmd...), '\r')
	if err := m.write(m.wbuf); err != nil {
		return CodeNone, err
	}
	return m.await(ctx, cmd, info, wait, remote)
}

// await reads lines until a final result code, within wait and ctx.
func (m *Modem) await(ctx context.Context, cmd string, info *[]string, wait time.Duration, remote bool) (Code, error) {
	m.startTimer(wait)
	defer m.stopTimer()
	var perr error // first garbage line; reported once the result is in
	for {
		line, err := m.readLine(ctx)
		if err != nil {
			if perr != nil && (err == errWait || ctx.Err() != nil) {
				return CodeNone, perr
			}
			return CodeNone, m.waitErr(ctx, cmd, err, remote)
		}
		if strings.EqualFold(string(line), cmd) {
			continue // echo, before ATE0 takes effect
		}
		code := ParseResult(line)
		switch code {
		case CodeNone:
			if parseCallerID(line, &m.cid) {
				continue
			}
			if info != nil && printable(line) {
				*info = append(*info, strings.TrimSpace(string(line)))
				continue
			}
			if perr == nil {
				perr = &ProtocolError{Cmd: cmd, Line: string(line), Msg: "unexpected response"}
			}
			continue
		case CodeRing:
			m.ring()
			continue
		}
		if perr != nil {
			return code, perr
		}
		if code == CodeOK || code == CodeConnect {
			return code, nil
		}
		return code, &ResultError{Cmd: cmd, Code: code}
	}
}

// waitErr turns a failed wait into the error the caller gets, aborting a
// remote wait so that the modem is back in command state.
func (m *Modem) waitErr(ctx context.Context, cmd string, err error, remote bool) error {
	switch {
	case err == errWait && !remote:
		return &timeoutError{cmd: cmd, notResponding: true}
	case err == errWait:
		m.abort()
		return &timeoutError{cmd: cmd}
	case errors.Is(err, context.DeadlineExceeded):
		if remote {
			m.abort()
		}
		return &timeoutError{cmd: cmd, cause: err}
	case errors.Is(err, context.Canceled):
		if remote {
			m.abort()
		}
		return fmt.Errorf("modem: %s: %w", cmd, err)
	}
	return err
}

// abort ends a receive or dial in progress: T.31 8.3.3 and V.250 6.3.1
// let any character from the DTE abort it, and the modem then answers
// with a final result code, which abort waits for (ignoring data).
func (m *Modem) abort() {
	m.st = stCommand
	if m.write([]byte{can}) != nil {
		return
	}
	m.drain()
}

// drain discards input up to the next final result code, or gives up
// after ResponseTimeout.
func (m *Modem) drain() {
	m.startTimer(m.cfg.responseTimeout())
	defer m.stopTimer()
	for {
		line, err := m.readLine(context.Background())
		if err != nil {
			return
		}
		switch ParseResult(line) {
		case CodeNone, CodeRing, CodeConnect:
			continue
		}
		return
	}
}

// resync brings the modem from a data state that the previous operation
// left open back to command state.
func (m *Modem) resync(ctx context.Context) error {
	switch m.st {
	case stHDLCRx:
		m.abort()
	case stHDLCTx:
		// An empty frame ends HDLC transmission (T.31 8.3.5).
		m.st = stCommand
		if err := m.write([]byte{dle, etx}); err != nil {
			return err
		}
		_, err := m.await(ctx, "AT+FTH=3", nil, m.cfg.responseTimeout(), false)
		if err != nil && !errors.Is(err, ErrError) {
			return err
		}
	}
	return nil
}

func (m *Modem) unexpected(cmd string, code Code) error {
	return &ProtocolError{Cmd: cmd, Line: code.String(), Msg: "unexpected result"}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// remoteWait returns how long to wait for the far end: until ctx's
// deadline, or WaitTimeout if it has none.
func (m *Modem) remoteWait(ctx context.Context) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		return time.Until(dl) + time.Second // ctx fires first
	}
	return m.cfg.waitTimeout()
}
