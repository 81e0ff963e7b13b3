package t30

import (
	"fmt"
	"time"

	"faxbox/pages"
)

// Reason is the stable code of a call's outcome. The daemon branches on it
// (retry soon, later, or not at all); Result.Text says it in plain words.
type Reason string

// The outcomes of a call.
const (
	ReasonOK             Reason = "ok"
	ReasonBusy           Reason = "busy"
	ReasonNoAnswer       Reason = "no-answer"
	ReasonNoDialTone     Reason = "no-dialtone"
	ReasonNotFax         Reason = "not-fax"         // answered, but no fax machine spoke
	ReasonTrainingFailed Reason = "training-failed" // no common speed worked
	ReasonIncompatible   Reason = "incompatible"    // the receiver cannot take this document
	ReasonRefused        Reason = "refused"         // the remote hung up in negotiation
	ReasonLineDropped    Reason = "line-dropped"    // carrier lost or DCN during a page
	ReasonNoResponse     Reason = "no-response"     // a command went unanswered three times
	ReasonPageRejected   Reason = "page-rejected"   // RTN too many times
	ReasonProtocol       Reason = "protocol"        // the remote broke T.30
	ReasonModem          Reason = "modem"           // our modem failed or stopped answering
	ReasonCancelled      Reason = "cancelled"
	ReasonTimeLimit      Reason = "time-limit"  // Options.MaxDuration reached
	ReasonNoDocument     Reason = "no-document" // receiving: the caller sent no page
	ReasonPartial        Reason = "partial"     // receiving: the line dropped after some pages
)

// Retryable reports whether trying the same call again later can help.
func (r Reason) Retryable() bool {
	switch r {
	case ReasonOK, ReasonIncompatible, ReasonCancelled:
		return false
	}
	return true
}

// Result is the outcome of one call.
type Result struct {
	Reason Reason
	// Text says what happened in words a user understands.
	Text string
	// Pages counts the pages the receiver confirmed (sending) or that were
	// received (receiving). A page the receiver did not confirm never
	// counts.
	Pages int
	// Connected is the time from answer to hang-up (what is billed), zero
	// when the call never connected.
	Connected   time.Duration
	RemoteIdent string
	// The last negotiated parameters.
	BitRate    int
	ECM        bool
	Coding     pages.Coding
	Resolution pages.Resolution
	// LowestResolution is the lowest resolution a page was sent at, and
	// MergedPages counts the pages (by index in the document) whose rows
	// were merged because the receiver lacked their resolution (T.30
	// Table 2, DIS bits 15, 41): the sender's preview showed more rows.
	LowestResolution pages.Resolution
	MergedPages      int
	// ReceiverResolution is the highest resolution the engine sends
	// (standard, fine, superfine) that the receiver announced in its DIS
	// (T.30 Table 2, bits 15 and 41); ReceiverKnown says a DIS came
	// (sending only). A page rendered above it has its rows merged.
	ReceiverResolution pages.Resolution
	ReceiverKnown      bool
	// Err is the underlying error, if any, for logs.
	Err error
}

// OK reports whether every page was confirmed.
func (r Result) OK() bool { return r.Reason == ReasonOK }

// describe builds the plain-words text of a failure; page is the 1-based
// page in progress, or 0 when none was.
func describe(r Reason, page int) string {
	at := ""
	if page > 0 {
		at = fmt.Sprintf(" during page %d", page)
	}
	switch r {
	case ReasonOK:
		return "sent"
	case ReasonBusy:
		return "the line was busy"
	case ReasonNoAnswer:
		return "no one answered"
	case ReasonNoDialTone:
		return "there was no dial tone on the fax line"
	case ReasonNotFax:
		return "a person or voice line answered, not a fax machine"
	case ReasonTrainingFailed:
		return "the fax machines could not connect reliably, even at the lowest speed (2400 bit/s)"
	case ReasonIncompatible:
		return "the remote fax machine cannot receive this document"
	case ReasonRefused:
		return "the remote machine refused the document and hung up"
	case ReasonLineDropped:
		return "the line dropped" + at
	case ReasonNoResponse:
		if page > 0 {
			return fmt.Sprintf("the remote machine stopped answering after page %d", page)
		}
		return "the remote machine stopped answering"
	case ReasonPageRejected:
		return fmt.Sprintf("the remote machine could not read page %d, even after retrying slower", page)
	case ReasonProtocol:
		return "the remote machine answered with something unexpected" + at
	case ReasonModem:
		return "our fax modem stopped working" + at
	case ReasonCancelled:
		return "the call was cancelled" + at
	case ReasonTimeLimit:
		return "the call reached its time limit" + at
	case ReasonNoDocument:
		return "the caller sent no fax"
	case ReasonPartial:
		return "the line dropped" + at + "; the pages before it were kept"
	}
	return string(r)
}
