//go:build spandsp

package spandsp

// #include <tiffio.h>
// #include <spandsp.h>
import "C"

import "fmt"

// Code is a T.30 completion code of spandsp's fax terminal (T30_ERR_* in
// spandsp/t30.h), reported when the terminal reaches phase E.
type Code int

// String returns spandsp's description of the code.
func (c Code) String() string { return fmt.Sprintf("%s (%d)", codeText(int(c)), int(c)) }

// The completion codes, named after spandsp's T30_ERR_* constants.
const (
	CodeOK                Code = C.T30_ERR_OK
	CodeCEDTone           Code = C.T30_ERR_CEDTONE
	CodeT0Expired         Code = C.T30_ERR_T0_EXPIRED
	CodeT1Expired         Code = C.T30_ERR_T1_EXPIRED
	CodeT3Expired         Code = C.T30_ERR_T3_EXPIRED
	CodeHDLCCarrier       Code = C.T30_ERR_HDLC_CARRIER
	CodeCannotTrain       Code = C.T30_ERR_CANNOT_TRAIN
	CodeOperIntFail       Code = C.T30_ERR_OPER_INT_FAIL
	CodeIncompatible      Code = C.T30_ERR_INCOMPATIBLE
	CodeRxIncapable       Code = C.T30_ERR_RX_INCAPABLE
	CodeTxIncapable       Code = C.T30_ERR_TX_INCAPABLE
	CodeNoResSupport      Code = C.T30_ERR_NORESSUPPORT
	CodeNoSizeSupport     Code = C.T30_ERR_NOSIZESUPPORT
	CodeUnexpected        Code = C.T30_ERR_UNEXPECTED
	CodeTxBadDCS          Code = C.T30_ERR_TX_BADDCS
	CodeTxBadPage         Code = C.T30_ERR_TX_BADPG
	CodeTxECMPhD          Code = C.T30_ERR_TX_ECMPHD
	CodeTxGotDCN          Code = C.T30_ERR_TX_GOTDCN
	CodeTxInvalRsp        Code = C.T30_ERR_TX_INVALRSP
	CodeTxNoDIS           Code = C.T30_ERR_TX_NODIS
	CodeTxPhBDead         Code = C.T30_ERR_TX_PHBDEAD
	CodeTxPhDDead         Code = C.T30_ERR_TX_PHDDEAD
	CodeTxT5Exp           Code = C.T30_ERR_TX_T5EXP
	CodeRxECMPhD          Code = C.T30_ERR_RX_ECMPHD
	CodeRxGotDCS          Code = C.T30_ERR_RX_GOTDCS
	CodeRxInvalCmd        Code = C.T30_ERR_RX_INVALCMD
	CodeRxNoCarrier       Code = C.T30_ERR_RX_NOCARRIER
	CodeRxNoEOL           Code = C.T30_ERR_RX_NOEOL
	CodeRxNoFax           Code = C.T30_ERR_RX_NOFAX
	CodeRxT2ExpDCN        Code = C.T30_ERR_RX_T2EXPDCN
	CodeRxT2ExpD          Code = C.T30_ERR_RX_T2EXPD
	CodeRxT2ExpFax        Code = C.T30_ERR_RX_T2EXPFAX
	CodeRxT2ExpMPS        Code = C.T30_ERR_RX_T2EXPMPS
	CodeRxT2ExpRR         Code = C.T30_ERR_RX_T2EXPRR
	CodeRxT2Exp           Code = C.T30_ERR_RX_T2EXP
	CodeRxDCNWhy          Code = C.T30_ERR_RX_DCNWHY
	CodeRxDCNData         Code = C.T30_ERR_RX_DCNDATA
	CodeRxDCNFax          Code = C.T30_ERR_RX_DCNFAX
	CodeRxDCNPhD          Code = C.T30_ERR_RX_DCNPHD
	CodeRxDCNRRD          Code = C.T30_ERR_RX_DCNRRD
	CodeRxDCNNoRTN        Code = C.T30_ERR_RX_DCNNORTN
	CodeFileError         Code = C.T30_ERR_FILEERROR
	CodeNoPage            Code = C.T30_ERR_NOPAGE
	CodeBadTIFF           Code = C.T30_ERR_BADTIFF
	CodeBadPage           Code = C.T30_ERR_BADPAGE
	CodeBadTag            Code = C.T30_ERR_BADTAG
	CodeBadTIFFHdr        Code = C.T30_ERR_BADTIFFHDR
	CodeNoMem             Code = C.T30_ERR_NOMEM
	CodeRetryDCN          Code = C.T30_ERR_RETRYDCN
	CodeCallDropped       Code = C.T30_ERR_CALLDROPPED
	CodeNoPoll            Code = C.T30_ERR_NOPOLL
	CodeIdentUnacceptable Code = C.T30_ERR_IDENT_UNACCEPTABLE
	CodeSubUnacceptable   Code = C.T30_ERR_SUB_UNACCEPTABLE
	CodeSepUnacceptable   Code = C.T30_ERR_SEP_UNACCEPTABLE
	CodePsaUnacceptable   Code = C.T30_ERR_PSA_UNACCEPTABLE
	CodeSidUnacceptable   Code = C.T30_ERR_SID_UNACCEPTABLE
	CodePwdUnacceptable   Code = C.T30_ERR_PWD_UNACCEPTABLE
	CodeTsaUnacceptable   Code = C.T30_ERR_TSA_UNACCEPTABLE
	CodeIraUnacceptable   Code = C.T30_ERR_IRA_UNACCEPTABLE
	CodeCiaUnacceptable   Code = C.T30_ERR_CIA_UNACCEPTABLE
	CodeIspUnacceptable   Code = C.T30_ERR_ISP_UNACCEPTABLE
	CodeCsaUnacceptable   Code = C.T30_ERR_CSA_UNACCEPTABLE
)
