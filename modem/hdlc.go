package modem

import (
	"bytes"
	"context"
	"errors"
	"time"
)

const (
	cmdFTH = "AT+FTH=3"
	cmdFRH = "AT+FRH=3"
	// maxFrame bounds a received frame: T.30 frames are at most 3 s of
	// V.21, about 110 octets; ECM frames carry 256 octets of data.
	maxFrame = 300
	// frameTimeout is the longest wait for a frame after CONNECT: 3 s
	// +15 % per T.31, doubled as HylaFAX does (7 550 ms).
	frameTimeout = 7550 * time.Millisecond
	// preamble is the V.21 flag sequence before the first frame
	// (T.30 5.3.1: 1 s ±15 %).
	preamble = 1150 * time.Millisecond
)

// errFinalMismatch reports a final flag that contradicts the frame.
var errFinalMismatch = errors.New("modem: SendFrame: final flag does not match the control field's final bit")

// errShortFrame reports a frame without address and control fields.
var errShortFrame = errors.New("modem: SendFrame: frame shorter than address and control fields")

// SendFrame sends one V.21 HDLC frame (T.31 8.3.5, T.30 5.3.6): the
// address (0xff), control (0x03, or 0x13 for the final frame) and
// information fields, WITHOUT the frame check sequence, which the modem
// computes and appends. final must match the control field's final bit:
// the modem answers CONNECT after a non-final frame (send the next one at
// once, within 5 s) and OK after the final frame, when it has turned its
// carrier off. Unless the previous call left the modem sending (Answer or
// a non-final frame), SendFrame first sends AT+FTH=3 and waits for the
// flags to start.
func (m *Modem) SendFrame(ctx context.Context, frame []byte, final bool) error {
	if len(frame) < 2 {
		return errShortFrame
	}
	if frame[1]&0x10 != 0 != final {
		return errFinalMismatch
	}
	if m.st != stHDLCTx {
		code, err := m.exec(ctx, cmdFTH, nil, m.cfg.responseTimeout(), false)
		if err != nil {
			return err
		}
		if code != CodeConnect {
			return m.unexpected(cmdFTH, code)
		}
	}
	m.st = stCommand
	m.wbuf = append(AppendStuffed(m.wbuf[:0], frame), dle, etx)
	if err := m.write(m.wbuf); err != nil {
		return err
	}
	// The modem answers once the frame is on the line: allow the
	// preamble and the frame's bits at 300 bit/s on top.
	wait := m.cfg.responseTimeout() + preamble + bitTime(len(frame)+4, 300)
	code, err := m.await(ctx, cmdFTH, nil, wait, false)
	if err != nil {
		return err
	}
	switch {
	case final && code == CodeOK:
	case !final && code == CodeConnect:
		m.st = stHDLCTx
	default:
		return m.unexpected(cmdFTH, code)
	}
	return nil
}

// ReceiveFrame receives one V.21 HDLC frame (T.31 8.3.5) and appends it
// to buf[:0], returning the result: address, control and information
// fields, WITHOUT the two FCS octets the modem passes on (they are checked
// only with Config.ValidateFCS). Unless Dial left the modem receiving, it
// sends AT+FRH=3 and waits for a V.21 carrier until ctx ends (ErrTimeout,
// after aborting the command). A frame the modem flags with ERROR comes
// back with an error matching ErrBadFCS and ErrError; +FCERROR (a
// high-speed carrier is still on, T.31 8.3.4) matches ErrFCError; a
// carrier that ends without a frame matches ErrNoCarrier.
func (m *Modem) ReceiveFrame(ctx context.Context, buf []byte) ([]byte, error) {
	return m.receiveFrame(ctx, buf, m.remoteWait(ctx))
}

// ReceiveFrameStarting is ReceiveFrame with a limit on the wait for the
// frame to begin: when no V.21 carrier comes within start, it ends with
// ErrTimeout (after aborting the command); once the carrier is there, the
// frame may take its time, within ctx and the modem's frame timeout. T.30
// times responses this way (T4 runs until the response begins), so a
// frame that starts late is not cut off by the time it needs to arrive.
func (m *Modem) ReceiveFrameStarting(ctx context.Context, buf []byte, start time.Duration) ([]byte, error) {
	return m.receiveFrame(ctx, buf, min(start, m.remoteWait(ctx)))
}

func (m *Modem) receiveFrame(ctx context.Context, buf []byte, wait time.Duration) ([]byte, error) {
	if m.st != stHDLCRx {
		code, err := m.exec(ctx, cmdFRH, nil, wait, true)
		if err != nil {
			return buf[:0], err
		}
		if code != CodeConnect {
			return buf[:0], m.unexpected(cmdFRH, code)
		}
	}
	m.st = stHDLCRx // until the frame's final result
	frame := buf[:0]
	var u Unstuffer
	m.startTimer(frameTimeout)
	for {
		if err := m.fill(ctx); err != nil {
			m.stopTimer()
			return frame[:0], m.waitErr(ctx, cmdFRH, err, true)
		}
		var n int
		var end bool
		frame, n, end = u.Decode(frame, m.pend)
		m.pend = m.pend[n:]
		if end {
			break
		}
		if len(frame) > maxFrame {
			m.stopTimer()
			m.abort()
			return frame[:0], &ProtocolError{Cmd: cmdFRH, Line: string(frame[:16]), Msg: "frame too long"}
		}
	}
	m.st = stCommand
	frame = skipConnect(frame)
	code, err := m.await(ctx, cmdFRH, nil, m.cfg.responseTimeout(), false)
	if code == CodeError && len(frame) > 0 {
		return stripFCS(frame), &ResultError{Cmd: cmdFRH, Code: CodeError, BadFCS: true}
	}
	if err != nil {
		return frame[:0], err
	}
	if code != CodeOK {
		return frame[:0], m.unexpected(cmdFRH, code)
	}
	if len(frame) < 4 {
		return frame[:0], &ProtocolError{Cmd: cmdFRH, Line: string(frame), Msg: "frame too short"}
	}
	if m.cfg.ValidateFCS || m.quirks.ValidateFCS {
		n := len(frame) - 2
		if FCS(frame[:n]) != uint16(frame[n])|uint16(frame[n+1])<<8 {
			return frame[:n], &ResultError{Cmd: cmdFRH, Code: CodeError, BadFCS: true}
		}
	}
	return stripFCS(frame), nil
}

// skipConnect removes CONNECT result lines in front of a frame. A modem
// that detected the flags before the DTE sent AT+FRH=3 may report CONNECT
// twice: once for the queued carrier, once for the command (spandsp 0.0.6
// does). A frame starts with its address octet 0xff, never with CR or LF.
func skipConnect(frame []byte) []byte {
	for len(frame) > 0 && (frame[0] == '\r' || frame[0] == '\n') {
		rest := bytes.TrimLeft(frame, "\r\n")
		line, after, ok := bytes.Cut(rest, []byte("\r\n"))
		if !ok || ParseResult(line) != CodeConnect {
			break
		}
		frame = frame[:copy(frame, after)]
	}
	return frame
}

func stripFCS(frame []byte) []byte {
	if len(frame) < 2 {
		return frame[:0]
	}
	return frame[:len(frame)-2]
}

// bitTime is the time n octets take at rate bit/s.
func bitTime(n, rate int) time.Duration {
	return time.Duration(n) * 8 * time.Second / time.Duration(rate)
}
