//go:build spandsp

package spandsp

import (
	"errors"
	"fmt"
	"os"
	"runtime/cgo"
	"strconv"
	"strings"
)

// Role is what the fax terminal does with its file.
type Role uint8

// The fax terminal's roles.
const (
	Send    Role = iota + 1 // send the pages of a TIFF-F file
	Receive                 // receive pages into a TIFF-F file
)

func (r Role) String() string {
	switch r {
	case Send:
		return "send"
	case Receive:
		return "receive"
	}
	return fmt.Sprintf("Role(%d)", uint8(r))
}

// Dialer says which end places the call.
type Dialer uint8

// Who places the call.
const (
	// DialerAuto: a sending terminal dials the modem, a receiving
	// terminal waits for the modem's DTE to dial.
	DialerAuto Dialer = iota
	// DialerTerminal: the terminal dials; the DTE sees RING and answers
	// with ATA.
	DialerTerminal
	// DialerModem: the DTE dials (ATD); the terminal answers on the first
	// ring.
	DialerModem
)

// Compression is a set of T.4/T.6 codings.
type Compression uint8

// Codings.
const (
	MH  Compression = 1 << iota // T.4 one-dimensional (modified Huffman)
	MR                          // T.4 two-dimensional (modified READ)
	MMR                         // T.6 (modified modified READ); needs ECM
)

func (c Compression) String() string {
	var s []string
	for _, x := range []struct {
		c Compression
		n string
	}{{MH, "MH"}, {MR, "MR"}, {MMR, "MMR"}} {
		if c&x.c != 0 {
			s = append(s, x.n)
		}
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, "|")
}

// Modems is a set of image data modulations.
type Modems uint8

// Modulations.
const (
	V27ter Modems = 1 << iota // 2400 and 4800 bit/s
	V29                       // 7200 and 9600 bit/s
	V17                       // 7200 to 14400 bit/s
)

// FaxConfig configures spandsp's T.30 fax terminal.
type FaxConfig struct {
	Role Role
	// File is the TIFF-F file to send, or the path to receive into.
	File string
	// Ident is the terminal's identity (TSI or CSI), up to 20 characters.
	Ident string
	// ECM offers or accepts error correction mode (T.30 Annex A).
	ECM bool
	// Compressions limits the codings offered; zero keeps spandsp's
	// default (MH, MR and MMR).
	Compressions Compression
	// Modems limits the modulations offered; zero keeps spandsp's default
	// (V.27ter, V.29 and V.17).
	Modems Modems
	// Dialer says who places the call.
	Dialer Dialer
}

func (c *FaxConfig) validate() error {
	switch c.Role {
	case Send:
		if _, err := os.Stat(c.File); err != nil {
			return fmt.Errorf("spandsp: fax file: %w", err)
		}
	case Receive:
		if c.File == "" {
			return errors.New("spandsp: no file to receive into")
		}
	default:
		return fmt.Errorf("spandsp: fax role %v", c.Role)
	}
	if len(c.Ident) > 20 {
		return fmt.Errorf("spandsp: ident %q longer than 20", c.Ident)
	}
	return nil
}

// Frame is a T.30 control frame that the fax terminal sent or received:
// address, control and FCF octets onwards, without the FCS.
type Frame struct {
	Incoming bool
	Data     []byte
}

// Result is the outcome of the fax terminal's call.
type Result struct {
	// Code is the T.30 completion code; CodeOK when the fax went through.
	Code Code
	// Pages is the number of pages sent (Send) or received (Receive) and
	// confirmed.
	Pages int
	// BitRate is the image data rate last negotiated, in bit/s.
	BitRate int
	// ECM reports whether error correction mode was used.
	ECM bool
	// Compression is the coding used for the image data.
	Compression Compression
	// RemoteIdent is the far end's TSI or CSI.
	RemoteIdent string
	// Negotiated reports whether phase B completed (DCS exchanged).
	Negotiated bool
	// Frames are the T.30 frames in the order the terminal saw them.
	Frames []Frame
}

// OK reports whether the fax went through.
func (r Result) OK() bool { return r.Code == CodeOK }

// faxTerm is spandsp's fax terminal as one side of a line.
type faxTerm struct {
	l      *Line
	idx    int
	cfg    FaxConfig
	calls  bool
	t      *terminal
	active bool // the call is up and the terminal runs
	done   bool
	res    Result
}

func newFaxTerm(l *Line, idx int, cfg FaxConfig) (*faxTerm, error) {
	f := &faxTerm{l: l, idx: idx, cfg: cfg}
	switch cfg.Dialer {
	case DialerAuto:
		f.calls = cfg.Role == Send
	case DialerTerminal:
		f.calls = true
	}
	h := cgo.NewHandle(f)
	l.handles = append(l.handles, h)
	f.t = newTerminal(h, f.calls, l.opts.LogLevel, strconv.FormatUint(uint64(h), 10))
	if f.t == nil {
		return nil, errors.New("spandsp: fax_init failed")
	}
	f.t.configure(&cfg)
	return f, nil
}

func (f *faxTerm) name() string { return "fax" }

func (f *faxTerm) logSpandsp(s string) { f.l.logf("fax: %s", s) }

func (f *faxTerm) tx(amp []int16) {
	n := 0
	if f.active {
		n = f.t.tx(amp)
	}
	clear(amp[max(n, 0):])
}

func (f *faxTerm) rx(amp []int16) {
	if f.active {
		f.t.rx(amp)
	}
}

func (f *faxTerm) ring() {
	if f.done {
		return
	}
	f.l.after(answerDelay, func() { f.l.answer(f.idx) })
}

func (f *faxTerm) answered()  { f.active = !f.done }
func (f *faxTerm) connected() { f.active = !f.done }
func (f *faxTerm) busy()      { f.finish(CodeT0Expired) }
func (f *faxTerm) noAnswer()  { f.finish(CodeT0Expired) }

func (f *faxTerm) hangup() {
	switch {
	case f.done:
	case f.active:
		f.l.logf("fax: line dropped; terminating T.30")
		f.t.terminate()
		if !f.done {
			f.finish(CodeCallDropped)
		}
	default:
		f.finish(CodeCallDropped)
	}
}

func (f *faxTerm) phaseB(result int) {
	st := f.t.stats()
	f.res.Negotiated = true
	f.note(st)
	f.l.logf("fax: phase B (%#x): %d bit/s, ECM %v, %v", result, st.bitRate, st.ecm != 0, f.res.Compression)
}

func (f *faxTerm) phaseD(result int) {
	st := f.t.stats()
	f.note(st)
	f.l.logf("fax: phase D (%#x): pages tx %d rx %d", result, st.pagesTx, st.pagesRx)
}

func (f *faxTerm) phaseE(code int) {
	f.l.logf("fax: phase E: %v", Code(code))
	if f.res.Negotiated {
		f.note(f.t.stats())
	}
	f.finish(Code(code))
}

func (f *faxTerm) note(st stats) {
	if st.bitRate > 0 {
		f.res.BitRate = st.bitRate
	}
	f.res.ECM = st.ecm != 0
	switch st.encoding {
	case encT41D:
		f.res.Compression = MH
	case encT42D:
		f.res.Compression = MR
	case encT6:
		f.res.Compression = MMR
	}
	if f.cfg.Role == Send {
		f.res.Pages = st.pagesTx
	} else {
		f.res.Pages = st.pagesRx
	}
}

func (f *faxTerm) frame(incoming bool, b []byte) {
	f.res.Frames = append(f.res.Frames, Frame{Incoming: incoming, Data: b})
	dir := "->"
	if incoming {
		dir = "<-"
	}
	f.l.logf("fax: %s % x", dir, b)
}

// finish records the result once and hangs up.
func (f *faxTerm) finish(code Code) {
	if f.done {
		return
	}
	f.done = true
	f.active = false
	f.res.Code = code
	if f.t != nil {
		f.res.RemoteIdent = strings.TrimSpace(f.t.remoteIdent())
	}
	f.l.result = f.res
	close(f.l.done)
	f.l.after(0, func() { f.l.hangup(f.idx) })
}

func (f *faxTerm) free() {
	if f.t != nil {
		f.t.free()
		f.t = nil
	}
}
