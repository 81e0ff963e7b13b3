package t30

import "fmt"

// FCF is a facsimile control field (T.30 5.3.6.1) as the modem passes the
// octet: the first bit on the line is the least significant bit. For the
// frames whose first bit is the X bit, an FCF constant has the X bit
// clear; [FrameHeader.X] carries it.
type FCF uint8

// Facsimile control fields of T.30 5.3.6.2 and T.4 Annex A. The comment
// gives the T.30 notation, first bit on the line first.
const (
	// Initial identification, from the called station (5.3.6.2.1).
	DIS FCF = 0x80 // 0000 0001 digital identification signal
	CSI FCF = 0x40 // 0000 0010 called subscriber identification
	NSF FCF = 0x20 // 0000 0100 non-standard facilities

	// Command to send, from a calling station that wants to receive
	// (polling, 5.3.6.2.2).
	DTC FCF = 0x81 // 1000 0001 digital transmit command
	CIG FCF = 0x41 // 1000 0010 calling subscriber identification
	NSC FCF = 0x21 // 1000 0100 non-standard facilities command
	PWD FCF = 0xC1 // 1000 0011 password (for polling)
	SEP FCF = 0xA1 // 1000 0101 selective polling
	PSA FCF = 0x61 // 1000 0110 polled subaddress
	CIA FCF = 0xE1 // 1000 0111 calling subscriber internet address
	ISP FCF = 0x11 // 1000 1000 internet selective polling address

	// Command to receive (5.3.6.2.3).
	DCS FCF = 0x82 // X100 0001 digital command signal
	TSI FCF = 0x42 // X100 0010 transmitting subscriber identification
	NSS FCF = 0x22 // X100 0100 non-standard facilities set-up
	SUB FCF = 0xC2 // X100 0011 subaddress
	SID FCF = 0xA2 // X100 0101 sender identification (password for sending)
	CTC FCF = 0x12 // X100 1000 continue to correct
	TSA FCF = 0x62 // X100 0110 transmitting subscriber internet address
	IRA FCF = 0xE2 // X100 0111 internet routing address

	// Pre-message response (5.3.6.2.4).
	CFR FCF = 0x84 // X010 0001 confirmation to receive
	FTT FCF = 0x44 // X010 0010 failure to train
	CTR FCF = 0xC4 // X010 0011 response for continue to correct
	CSA FCF = 0x24 // X010 0100 called subscriber internet address

	// Post-message commands (5.3.6.2.5).
	EOM    FCF = 0x8E // X111 0001 end of message
	MPS    FCF = 0x4E // X111 0010 multipage signal
	EOP    FCF = 0x2E // X111 0100 end of procedure
	EOS    FCF = 0x1E // X111 1000 end of selection
	PRIEOM FCF = 0x9E // X111 1001 procedure interrupt, end of message
	PRIMPS FCF = 0x5E // X111 1010 procedure interrupt, multipage signal
	PRIEOP FCF = 0x3E // X111 1100 procedure interrupt, end of procedure
	PPS    FCF = 0xBE // X111 1101 partial page signal (ECM)
	EOR    FCF = 0xCE // X111 0011 end of retransmission (ECM)
	RR     FCF = 0x6E // X111 0110 receive ready (ECM)

	// Post-message responses (5.3.6.2.6).
	MCF FCF = 0x8C // X011 0001 message confirmation
	RTN FCF = 0x4C // X011 0010 retrain negative
	RTP FCF = 0xCC // X011 0011 retrain positive
	PIN FCF = 0x2C // X011 0100 procedure interrupt negative
	PIP FCF = 0xAC // X011 0101 procedure interrupt positive
	PID FCF = 0x6C // X011 0110 procedure interrupt disconnect
	RNR FCF = 0xEC // X011 0111 receive not ready (ECM)
	ERR FCF = 0x1C // X011 1000 response for end of retransmission (ECM)
	PPR FCF = 0xBC // X011 1101 partial page request (ECM)
	FDM FCF = 0xFC // X011 1111 file diagnostics message

	// Other line control signals (5.3.6.2.7).
	DCN FCF = 0xFA // X101 1111 disconnect
	CRP FCF = 0x1A // X101 1000 command repeat
	FNV FCF = 0xCA // X101 0011 field not valid
	TNR FCF = 0xEA // X101 0111 transmitter not ready
	TR  FCF = 0x6A // X101 0110 transmitter ready

	// Facsimile coded data and return to control, the ECM frames of
	// phase C (T.4 A.3.6.1, A.3.6.2); they carry no X bit.
	FCD FCF = 0x06 // 0110 0000 facsimile coded data
	RCP FCF = 0x86 // 0110 0001 return to control for partial page

	// Null is the "nothing to add" value of the second FCF of PPS and
	// EOR (T.30 5.3.6.2.5, PPS-NULL, EOR-NULL). It is not a frame.
	Null FCF = 0x00
)

// fcfInfo describes one FCF: its mnemonic and whether its first bit is
// the X bit.
type fcfInfo struct {
	name string
	x    bool
}

// fcfTable is the names table (T.30 5.3.6.2), keyed by the FCF with the X
// bit clear. It is never written after initialisation.
var fcfTable = map[FCF]fcfInfo{
	DIS: {"DIS", false}, CSI: {"CSI", false}, NSF: {"NSF", false},
	DTC: {"DTC", false}, CIG: {"CIG", false}, NSC: {"NSC", false},
	PWD: {"PWD", false}, SEP: {"SEP", false}, PSA: {"PSA", false},
	CIA: {"CIA", false}, ISP: {"ISP", false},
	DCS: {"DCS", true}, TSI: {"TSI", true}, NSS: {"NSS", true},
	SUB: {"SUB", true}, SID: {"SID", true}, CTC: {"CTC", true},
	TSA: {"TSA", true}, IRA: {"IRA", true},
	CFR: {"CFR", true}, FTT: {"FTT", true}, CTR: {"CTR", true}, CSA: {"CSA", true},
	EOM: {"EOM", true}, MPS: {"MPS", true}, EOP: {"EOP", true}, EOS: {"EOS", true},
	PRIEOM: {"PRI-EOM", true}, PRIMPS: {"PRI-MPS", true}, PRIEOP: {"PRI-EOP", true},
	PPS: {"PPS", true}, EOR: {"EOR", true}, RR: {"RR", true},
	MCF: {"MCF", true}, RTN: {"RTN", true}, RTP: {"RTP", true},
	PIN: {"PIN", true}, PIP: {"PIP", true}, PID: {"PID", true},
	RNR: {"RNR", true}, ERR: {"ERR", true}, PPR: {"PPR", true}, FDM: {"FDM", true},
	DCN: {"DCN", true}, CRP: {"CRP", true}, FNV: {"FNV", true},
	TNR: {"TNR", true}, TR: {"TR", true},
	FCD: {"FCD", false}, RCP: {"RCP", false},
	Null: {"NULL", false},
}

// String returns the T.30 mnemonic ("DIS", "PRI-EOP"), or "FCF(0xNN)" for
// an octet T.30 does not define. An FCF with the X bit set is named as
// the same FCF with it clear.
func (f FCF) String() string {
	if base, _, ok := splitFCF(uint8(f)); ok {
		return fcfTable[base].name
	}
	return fmt.Sprintf("FCF(%#02x)", uint8(f))
}

// HasX reports whether the first bit of f is the X bit (T.30 5.3.6.1):
// true for every frame but those of the initial identification and
// command-to-send groups (DIS, DTC and their companions) and the ECM
// phase C frames FCD and RCP.
func (f FCF) HasX() bool {
	info, ok := fcfTable[f]
	return ok && info.x
}

// Octet returns the FCF octet to send: f, with the X bit set when x is
// true and f has an X bit (T.30 5.3.6.1).
func (f FCF) Octet(x bool) uint8 {
	if x && f.HasX() {
		return uint8(f) | 0x01
	}
	return uint8(f)
}

// splitFCF resolves a received FCF octet (T.30 5.3.6.1): an FCF without X
// bit is looked up as it is; otherwise the X bit is split off. ok is false
// for an octet T.30 does not define; then base is the octet unchanged.
func splitFCF(o uint8) (base FCF, x, ok bool) {
	f := FCF(o)
	if info, found := fcfTable[f]; found && !info.x {
		return f, false, true
	}
	b := f &^ 0x01
	if info, found := fcfTable[b]; found && info.x {
		return b, o&0x01 != 0, true
	}
	return f, false, false
}
