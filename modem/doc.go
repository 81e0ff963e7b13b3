// Package modem drives class 1 fax modems (ITU-T T.31) over a byte
// stream: a serial port opened with Open, a simulated modem from
// modem/sim, or any io.ReadWriteCloser.
//
// It provides:
//   - the AT command layer: commands, information lines and final result
//     codes mapped to errors callers branch on with errors.Is (ErrBusy,
//     ErrNoCarrier, ErrFCError, ...), *ResultError and *ProtocolError;
//   - Reset, Identify, Capabilities and Probe (identity, classes and
//     modulations; Info marshals to JSON), with a quirks table by identity;
//   - calls: Dial, Answer, HangUp (DTR drop when the port has it, then
//     ATH0), WaitRing with caller ID;
//   - V.21 HDLC frames (SendFrame, ReceiveFrame; frames travel without
//     their FCS, which the modem computes), high-speed data (SendData,
//     ReceiveData with DLE transparency) and silence (Silence, WaitSilence);
//   - a timestamped wire log of every byte (WireLog).
//
// A Modem belongs to one goroutine, the call's engine; a reader goroutine
// feeds it bytes, every operation takes a context, and Close unblocks
// everything. Waits for the far end (carrier, frames, dialling) end with
// ErrTimeout and leave the modem in command state; a command the modem
// does not answer in time ends with ErrNotResponding, the cue to
// power-cycle it. A port that fails under the driver (a USB modem
// unplugged) makes every operation end with ErrGone: the device must be
// opened again.
//
// It does not implement T.30: it neither builds nor parses DIS/DCS and
// other frames' contents, keeps no T1-T5 timers and chooses no rates. It
// does not speak class 2/2.0 or voice commands, and does not retry: a
// +FCERROR is returned, and the caller decides.
package modem
