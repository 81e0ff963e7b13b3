package t38

import "fmt"

// UDPTL (T.38 clause 9.1, Annex A UDPTLPacket): each datagram carries a
// 16-bit sequence number, the primary IFP packet as an open type, and
// error recovery, a CHOICE between the previous IFP packets again
// (secondary-ifp-packets, "redundancy", most recent first) and parity
// data over earlier packets (fec-info).

// Datagram is one decoded UDPTL packet. IFP packets alias the buffer it was
// decoded from.
type Datagram struct {
	Seq       uint16
	Primary   []byte
	Secondary [][]byte // Secondary[i] is packet Seq-1-i
	FEC       *FECInfo // nil in redundancy mode
}

// FECInfo is the fec-info alternative: Entries parity octet strings, entry
// m the exclusive or of the Span packets Seq+m-Entries*(Span-t) for t in
// 0..Span-1, each padded with zeros to the longest.
type FECInfo struct {
	Span int
	Data [][]byte
}

// maxRecovery bounds how many secondary packets or FEC entries a datagram
// may carry: far beyond what any peer sends, and it caps the work a
// hostile datagram causes.
const maxRecovery = 16

// Append encodes d after b.
func (d *Datagram) Append(b []byte) ([]byte, error) {
	w := &bitWriter{buf: b}
	w.bits(uint32(d.Seq), 16)
	if err := writeOpen(w, d.Primary); err != nil {
		return nil, err
	}
	if d.FEC == nil {
		w.bits(0, 1) // error-recovery: secondary-ifp-packets
		return w.buf, writeOpens(w, d.Secondary)
	}
	w.bits(1, 1) // error-recovery: fec-info
	w.align()
	if d.FEC.Span < 1 || d.FEC.Span > 127 || len(d.FEC.Data) > maxRecovery {
		return nil, errBadFECSpan
	}
	// fec-npackets, an unconstrained INTEGER (X.691): length, value.
	w.bits(1, 8)
	w.bits(uint32(d.FEC.Span), 8)
	return w.buf, writeOpens(w, d.FEC.Data)
}

func writeOpens(w *bitWriter, list [][]byte) error {
	if err := writeLength(w, len(list)); err != nil {
		return err
	}
	for _, p := range list {
		if err := writeOpen(w, p); err != nil {
			return err
		}
	}
	return nil
}

// writeOpen writes an open type or OCTET STRING with an unconstrained
// length (X.691 open type); an empty one is sent as one zero octet.
func writeOpen(w *bitWriter, p []byte) error {
	if len(p) == 0 {
		p = []byte{0}
	}
	if err := writeLength(w, len(p)); err != nil {
		return err
	}
	w.octets(p)
	return nil
}

// ParseDatagram decodes one UDPTL datagram, which must fill b exactly.
func ParseDatagram(b []byte) (Datagram, error) {
	r := &bitReader{buf: b}
	var d Datagram
	seq, err := r.bits(16)
	if err != nil {
		return d, err
	}
	d.Seq = uint16(seq)
	if d.Primary, err = readOpen(r); err != nil {
		return d, err
	}
	choice, err := r.bits(1)
	if err != nil {
		return d, err
	}
	if choice == 0 {
		d.Secondary, err = readOpens(r)
	} else {
		d.FEC, err = readFEC(r)
	}
	if err != nil {
		return d, err
	}
	if r.used() != len(b) {
		return d, errTrailing
	}
	return d, nil
}

func readFEC(r *bitReader) (*FECInfo, error) {
	r.align()
	n, err := r.bits(8)
	if err != nil {
		return nil, err
	}
	if n < 1 || n > 2 {
		return nil, errBadFECSpan
	}
	span, err := r.bits(8 * uint(n))
	if err != nil {
		return nil, err
	}
	if span < 1 || span > 127 {
		return nil, errBadFECSpan
	}
	f := &FECInfo{Span: int(span)}
	if f.Data, err = readOpens(r); err != nil {
		return nil, err
	}
	if len(f.Data) == 0 {
		return nil, errBadFECSpan
	}
	return f, nil
}

func readOpens(r *bitReader) ([][]byte, error) {
	n, err := readLength(r)
	if err != nil {
		return nil, err
	}
	if n > maxRecovery {
		return nil, fmt.Errorf("%w: %d recovery packets", errTooMany, n)
	}
	list := make([][]byte, n)
	for i := range list {
		if list[i], err = readOpen(r); err != nil {
			return nil, err
		}
	}
	return list, nil
}

func readOpen(r *bitReader) ([]byte, error) {
	n, err := readLength(r)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, fmt.Errorf("%w: empty open type", ErrMalformed)
	}
	return r.octets(n)
}
