package sip

import (
	"fmt"
	"strconv"
	"strings"
)

// RateManagement is T38FaxRateManagement (T.38 Annex D.2.3): who checks
// the training (TCF).
type RateManagement uint8

// Rate management methods.
const (
	TransferredTCF RateManagement = iota // TCF sent through the IP network
	LocalTCF                             // TCF generated and checked by each gateway
)

func (r RateManagement) String() string {
	if r == LocalTCF {
		return "localTCF"
	}
	return "transferredTCF"
}

// UDPEC is T38FaxUdpEC (T.38 Annex D.2.3): the error control of UDPTL.
type UDPEC uint8

// UDPTL error control (T.38 clause 9, UDPTL).
const (
	ECNone       UDPEC = iota // t38UDPNoEC
	ECRedundancy              // t38UDPRedundancy
	ECFEC                     // t38UDPFEC
)

func (e UDPEC) String() string {
	switch e {
	case ECRedundancy:
		return "t38UDPRedundancy"
	case ECFEC:
		return "t38UDPFEC"
	}
	return "t38UDPNoEC"
}

// T38Params are the T.38 session parameters of an m=image section (T.38
// Annex D.2.3). In an Event's T38Session they are the negotiated ones: the
// answer's version, error control and booleans, the offer's rate
// management, and the far end's MaxBuffer and MaxDatagram, which bound what
// we may send.
type T38Params struct {
	Version         int // T38FaxVersion, 0 to 3
	MaxBitRate      int // T38MaxBitRate, bit/s
	RateManagement  RateManagement
	MaxBuffer       int // T38FaxMaxBuffer, octets; 0 if absent
	MaxDatagram     int // T38FaxMaxDatagram, octets; 0 if absent
	UDPEC           UDPEC
	FillBitRemoval  bool // T38FaxFillBitRemoval
	TranscodingMMR  bool // T38FaxTranscodingMMR
	TranscodingJBIG bool // T38FaxTranscodingJBIG
}

// parseAttr reads one T.38 attribute. Names are matched without regard to
// case, and the booleans accept the bare form of T.38 Annex D.2.3 as well
// as the ":0"/":1" forms many gateways send. Unknown attributes are ignored.
func (p *T38Params) parseAttr(name, val string) error {
	n := strings.ToLower(name)
	if b, ok := p.boolAttr(n); ok {
		return parseBool(b, val)
	}
	switch n {
	case "t38faxversion":
		return parseIntAttr(&p.Version, val, 0, 255)
	case "t38maxbitrate":
		return parseIntAttr(&p.MaxBitRate, val, 0, 1<<30)
	case "t38faxmaxbuffer":
		return parseIntAttr(&p.MaxBuffer, val, 0, 1<<30)
	case "t38faxmaxdatagram":
		return parseIntAttr(&p.MaxDatagram, val, 0, 1<<30)
	case "t38faxratemanagement":
		return p.parseRateManagement(val)
	case "t38faxudpec":
		return p.parseUDPEC(val)
	}
	return nil
}

func (p *T38Params) boolAttr(n string) (*bool, bool) {
	switch n {
	case "t38faxfillbitremoval":
		return &p.FillBitRemoval, true
	case "t38faxtranscodingmmr":
		return &p.TranscodingMMR, true
	case "t38faxtranscodingjbig":
		return &p.TranscodingJBIG, true
	}
	return nil, false
}

func parseBool(b *bool, val string) error {
	switch val {
	case "", "1":
		*b = true
	case "0":
		*b = false
	default:
		return fmt.Errorf("boolean T.38 attribute value %.10q", val)
	}
	return nil
}

func parseIntAttr(dst *int, val string, lo, hi int) error {
	n, err := strconv.Atoi(val)
	if err != nil || n < lo || n > hi {
		return fmt.Errorf("T.38 attribute value %.20q", val)
	}
	*dst = n
	return nil
}

func (p *T38Params) parseRateManagement(val string) error {
	switch strings.ToLower(val) {
	case "transferredtcf":
		p.RateManagement = TransferredTCF
	case "localtcf":
		p.RateManagement = LocalTCF
	default:
		return fmt.Errorf("T38FaxRateManagement %.20q", val)
	}
	return nil
}

func (p *T38Params) parseUDPEC(val string) error {
	switch strings.ToLower(val) {
	case "t38udpredundancy":
		p.UDPEC = ECRedundancy
	case "t38udpfec":
		p.UDPEC = ECFEC
	case "t38udpnoec", "":
		p.UDPEC = ECNone
	default:
		return fmt.Errorf("T38FaxUdpEC %.20q", val)
	}
	return nil
}

// marshal writes the attributes in T.38 Annex D.2.3 form: booleans bare
// when true and left out when false.
func (p *T38Params) marshal(b *strings.Builder) {
	fmt.Fprintf(b, "a=T38FaxVersion:%d\r\na=T38MaxBitRate:%d\r\n", p.Version, p.MaxBitRate)
	for _, a := range []struct {
		on   bool
		name string
	}{{p.FillBitRemoval, "T38FaxFillBitRemoval"}, {p.TranscodingMMR, "T38FaxTranscodingMMR"}, {p.TranscodingJBIG, "T38FaxTranscodingJBIG"}} {
		if a.on {
			fmt.Fprintf(b, "a=%s\r\n", a.name)
		}
	}
	fmt.Fprintf(b, "a=T38FaxRateManagement:%s\r\n", p.RateManagement)
	if p.MaxBuffer > 0 {
		fmt.Fprintf(b, "a=T38FaxMaxBuffer:%d\r\n", p.MaxBuffer)
	}
	if p.MaxDatagram > 0 {
		fmt.Fprintf(b, "a=T38FaxMaxDatagram:%d\r\n", p.MaxDatagram)
	}
	fmt.Fprintf(b, "a=T38FaxUdpEC:%s\r\n", p.UDPEC)
}

// AnswerT38 returns the parameters to answer an offer with, given what we
// support (T.38 Annex D.2.3): the lower version and bit rate, the offer's
// rate management (the answerer must echo it), error control no stronger
// than offered, booleans only where both sides have them, and our own
// buffer and datagram limits.
func AnswerT38(offer, local T38Params) T38Params {
	a := local
	a.Version = min(offer.Version, local.Version)
	a.MaxBitRate = min(offer.MaxBitRate, local.MaxBitRate)
	a.RateManagement = offer.RateManagement
	a.UDPEC = min(offer.UDPEC, local.UDPEC)
	a.FillBitRemoval = offer.FillBitRemoval && local.FillBitRemoval
	a.TranscodingMMR = offer.TranscodingMMR && local.TranscodingMMR
	a.TranscodingJBIG = offer.TranscodingJBIG && local.TranscodingJBIG
	return a
}

// Session returns the parameters in force once an offer has its answer:
// what both sides agreed to, with the far end's buffer and datagram limits
// (far is the offer if we answered it, the answer if we offered).
func Session(offer, answer, far T38Params) T38Params {
	s := answer
	s.RateManagement = offer.RateManagement
	s.MaxBuffer = far.MaxBuffer
	s.MaxDatagram = far.MaxDatagram
	return s
}
