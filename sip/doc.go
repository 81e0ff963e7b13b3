// Package sip is Faxbox's SIP line: registration to a trunk or PBX, outgoing
// and incoming calls, the switch from audio to T.38 (T.38 Annex D), and the
// hand-over of an established T.38 stream to the T.38 layer.
//
// It provides:
//   - SDP offers and answers for m=audio (PCMU/PCMA, telephone-event) and
//     m=image udptl t38 with the T.38 Annex D attributes (sdp.go);
//   - an Agent that listens on UDP and TCP, registers with digest
//     authentication (RFC 3261 22) and places and accepts calls (agent.go,
//     register.go, call*.go) using github.com/emiago/sipgo for the transport
//     and transaction layers;
//   - CNG and CED tones as G.711 RTP while a call is still audio (tone.go,
//     g711.go, rtp.go) so that the far gateway detects a fax;
//   - Config, the [[sip]] table, with Validate (config.go).
//
// It does not run T.30 or UDPTL: for an established T.38 session a Call
// hands over a bound net.PacketConn, the remote media address and the
// negotiated T38Params in an Event, and the caller runs T.38 over them.
// Every SIP message sent and received is given to an injected Tracer.
package sip
