package t38

import (
	"fmt"

	"faxbox/modem"
)

// RateManagement is T38FaxRateManagement (T.38 Annex D):
// who produces the training check (TCF) for the receiving modem.
type RateManagement int

// Rate management methods.
const (
	// TransferredTCF: the TCF travels as data (method 2), which T.38
	// requires over UDPTL.
	TransferredTCF RateManagement = iota
	// LocalTCF: the receiving gateway makes the TCF itself (method 1),
	// meant for TCP.
	LocalTCF
)

// Params are the T.38 session parameters agreed in SDP (T.38 Annex D),
// which the SIP side maps its a= attributes onto. The zero value is
// version 0 at 14400 bit/s with transferred TCF and no error recovery;
// Default gives what gateways usually agree.
type Params struct {
	Version         int             // T38FaxVersion, 0 to 3
	MaxBitRate      int             // T38MaxBitRate in bit/s; 0 means 14400
	RateManagement  RateManagement  // T38FaxRateManagement
	MaxBuffer       int             // T38FaxMaxBuffer in octets; 0: no limit given
	MaxDatagram     int             // T38FaxMaxDatagram in octets; 0: no limit given
	ErrorCorrection ErrorCorrection // T38FaxUdpEC
	FillBitRemoval  bool            // T38FaxFillBitRemoval
	MMRTranscoding  bool            // T38FaxTranscodingMMR
	JBIGTranscoding bool            // T38FaxTranscodingJBIG
}

// Default returns version 0 (the version most equipment answers with),
// 14400 bit/s, transferred TCF and redundancy, with a 400-octet datagram
// limit (a common T38FaxMaxDatagram; T.38 Annex D).
func Default() Params {
	return Params{MaxBitRate: 14400, MaxDatagram: 400, ErrorCorrection: ECRedundancy}
}

// ParamsError reports parameters a Line cannot work with.
type ParamsError struct {
	Field string
	Value int
}

func (e *ParamsError) Error() string {
	return fmt.Sprintf("t38: bad session parameter %s=%d", e.Field, e.Value)
}

// Validate checks p. Fill-bit removal and MMR/JBIG transcoding are never
// used by a Line (it sends and accepts page data as T.30 gives it), so
// they are accepted whatever their value.
func (p Params) Validate() error {
	switch {
	case p.Version < 0 || p.Version > 3:
		return &ParamsError{"T38FaxVersion", p.Version}
	case p.MaxBitRate < 0 || p.MaxBitRate > 0 && p.MaxBitRate < 2400:
		return &ParamsError{"T38MaxBitRate", p.MaxBitRate}
	case p.MaxDatagram < 0 || p.MaxDatagram > 0 && p.MaxDatagram < 32:
		return &ParamsError{"T38FaxMaxDatagram", p.MaxDatagram}
	case p.MaxBuffer < 0:
		return &ParamsError{"T38FaxMaxBuffer", p.MaxBuffer}
	case p.ErrorCorrection < ECNone || p.ErrorCorrection > ECFEC:
		return &ParamsError{"T38FaxUdpEC", int(p.ErrorCorrection)}
	}
	return nil
}

// Modulations returns the class 1 modulations the session allows: every
// one up to MaxBitRate (V.17, V.29 and V.27ter), for t30.Options.
func (p Params) Modulations() []modem.Modulation {
	limit := p.MaxBitRate
	if limit == 0 {
		limit = 14400
	}
	var out []modem.Modulation
	for _, m := range []modem.Modulation{modem.V27ter2400, modem.V27ter4800, modem.V29At7200,
		modem.V17At7200, modem.V17At7200S, modem.V29At9600, modem.V17At9600, modem.V17At9600S,
		modem.V17At12000, modem.V17At12000S, modem.V17At14400, modem.V17At14400S} {
		if m.Rate() <= limit {
			out = append(out, m)
		}
	}
	return out
}
