// Package sim is a simulated class 1 (ITU-T T.31) fax modem and telephone
// line, written in Go, to run the modem driver and the T.30 engine without
// hardware.
//
// A Line joins two Modems. Each answers the AT commands a class 1 modem
// does (ATZ, ATE, ATV, ATQ, ATI, ATD, ATA, ATH, AT+FCLASS, AT+FMI?/+FMM?/
// +FMR?, AT+FTH/+FRH/+FTM/+FRM/+FTS/+FRS, AT+VCID) and talks to its DTE
// in-process (Modem.Conn, an io.ReadWriteCloser with flow control and
// SetDTR) or on a pseudo-terminal (Modem.Serve on the master side, so the
// driver opens the slave through go.bug.st/serial as it would hardware).
//
// Dialling one modem rings the other (RING, with caller ID lines after the
// first ring when AT+VCID=1); ATA sends CED, then V.21 flags. The line
// carries V.21 HDLC frames and high-speed data with their timing: a one-way
// delay, 1 s of flags, training times per modulation, bytes at the bit
// rate, carrier off. Time is the time package's: inside a testing/synctest
// bubble it is fake and runs as fast as the CPU allows; in real time,
// LineConfig.Scale compresses it.
//
// Faults: bit errors at a rate on high-speed data, corrupted or lost V.21
// frames (LineConfig.FrameFault), NO DIALTONE, BUSY (both ends dial),
// NO ANSWER (nobody answers within AnswerTimeout), a cut line at a chosen
// moment (Line.Cut, Line.CutAfter), a modem that stops responding
// (Modem.Freeze), garbage on the serial line (Modem.Garbage), and the
// wrong carrier (+FCERROR when +FRM or +FRH does not match what is sent).
//
// It does not model audio, noise other than bit errors, V.34, ECM (frames
// are frames to it), class 2, or the answer-tone timing details of
// T.30 beyond CED's length; echo (ATE1) and verbose results are supported,
// numeric results (ATV0) are not.
package sim
