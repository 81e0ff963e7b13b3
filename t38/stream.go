package t38

// ErrorCorrection is the UDPTL error recovery in use (T.38 clause 9.1,
// the SDP attribute T38FaxUdpEC of T.38 Annex D).
type ErrorCorrection int

// Error recovery schemes.
const (
	ECNone       ErrorCorrection = iota // no secondary packets
	ECRedundancy                        // t38UDPRedundancy
	ECFEC                               // t38UDPFEC
)

// historyLen is how many past IFP packets each side keeps: enough for
// three redundant packets or an FEC span of 3 over 4 entries.
const historyLen = 32

// Encoder numbers outgoing IFP packets and wraps each in a UDPTL datagram
// with error recovery (T.38 clause 9.1). The zero value sends redundancy
// with the depth given per packet; Mode ECFEC sends parity instead.
type Encoder struct {
	Mode ErrorCorrection
	// FECSpan and FECEntries shape parity in ECFEC mode (defaults 3 and 3).
	FECSpan, FECEntries int
	// MaxDatagram, when positive, is the far end's T38FaxMaxDatagram:
	// redundant packets are left out rather than exceed it.
	MaxDatagram int

	seq  uint16
	hist [][]byte // hist[0] is the packet sent last
}

// Encode returns the datagram that carries ifp as the next packet, with up
// to depth earlier packets again as redundancy (ignored unless Mode is
// ECRedundancy). The first packet has sequence number 0 (T.38 9.1).
func (e *Encoder) Encode(ifp []byte, depth int) ([]byte, error) {
	d := Datagram{Seq: e.seq, Primary: ifp}
	switch e.Mode {
	case ECRedundancy:
		depth = min(depth, len(e.hist), 3)
		d.Secondary = e.hist[:max(depth, 0)]
	case ECFEC:
		d.FEC = e.parity()
	}
	b, err := d.Append(nil)
	for err == nil && e.MaxDatagram > 0 && len(b) > e.MaxDatagram && len(d.Secondary) > 0 {
		d.Secondary = d.Secondary[:len(d.Secondary)-1]
		b, err = d.Append(nil)
	}
	if err != nil {
		return nil, err
	}
	e.remember(ifp)
	e.seq++
	return b, nil
}

func (e *Encoder) remember(ifp []byte) {
	if len(e.hist) < historyLen {
		e.hist = append(e.hist, nil)
	}
	copy(e.hist[1:], e.hist)
	e.hist[0] = append([]byte(nil), ifp...)
}

// parity computes fec-info for the packet about to go out (seq e.seq):
// entry m is the exclusive or of packets seq+m-entries*(span-t).
func (e *Encoder) parity() *FECInfo {
	span, entries := e.FECSpan, e.FECEntries
	if span <= 0 {
		span = 3
	}
	if entries <= 0 {
		entries = 3
	}
	f := &FECInfo{Span: span, Data: make([][]byte, entries)}
	for m := range entries {
		var x []byte
		for t := range span {
			back := entries*(span-t) - m // packets before seq
			if back >= 1 && back <= len(e.hist) {
				x = xorInto(x, e.hist[back-1])
			}
		}
		if len(x) == 0 {
			x = []byte{0}
		}
		f.Data[m] = x
	}
	return f
}

func xorInto(x, p []byte) []byte {
	for len(x) < len(p) {
		x = append(x, 0)
	}
	for i, c := range p {
		x[i] ^= c
	}
	return x
}

// Received is an IFP packet in sequence order, from a datagram's primary
// part or recovered from redundancy or parity.
type Received struct {
	Seq       uint16
	IFP       []byte
	Recovered bool
	// LostBefore counts the packets lost for good just before this one
	// (neither received nor recovered), so that a receiver knows where
	// in the stream its data has holes.
	LostBefore int
}

// Stats counts what a Decoder saw.
type Stats struct {
	Datagrams, Malformed, Duplicates, Late, Recovered, Lost, Restarts int
}

// restartGap is a jump in sequence numbers taken as the far end starting a
// new stream rather than as loss (spandsp and Asterisk treat big jumps the
// same way).
const restartGap = 2000

// Decoder puts received datagrams back in order (T.38 clause 9.1): it
// delivers each IFP packet once, fills gaps from the redundancy or parity
// of later datagrams, drops duplicates and late packets, and follows the
// 16-bit sequence number through its wrap from 65535 to 0.
type Decoder struct {
	Stats   Stats
	started bool
	next    uint16            // sequence number expected next
	have    map[uint16][]byte // recent packets, for parity repair
	fecs    []fecAt           // recent fec-info, newest last
}

type fecAt struct {
	seq uint16
	f   *FECInfo
}

// Decode takes one datagram and returns the IFP packets it makes
// deliverable, oldest first (none for a duplicate or late datagram). A
// malformed datagram returns an error wrapping ErrMalformed.
func (d *Decoder) Decode(b []byte) ([]Received, error) {
	dg, err := ParseDatagram(b)
	if err != nil {
		d.Stats.Malformed++
		return nil, err
	}
	d.Stats.Datagrams++
	if d.have == nil {
		d.have = make(map[uint16][]byte)
	}
	if !d.started {
		d.started = true
		d.next = dg.Seq
		if int(dg.Seq) <= len(dg.Secondary) {
			d.next = 0 // the stream began at 0: the lost first packets are in here
		}
		// Packets before the stream are empty to parity (see Encoder).
		for i := 1; i <= historyLen; i++ {
			d.have[d.next-uint16(i)] = []byte{}
		}
	}
	ahead := int16(dg.Seq - d.next)
	switch {
	case ahead < 0 && -int(ahead) < restartGap:
		if -ahead == 1 || d.have[dg.Seq] != nil {
			d.Stats.Duplicates++
		} else {
			d.Stats.Late++
		}
		return nil, nil
	case int(ahead) >= restartGap || ahead < 0:
		d.Stats.Restarts++
		d.next = dg.Seq
		clear(d.have)
		d.fecs = d.fecs[:0]
	}
	return d.accept(dg), nil
}

// accept delivers the gap before dg from its recovery data, then dg.
func (d *Decoder) accept(dg Datagram) []Received {
	var out []Received
	for i := len(dg.Secondary); i >= 1; i-- {
		seq := dg.Seq - uint16(i)
		if int16(seq-d.next) >= 0 {
			d.keep(seq, dg.Secondary[i-1])
		}
	}
	if dg.FEC != nil {
		d.fecs = append(d.fecs, fecAt{dg.Seq, dg.FEC})
		if len(d.fecs) > 8 {
			d.fecs = d.fecs[1:]
		}
		d.repair()
	}
	lost := 0
	for seq := d.next; seq != dg.Seq; seq++ {
		if p := d.have[seq]; p != nil {
			out = append(out, Received{Seq: seq, IFP: p, Recovered: true, LostBefore: lost})
			d.Stats.Recovered++
			lost = 0
		} else {
			d.Stats.Lost++
			lost++
		}
	}
	d.keep(dg.Seq, dg.Primary)
	out = append(out, Received{Seq: dg.Seq, IFP: d.have[dg.Seq], LostBefore: lost})
	d.next = dg.Seq + 1
	d.forget()
	return out
}

func (d *Decoder) keep(seq uint16, p []byte) {
	if d.have[seq] == nil {
		d.have[seq] = append([]byte(nil), p...)
	}
}

// forget drops packets too old to matter for parity repair.
func (d *Decoder) forget() {
	for seq := range d.have {
		if int16(d.next-seq) > historyLen {
			delete(d.have, seq)
		}
	}
}

// repair rebuilds missing packets from the parity received so far: an
// entry whose packets are all present but one gives that one (T.38 9.1,
// fec-info), until no entry helps further.
func (d *Decoder) repair() {
	for progress := true; progress; {
		progress = false
		for _, fa := range d.fecs {
			for m, x := range fa.f.Data {
				if d.repairEntry(fa.seq, fa.f.Span, len(fa.f.Data), m, x) {
					progress = true
				}
			}
		}
	}
}

func (d *Decoder) repairEntry(seq uint16, span, entries, m int, x []byte) bool {
	missing, nmiss := uint16(0), 0
	for t := range span {
		s := seq + uint16(m) - uint16(entries*(span-t))
		if d.have[s] == nil {
			missing, nmiss = s, nmiss+1
		}
	}
	if nmiss != 1 || int16(missing-d.next) < 0 {
		return false // nothing to rebuild, or only what was given up
	}
	p := append([]byte(nil), x...)
	for t := range span {
		if s := seq + uint16(m) - uint16(entries*(span-t)); s != missing {
			p = xorInto(p, d.have[s])
		}
	}
	d.have[missing] = p
	return true
}
