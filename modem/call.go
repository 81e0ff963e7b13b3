package modem

import (
	"context"
	"errors"
	"strings"
	"time"
)

// DialCommand returns the ATD command for number: "ATDT" (or "ATDP" when
// pulse) followed by the dial string. Digits, '*', '#', 'A'-'D', and the
// V.250 6.3.1 modifiers ',' (pause, S8 seconds), 'W' (wait for dial tone),
// '@' (wait for quiet answer), '!' (hook flash), 'T' and 'P' (switch to
// tone or pulse) are kept; blanks, '-', '.', '(' and ')' are dropped;
// anything else is an error.
func DialCommand(number string, pulse bool) (string, error) {
	var b strings.Builder
	b.WriteString("ATDT")
	if pulse {
		b.Reset()
		b.WriteString("ATDP")
	}
	digits := 0
	for _, c := range strings.ToUpper(number) {
		switch {
		case c >= '0' && c <= '9', c == '*', c == '#', c >= 'A' && c <= 'D':
			digits++
			b.WriteRune(c)
		case strings.ContainsRune(",W@!TP", c):
			b.WriteRune(c)
		case strings.ContainsRune(" -.()", c):
		default:
			return "", &ProtocolError{Cmd: "ATD", Line: number, Msg: "bad character in dial string"}
		}
	}
	if digits == 0 {
		return "", &ProtocolError{Cmd: "ATD", Line: number, Msg: "empty dial string"}
	}
	return b.String(), nil
}

// Dial calls number (see DialCommand; Config.Pulse selects pulse
// dialling) and returns once the modem reports CONNECT, which in class 1
// means it heard the called fax's V.21 flags (T.31 8.3.1): the first frame
// is then read with ReceiveFrame, without a further AT+FRH=3. Failures are
// *ResultError matching ErrBusy, ErrNoDialTone, ErrNoAnswer or
// ErrNoCarrier; a context deadline aborts the dial with ErrTimeout.
func (m *Modem) Dial(ctx context.Context, number string) error {
	cmd, err := DialCommand(number, m.cfg.Pulse)
	if err != nil {
		return err
	}
	code, err := m.exec(ctx, cmd, nil, m.remoteWait(ctx), true)
	if err != nil {
		return err
	}
	if code != CodeConnect {
		return m.unexpected(cmd, code)
	}
	m.st = stHDLCRx
	return nil
}

// Answer takes an incoming call (ATA). The modem sends the CED tone and
// reports CONNECT when it sends V.21 flags (T.31 8.3.1): the first frame
// (CSI or DIS) is then sent with SendFrame, without a further AT+FTH=3.
func (m *Modem) Answer(ctx context.Context) error {
	m.rings, m.ringSeq, m.cid = 0, 0, CallerID{}
	code, err := m.exec(ctx, "ATA", nil, m.remoteWait(ctx), true)
	if err != nil {
		return err
	}
	if code != CodeConnect {
		return m.unexpected("ATA", code)
	}
	m.st = stHDLCTx
	return nil
}

// dtrDrop is how long HangUp holds DTR low; V.250 asks the modem to act on
// a drop longer than S25 hundredths of a second, 50 ms by default.
const dtrDrop = 200 * time.Millisecond

// HangUp ends the call. When the port implements DTRSetter it first
// drops DTR (the modem hangs up if configured with AT&D2; a pty has no DTR
// and the error is ignored), then it sends ATH0 in any case. NO CARRIER in
// answer to ATH0 counts as success.
func (m *Modem) HangUp(ctx context.Context) error {
	m.rings, m.ringSeq, m.cid = 0, 0, CallerID{}
	if d, ok := m.rw.(DTRSetter); ok {
		if d.SetDTR(false) == nil {
			err := sleep(ctx, dtrDrop)
			_ = d.SetDTR(true)
			if err != nil {
				return err
			}
			// On DTR loss the modem leaves any data state by itself.
			m.st = stCommand
			if err := sleep(ctx, 2*dtrDrop); err != nil {
				return err
			}
		}
	}
	code, err := m.exec(ctx, "ATH0", nil, m.cfg.responseTimeout(), false)
	if err != nil && !errors.Is(err, ErrNoCarrier) {
		return err
	}
	if err == nil && code != CodeOK {
		return m.unexpected("ATH0", code)
	}
	m.st = stCommand
	return nil
}

// Ring is one RING of an incoming call.
type Ring struct {
	// Count numbers the rings of this call from 1; a pause of more than
	// 10 s starts a new call.
	Count int `json:"count"`
	// CallerID holds what the modem reported so far: in North America it
	// arrives between the first and second ring.
	CallerID CallerID `json:"caller_id"`
}

// WaitRing returns at the next RING (or at once for a RING already
// received), with the caller ID reported so far. It waits until ctx ends,
// which it reports as ErrTimeout; a silent modem cannot be told from a
// silent line here.
func (m *Modem) WaitRing(ctx context.Context) (Ring, error) {
	if err := m.resync(ctx); err != nil {
		return Ring{}, err
	}
	m.stopTimer()
	for m.rings == 0 {
		line, err := m.readLine(ctx)
		if err != nil {
			return Ring{}, m.waitErr(ctx, "", err, false)
		}
		m.unsolicited(line)
	}
	m.rings--
	return Ring{Count: m.ringSeq, CallerID: m.cid}, nil
}
