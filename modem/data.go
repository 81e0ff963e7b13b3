package modem

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// errBadModulation reports a code that is not a high-speed modulation.
var errBadModulation = errors.New("modem: not a high-speed modulation code")

// SendData sends the bytes of r with high-speed modulation mod (T.31
// 8.3.2, AT+FTM): it waits for CONNECT (after training), streams r with
// DLE doubling in writes of up to 1 KiB, then <DLE><ETX>, and waits for OK,
// which the modem gives when the last bit is out and the carrier is off.
// Flow control is the port's (RTS/CTS in the kernel, or a blocking pipe):
// a write blocks while the modem's buffer is full, so SendData feeds the
// modem as fast as it takes data and never lets it underrun unless r is
// slow. The context is checked between writes; a blocked write ends only
// when the modem reads or the Modem is closed. It returns the number of
// bytes of r sent.
func (m *Modem) SendData(ctx context.Context, mod Modulation, r io.Reader) (int64, error) {
	if !mod.Valid() || mod == V21 {
		return 0, errBadModulation
	}
	cmd := "AT+FTM=" + strconv.Itoa(int(mod))
	code, err := m.exec(ctx, cmd, nil, m.cfg.responseTimeout()+3*time.Second, false)
	if err != nil {
		return 0, err
	}
	if code != CodeConnect {
		return 0, m.unexpected(cmd, code)
	}
	connected := time.Now()
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			m.endData(cmd, mod, total, connected)
			return total, m.waitErr(ctx, cmd, err, false)
		}
		n, rerr := r.Read(m.rbuf[:chunk])
		m.wbuf = AppendStuffed(m.wbuf[:0], m.rbuf[:n])
		total += int64(n)
		if rerr == io.EOF {
			break
		}
		if len(m.wbuf) > 0 {
			if err := m.write(m.wbuf); err != nil {
				return total, err
			}
		}
		if rerr != nil {
			m.endData(cmd, mod, total, connected)
			return total, fmt.Errorf("modem: %s: reading data: %w", cmd, rerr)
		}
	}
	m.wbuf = append(m.wbuf, dle, etx)
	if err := m.write(m.wbuf); err != nil {
		return total, err
	}
	code, err = m.await(ctx, cmd, nil, m.drainTime(mod, total, connected), false)
	if err != nil {
		return total, err
	}
	if code != CodeOK {
		return total, m.unexpected(cmd, code)
	}
	return total, nil
}

// drainTime bounds the wait for OK after the last data byte, sent bytes
// after the modem's CONNECT at connected. The modem gives OK when the last
// bit is on the line (T.31 8.3.2): bytes taken faster than the line
// carries them wait in the modem's buffer and in whatever the port
// buffers, which flow control does not bound (a pseudo-terminal or a USB
// adapter holds tens of KiB, a 256-frame ECM block is up to 64 KiB), so
// the carrier lasts at least the data's time at the rate from CONNECT on.
// An underrun (the DTE slower than the line) adds fill that the modem
// sent while waiting, so at least a buffer's worth is allowed too.
func (m *Modem) drainTime(mod Modulation, sent int64, connected time.Time) time.Duration {
	const maxBuffered = 16 << 10
	left := max(bitTime(int(sent), mod.Rate())-time.Since(connected), bitTime(int(min(sent, maxBuffered)), mod.Rate()))
	return m.cfg.responseTimeout() + left
}

// endData ends a transmission cut short, so the modem returns to command
// state, and waits for its result.
func (m *Modem) endData(cmd string, mod Modulation, sent int64, connected time.Time) {
	if m.write([]byte{dle, etx}) != nil {
		return
	}
	_, _ = m.await(context.Background(), cmd, nil, m.drainTime(mod, sent, connected), false)
}

// ReceiveData receives high-speed data with modulation mod (T.31 8.3.3,
// AT+FRM) and writes it, unstuffed, to w in chunks of up to 4 KiB. It waits
// for the carrier until ctx ends (ErrTimeout), then copies until the modem
// signals the end of the carrier with <DLE><ETX> and NO CARRIER (or OK),
// which is a normal end: a carrier lost early looks the same, and only
// the data (RTC, its length) tells. +FCERROR, a different carrier, matches
// ErrFCError. If no byte arrives for ResponseTimeout, or ctx ends, the
// receive is aborted with ErrTimeout. It returns the bytes written to w.
func (m *Modem) ReceiveData(ctx context.Context, mod Modulation, w io.Writer) (int64, error) {
	if !mod.Valid() || mod == V21 {
		return 0, errBadModulation
	}
	cmd := "AT+FRM=" + strconv.Itoa(int(mod))
	code, err := m.exec(ctx, cmd, nil, m.remoteWait(ctx), true)
	if err != nil {
		return 0, err
	}
	if code != CodeConnect {
		return 0, m.unexpected(cmd, code)
	}
	m.st = stHDLCRx // a data state that an abort ends
	var (
		u     Unstuffer
		total int64
		gap   = m.cfg.responseTimeout()
	)
	m.startTimer(gap)
	for {
		if err := m.fill(ctx); err != nil {
			m.stopTimer()
			return total, m.waitErr(ctx, cmd, err, true)
		}
		out, n, end := u.Decode(m.rbuf[:0], m.pend)
		m.pend = m.pend[n:]
		if len(out) > 0 {
			k, werr := w.Write(out)
			total += int64(k)
			if werr != nil {
				m.stopTimer()
				m.abort()
				return total, fmt.Errorf("modem: %s: writing data: %w", cmd, werr)
			}
		}
		if end {
			break
		}
		m.startTimer(gap)
	}
	m.st = stCommand
	code, err = m.await(ctx, cmd, nil, m.cfg.responseTimeout(), false)
	if errors.Is(err, ErrNoCarrier) || err == nil && code == CodeOK {
		return total, nil
	}
	if err != nil {
		return total, err
	}
	return total, m.unexpected(cmd, code)
}

// Silence keeps the line silent for d (AT+FTS, T.31 8.3.6), rounded up to
// 10 ms units and at most 2.55 s; it returns when the time is up. T.30
// 5.3.2.4 asks for 75 ms ±20 ms between V.21 and high-speed signals.
func (m *Modem) Silence(ctx context.Context, d time.Duration) error {
	cmd := "AT+FTS=" + strconv.Itoa(tens(d))
	code, err := m.exec(ctx, cmd, nil, m.cfg.responseTimeout()+d, false)
	if err != nil {
		return err
	}
	if code != CodeOK {
		return m.unexpected(cmd, code)
	}
	return nil
}

// WaitSilence waits until the line has been silent for d (AT+FRS, T.31
// 8.3.7), for example before answering a command so as not to talk over
// the far end. It waits until ctx ends, which aborts it with ErrTimeout.
func (m *Modem) WaitSilence(ctx context.Context, d time.Duration) error {
	cmd := "AT+FRS=" + strconv.Itoa(tens(d))
	code, err := m.exec(ctx, cmd, nil, m.remoteWait(ctx), true)
	if err != nil {
		return err
	}
	if code != CodeOK {
		return m.unexpected(cmd, code)
	}
	return nil
}

// tens converts d to 10 ms units, rounded up, within 0..255.
func tens(d time.Duration) int {
	n := int((d + 10*time.Millisecond - 1) / (10 * time.Millisecond))
	return max(0, min(n, 255))
}
