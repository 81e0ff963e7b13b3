package sipline

import (
	"faxbox/sip"
	"faxbox/t38"
)

// t38Params maps the parameters agreed in SDP (T.38 Annex D.2.3) onto the
// T.38 layer's.
func t38Params(p sip.T38Params) t38.Params {
	out := t38.Params{
		Version: p.Version, MaxBitRate: p.MaxBitRate, MaxBuffer: p.MaxBuffer, MaxDatagram: p.MaxDatagram,
		FillBitRemoval: p.FillBitRemoval, MMRTranscoding: p.TranscodingMMR, JBIGTranscoding: p.TranscodingJBIG,
		RateManagement: t38.TransferredTCF,
	}
	if p.RateManagement == sip.LocalTCF {
		out.RateManagement = t38.LocalTCF
	}
	switch p.UDPEC {
	case sip.ECRedundancy:
		out.ErrorCorrection = t38.ECRedundancy
	case sip.ECFEC:
		out.ErrorCorrection = t38.ECFEC
	default:
		out.ErrorCorrection = t38.ECNone
	}
	return out
}
