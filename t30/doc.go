// Package t30 implements the control frames of ITU-T Recommendation T.30,
// "Procedures for document facsimile transmission in the general switched
// telephone network", as a class 1 (T.31) modem passes them to the host.
//
// It provides:
//
//   - the facsimile control field ([FCF]) with its mnemonics and the X bit
//     of T.30 5.3.6.1, so frames of both the calling and the called
//     station parse;
//   - one type per frame family ([DISFrame], [DCSFrame], [IdentFrame],
//     [NonStandardFrame], [SignalFrame], [PPSFrame], [EORFrame],
//     [PPRFrame], [CTCFrame], [FCDFrame]) with [Parse] and [AppendFrame];
//     an FCF the package does not model becomes an [UnknownFrame], not an
//     error;
//   - the facsimile information field of DIS/DTC ([Capabilities]) and of
//     DCS ([Params]) bit by bit after T.30 Table 2, with the helpers that
//     negotiation needs (bit rates a DIS allows, minimum scan line time
//     for a resolution, minimum bits per coded line).
//
// A frame here is what the modem delivers after AT+FRH and takes for
// AT+FTH (T.31 8.3.5): the address octet 0xFF, the control octet (0x03, or
// 0x13 for the final frame of a message), the FCF and the FIF. The frame
// check sequence and the HDLC flags and bit stuffing belong to the modem
// (package modem). Octets are as the modem passes them: the first bit on
// the line is the least significant bit of each octet, so the T.30
// notation "0000 0001" of DIS is the octet 0x80, and bit n of Table 2 is
// bit (n-1)%8 of FIF octet (n-1)/8.
//
// Parsing never panics: a malformed frame is a [*FrameError] matching
// [ErrMalformed]; unknown bits and unknown control fields are ignored or
// kept as they are.
//
// The package knows nothing of SQLite, HTTP, GPIO or the modem's AT
// commands. The frame layer described here is what the T.30 engine
// (phases A to E, timers T1 to T5, negotiation, training and ECM) builds
// on.
package t30
