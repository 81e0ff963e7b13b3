// Package sip is Faxbox's SIP line: registration to a trunk or PBX, outgoing
// and incoming calls, the switch from audio to T.38 (T.38 Annex D), and the
// hand-over of an established T.38 stream to the T.38 layer.
//
// It provides:
//   - SDP offers and answers for m=audio (PCMU/PCMA, telephone-event) and
//     m=image udptl t38 with the T.38 Annex D attributes (sdp.go,
//     t38params.go, offer.go);
//   - an Agent that listens on UDP or TCP, registers with digest
//     authentication (RFC 3261 10 and 22, register.go) and places (out.go)
//     and accepts (in.go) calls, using github.com/emiago/sipgo for the
//     transport, transaction and dialog layers;
//   - per call, one goroutine (session.go) that answers and sends
//     re-INVITEs to T.38 in both directions with 488 and 491 handling
//     (reinvite.go), keeps RFC 4028 session timers, and ends with CANCEL or
//     BYE from either side;
//   - CNG and CED tones as G.711 RTP while a call is still audio (tone.go,
//     g711.go, rtp.go) so that the far gateway detects a fax;
//   - Config, one [[sip]] table, with Validate (config.go);
//   - Options.Trace, which sees every SIP message sent and received, on
//     the wire (trace.go, tcp.go).
//
// It does not run T.30 or UDPTL: for an established T.38 session a Call
// hands over a bound net.PacketConn, the remote media address and the
// negotiated T38Params in an EventT38, and the caller runs T.38 over them.
// A call's stable end reasons are the Reason constants (errors.go).
package sip
