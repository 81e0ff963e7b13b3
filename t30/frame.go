package t30

import (
	"bytes"
	"fmt"
)

// The address and control octets of a T.30 HDLC frame (T.30 5.3.5, 5.3.6).
const (
	// Address is the address field of every T.30 frame (5.3.5: all ones).
	Address = 0xFF
	// Control is the control field of a frame that is not the last of a
	// message (5.3.6: 1100 0000).
	Control = 0x03
	// ControlFinal is the control field of the last frame of a message
	// (5.3.6: 1100 1000, the P/F bit set).
	ControlFinal = 0x13
)

// IdentLen is the length of the FIF of CSI, TSI, CIG and the other
// identity frames (T.30 5.3.6.2.4 and Table 3): 20 characters.
const IdentLen = 20

// MaxFCDData is the longest FCD data field: 256 octets (T.4 A.3.6.1; a
// call uses 256- or 64-octet frames, T.30 Table 2 bit 28).
const MaxFCDData = 256

// FrameHeader is the part every frame shares: the FCF with the X bit
// split off, and the final bit of the control field.
type FrameHeader struct {
	// FCF is the facsimile control field with the X bit clear.
	FCF FCF
	// X is the X bit of T.30 5.3.6.1: set by the station that received a
	// valid DIS (normally the calling station), clear from the other
	// station. Ignored for FCFs without an X bit ([FCF.HasX]).
	X bool
	// Final is the P/F bit of the control field (T.30 5.3.6): set on the
	// last frame of a message (control 0x13), clear otherwise (0x03).
	Final bool
}

// Header returns h; embedding FrameHeader gives every frame this method.
func (h FrameHeader) Header() FrameHeader { return h }

// Frame is a parsed T.30 frame: one of *DISFrame, *DCSFrame, *IdentFrame,
// *NonStandardFrame, *SignalFrame, *PPSFrame, *EORFrame, *PPRFrame,
// *CTCFrame, *FCDFrame or *UnknownFrame.
type Frame interface {
	// Header returns the FCF, X bit and final bit of the frame.
	Header() FrameHeader
	// appendFIF appends the facsimile information field.
	appendFIF(dst []byte) ([]byte, error)
}

// DISFrame is a DIS or DTC frame (T.30 5.3.6.2.1, 5.3.6.2.2): the
// capabilities of the station that sends it, FIF after Table 2.
type DISFrame struct {
	FrameHeader
	Caps Capabilities
}

func (f *DISFrame) appendFIF(dst []byte) ([]byte, error) {
	return f.Caps.AppendFIF(dst), nil
}

// DCSFrame is a DCS frame (T.30 5.3.6.2.3): the parameters the sender
// chose for the following message, FIF after Table 2.
type DCSFrame struct {
	FrameHeader
	Params Params
}

func (f *DCSFrame) appendFIF(dst []byte) ([]byte, error) {
	return f.Params.AppendFIF(dst), nil
}

// IdentFrame is an identity frame: CSI, TSI, CIG (T.30 5.3.6.2.4 ff.),
// and the frames with the same 20-character FIF, PWD, SEP, SUB, SID and
// PSA. On the line the identity is right-aligned in 20 characters, padded
// with spaces, and sent last character first (Table 3), so the padding
// comes last on the wire.
type IdentFrame struct {
	FrameHeader
	// Ident is the identity without padding. T.30 Table 3 allows the
	// digits, "+" and space; other characters are passed through, as real
	// machines send letters. At most 20 octets.
	Ident string
}

func (f *IdentFrame) appendFIF(dst []byte) ([]byte, error) {
	if len(f.Ident) > IdentLen {
		return dst, invalid(f.FCF, fmt.Sprintf("identity of %d characters, longer than %d", len(f.Ident), IdentLen))
	}
	// Reversed, the last character goes first; padding follows.
	for i := len(f.Ident) - 1; i >= 0; i-- {
		dst = append(dst, f.Ident[i])
	}
	for range IdentLen - len(f.Ident) {
		dst = append(dst, ' ')
	}
	return dst, nil
}

// NonStandardFrame is an NSF, NSS or NSC frame (T.30 5.3.6.2.1): a T.35
// country code, a provider code and vendor data, kept as they arrived.
type NonStandardFrame struct {
	FrameHeader
	// FIF is the information field as received.
	FIF []byte
}

func (f *NonStandardFrame) appendFIF(dst []byte) ([]byte, error) {
	return append(dst, f.FIF...), nil
}

// SignalFrame is a frame whose FCF is the whole message (T.30 5.3.6.2):
// CFR, FTT, CTR, MCF, RTN, RTP, PIN, PIP, PID, MPS, EOM, EOP, EOS, the
// PRI-Q commands, RR, RNR, ERR, DCN, CRP, TNR, TR, and RCP (T.4 A.3.6.2).
// A FIF received with one of them is ignored.
type SignalFrame struct {
	FrameHeader
}

func (f *SignalFrame) appendFIF(dst []byte) ([]byte, error) { return dst, nil }

// PPSFrame is a partial page signal (T.30 5.3.6.2.5, A.4): the sender's
// post-message command after an ECM block.
type PPSFrame struct {
	FrameHeader
	// Post is the second FCF: Null (PPS-NULL, more blocks of this page
	// follow), MPS, EOM, EOP, EOS, PRIMPS, PRIEOM or PRIEOP, X bit clear;
	// it is sent with the frame's X bit.
	Post FCF
	// Page is the page counter, modulo 256, from 0.
	Page uint8
	// Block is the block counter within the page, modulo 256, from 0.
	Block uint8
	// FrameCount is the number of frames in the block minus one, as on
	// the wire (0 to 255 for 1 to 256 frames).
	FrameCount uint8
}

// Frames returns the number of frames in the block, FrameCount+1.
func (f *PPSFrame) Frames() int { return int(f.FrameCount) + 1 }

func (f *PPSFrame) appendFIF(dst []byte) ([]byte, error) {
	return append(dst, f.Post.Octet(f.X), f.Page, f.Block, f.FrameCount), nil
}

// EORFrame is an end of retransmission command (T.30 5.3.6.2.5, A.4):
// the sender gives up correcting a block; Post is the second FCF as in
// [PPSFrame].
type EORFrame struct {
	FrameHeader
	Post FCF
}

func (f *EORFrame) appendFIF(dst []byte) ([]byte, error) {
	return append(dst, f.Post.Octet(f.X)), nil
}

// PPRFrame is a partial page request (T.30 5.3.6.2.6, A.4): a map of 256
// bits, one per frame of the block, set for each frame to send again.
type PPRFrame struct {
	FrameHeader
	// Map holds the bit of frame n in bit n%8 (first on the line) of
	// octet n/8.
	Map [32]byte
}

// Bad reports whether frame n (0 to 255) is marked for retransmission.
func (f *PPRFrame) Bad(n uint8) bool { return f.Map[n/8]&(1<<(n%8)) != 0 }

// SetBad marks frame n for retransmission.
func (f *PPRFrame) SetBad(n uint8) { f.Map[n/8] |= 1 << (n % 8) }

// Count returns the number of frames marked for retransmission.
func (f *PPRFrame) Count() int {
	n := 0
	for _, b := range f.Map {
		for ; b != 0; b &= b - 1 {
			n++
		}
	}
	return n
}

func (f *PPRFrame) appendFIF(dst []byte) ([]byte, error) {
	return append(dst, f.Map[:]...), nil
}

// CTCFrame is a continue to correct command (T.30 5.3.6.2.3, A.4): after
// the fourth PPR the sender goes on correcting, at the bit rate given in
// the DCS-like FIF (bits 11 to 14 of Table 2). Some senders (spandsp)
// send CTC without FIF; then HasRate is false.
type CTCFrame struct {
	FrameHeader
	// HasRate reports whether the frame carries a FIF with a bit rate.
	HasRate bool
	// Rate is the bit rate for the following retransmissions.
	Rate BitRate
}

func (f *CTCFrame) appendFIF(dst []byte) ([]byte, error) {
	if !f.HasRate {
		return dst, nil
	}
	return append(dst, 0, uint8(f.Rate&0x0F)<<2), nil
}

// FCDFrame is a facsimile coded data frame of an ECM block (T.4 A.3.6.1):
// a frame number and up to 256 octets of the page's coded data.
type FCDFrame struct {
	FrameHeader
	// Number is the frame's number within the block, from 0.
	Number uint8
	// Data is the coded data: 256 or 64 octets, fewer in the last frame
	// of a block.
	Data []byte
}

func (f *FCDFrame) appendFIF(dst []byte) ([]byte, error) {
	if len(f.Data) > MaxFCDData {
		return dst, invalid(FCD, fmt.Sprintf("%d octets of data, more than %d", len(f.Data), MaxFCDData))
	}
	return append(append(dst, f.Number), f.Data...), nil
}

// UnknownFrame is a frame whose FCF this package does not parse: an FCF
// T.30 does not define, or one it defines that is not modelled (CIA, ISP,
// TSA, IRA, CSA, FNV, FDM). FCF keeps the received octet when T.30 does
// not define it.
type UnknownFrame struct {
	FrameHeader
	// FIF is the information field as received.
	FIF []byte
}

func (f *UnknownFrame) appendFIF(dst []byte) ([]byte, error) {
	return append(dst, f.FIF...), nil
}

// frameParser parses the FIF of one frame family.
type frameParser func(h FrameHeader, fif []byte) (Frame, error)

// frameParsers maps an FCF (X bit clear) to its parser (T.30 5.3.6.2);
// an FCF missing here parses as UnknownFrame. Never written after
// initialisation.
var frameParsers = map[FCF]frameParser{
	DIS: parseDISFrame, DTC: parseDISFrame,
	DCS: parseDCSFrame,
	CSI: parseIdentFrame, TSI: parseIdentFrame, CIG: parseIdentFrame,
	PWD: parseIdentFrame, SEP: parseIdentFrame, SUB: parseIdentFrame,
	SID: parseIdentFrame, PSA: parseIdentFrame,
	NSF: parseNonStandardFrame, NSS: parseNonStandardFrame, NSC: parseNonStandardFrame,
	CFR: parseSignalFrame, FTT: parseSignalFrame, CTR: parseSignalFrame,
	MCF: parseSignalFrame, RTN: parseSignalFrame, RTP: parseSignalFrame,
	PIN: parseSignalFrame, PIP: parseSignalFrame, PID: parseSignalFrame,
	MPS: parseSignalFrame, EOM: parseSignalFrame, EOP: parseSignalFrame,
	EOS: parseSignalFrame, PRIMPS: parseSignalFrame, PRIEOM: parseSignalFrame,
	PRIEOP: parseSignalFrame, RR: parseSignalFrame, RNR: parseSignalFrame,
	ERR: parseSignalFrame, DCN: parseSignalFrame, CRP: parseSignalFrame,
	TNR: parseSignalFrame, TR: parseSignalFrame, RCP: parseSignalFrame,
	PPS: parsePPSFrame,
	EOR: parseEORFrame,
	PPR: parsePPRFrame,
	CTC: parseCTCFrame,
	FCD: parseFCDFrame,
}

// Parse parses one frame as the modem delivers it (T.31 8.3.5): address,
// control, FCF and FIF, without FCS. The X bit is split off the FCF
// (T.30 5.3.6.1), so frames from either station parse. An FCF that is
// not modelled gives an *UnknownFrame and no error. A frame shorter than
// three octets, with an address other than 0xFF, a control octet other
// than 0x03 or 0x13, or a FIF too short for its FCF gives a *FrameError
// matching ErrMalformed. The returned frame does not alias b.
func Parse(b []byte) (Frame, error) {
	if len(b) < 3 {
		return nil, malformed(0, fmt.Sprintf("frame of %d octets, shorter than address, control and FCF", len(b)))
	}
	if b[0] != Address {
		return nil, malformed(0, fmt.Sprintf("address %#02x, not 0xff", b[0]))
	}
	if b[1] != Control && b[1] != ControlFinal {
		return nil, malformed(0, fmt.Sprintf("control %#02x, not 0x03 or 0x13", b[1]))
	}
	fcf, x, _ := splitFCF(b[2])
	h := FrameHeader{FCF: fcf, X: x, Final: b[1] == ControlFinal}
	if p, ok := frameParsers[fcf]; ok {
		return p(h, b[3:])
	}
	return &UnknownFrame{FrameHeader: h, FIF: clone(b[3:])}, nil
}

// AppendFrame appends f as the modem takes it (T.31 8.3.5): address,
// control (0x13 when f is final), the FCF with f's X bit, and the FIF.
// An error, a *FrameError matching ErrInvalid, leaves dst as it was.
func AppendFrame(dst []byte, f Frame) ([]byte, error) {
	h := f.Header()
	ctl := uint8(Control)
	if h.Final {
		ctl = ControlFinal
	}
	n := len(dst)
	dst = append(dst, Address, ctl, h.FCF.Octet(h.X))
	dst, err := f.appendFIF(dst)
	if err != nil {
		return dst[:n], err
	}
	return dst, nil
}

// Marshal returns f as the modem takes it; see [AppendFrame].
func Marshal(f Frame) ([]byte, error) { return AppendFrame(nil, f) }

func clone(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return bytes.Clone(b)
}

func parseDISFrame(h FrameHeader, fif []byte) (Frame, error) {
	c, err := parseDIS(h.FCF, fif)
	if err != nil {
		return nil, err
	}
	return &DISFrame{FrameHeader: h, Caps: c}, nil
}

func parseDCSFrame(h FrameHeader, fif []byte) (Frame, error) {
	p, err := parseDCS(h.FCF, fif)
	if err != nil {
		return nil, err
	}
	return &DCSFrame{FrameHeader: h, Params: p}, nil
}

func parseIdentFrame(h FrameHeader, fif []byte) (Frame, error) {
	if len(fif) > IdentLen {
		return nil, malformed(h.FCF, fmt.Sprintf("identity of %d octets, longer than %d", len(fif), IdentLen))
	}
	r := make([]byte, len(fif))
	for i, c := range fif {
		r[len(fif)-1-i] = c
	}
	return &IdentFrame{FrameHeader: h, Ident: string(bytes.Trim(r, " \x00"))}, nil
}

func parseNonStandardFrame(h FrameHeader, fif []byte) (Frame, error) {
	return &NonStandardFrame{FrameHeader: h, FIF: clone(fif)}, nil
}

func parseSignalFrame(h FrameHeader, _ []byte) (Frame, error) {
	return &SignalFrame{FrameHeader: h}, nil
}

// parsePost resolves the second FCF of PPS and EOR; an octet T.30 does
// not define is kept as it is.
func parsePost(o uint8) FCF {
	f, _, _ := splitFCF(o)
	return f
}

func parsePPSFrame(h FrameHeader, fif []byte) (Frame, error) {
	if len(fif) < 4 {
		return nil, malformed(h.FCF, fmt.Sprintf("FIF of %d octets, PPS needs 4", len(fif)))
	}
	return &PPSFrame{FrameHeader: h, Post: parsePost(fif[0]), Page: fif[1], Block: fif[2], FrameCount: fif[3]}, nil
}

func parseEORFrame(h FrameHeader, fif []byte) (Frame, error) {
	if len(fif) < 1 {
		return nil, malformed(h.FCF, "EOR without its second FCF")
	}
	return &EORFrame{FrameHeader: h, Post: parsePost(fif[0])}, nil
}

func parsePPRFrame(h FrameHeader, fif []byte) (Frame, error) {
	f := &PPRFrame{FrameHeader: h}
	if len(fif) < len(f.Map) {
		return nil, malformed(h.FCF, fmt.Sprintf("FIF of %d octets, PPR needs %d", len(fif), len(f.Map)))
	}
	copy(f.Map[:], fif)
	return f, nil
}

func parseCTCFrame(h FrameHeader, fif []byte) (Frame, error) {
	f := &CTCFrame{FrameHeader: h}
	switch len(fif) {
	case 0:
	case 1:
		return nil, malformed(h.FCF, "FIF of 1 octet, CTC needs 2")
	default:
		f.HasRate = true
		f.Rate = BitRate(fif[1]>>2) & 0x0F
	}
	return f, nil
}

func parseFCDFrame(h FrameHeader, fif []byte) (Frame, error) {
	if len(fif) < 1 {
		return nil, malformed(h.FCF, "FCD without frame number")
	}
	if len(fif)-1 > MaxFCDData {
		return nil, malformed(h.FCF, fmt.Sprintf("%d octets of data, more than %d", len(fif)-1, MaxFCDData))
	}
	return &FCDFrame{FrameHeader: h, Number: fif[0], Data: clone(fif[1:])}, nil
}
