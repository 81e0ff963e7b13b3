// Package sipline makes a SIP account usable as fax lines: it joins the
// SIP signalling of package sip to the T.38 modem of package t38, so that
// the T.30 engine and the daemon's pool run over a SIP call as they run
// over a class 1 modem.
//
// It provides:
//   - Account, one sip.Agent shared by as many Lines as the account takes
//     calls at once (max_calls), with the SIP trace routed to the line
//     whose call each message belongs to (account.go);
//   - Line, which implements t30.Modem and a modem's Reset and WaitRing:
//     Dial places the SIP call (T.38 offered in the INVITE, or after a
//     re-INVITE as the far end wants), waits for the T.38 session and from
//     then on hands every modem method to a t38.Line; Answer takes an
//     incoming INVITE; HangUp ends the call with BYE (line.go);
//   - Record, what the last call was: its SIP end reason, the billing
//     times of RFC 3261 (200 OK to BYE), the SIP messages and a summary of
//     the T.38 packets (record.go).
//
// It does not run T.30, parse SDP or code UDPTL: those are packages t30,
// sip and t38.
package sipline
