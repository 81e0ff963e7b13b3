// Package t38 carries a fax call over IP as ITU-T T.38 describes: the
// Internet Facsimile Protocol (IFP) packets of T.38 clause 7 in their ASN.1
// aligned PER encoding (Annex A), the UDPTL transport of clause 9 with
// sequence numbers, redundancy and forward error correction, and a Line
// that gives the T.30 engine the modem it expects (t30.Modem), with T.38
// indicators and data packets in place of modulated audio.
//
// The package does not do SIP or SDP: the caller negotiates the session,
// binds the UDP socket and hands over the socket, the far end's address and
// the agreed Params. It does not do audio either (CNG and CED before the
// switch to T.38 are the SIP side's).
package t38
