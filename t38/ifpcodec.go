package t38

import "fmt"

// Marshal encodes p as an IFP packet (T.38 Annex A IFPPacket, aligned
// PER), padded with zero bits to whole octets as UDPTL carries it.
func (s Syntax) Marshal(p Packet) ([]byte, error) {
	w := &bitWriter{}
	if err := s.encode(w, p); err != nil {
		return nil, err
	}
	return w.buf, nil
}

func (s Syntax) encode(w *bitWriter, p Packet) error {
	hasFields := len(p.Fields) > 0
	w.bits(b2u(hasFields), 1) // IFPPacket: data-field present (preamble)
	if !p.IsData {
		if hasFields {
			return errIndData
		}
		w.bits(0, 1) // Type-of-msg: t30-indicator
		return s.encodeEnum(w, uint32(p.Indicator), indicatorRoot, uint32(numIndicators), 4)
	}
	w.bits(1, 1) // Type-of-msg: t30-data
	if err := s.encodeEnum(w, uint32(p.Data), dataRoot, uint32(numDataTypes), 4); err != nil {
		return err
	}
	if !hasFields {
		return nil
	}
	if err := writeLength(w, len(p.Fields)); err != nil {
		return err
	}
	for _, f := range p.Fields {
		if err := s.encodeField(w, f); err != nil {
			return err
		}
	}
	return nil
}

// encodeEnum writes an extensible ENUMERATED (X.691, enumerated type): an extension bit,
// then the root index in width bits or an extension addition as a
// normally small number.
func (s Syntax) encodeEnum(w *bitWriter, v, root, all uint32, width uint) error {
	switch {
	case v < root:
		w.bits(0, 1)
		w.bits(v, width)
	case v < all && s.Version > 0:
		w.bits(1, 1)
		w.smallNumber(v - root)
	case v < all:
		return fmt.Errorf("%w: value %d needs T.38 version 1 or later", ErrUnsupported, v)
	default:
		return fmt.Errorf("%w: enumeration value %d", ErrUnsupported, v)
	}
	return nil
}

// encodeField writes one Data-Field element: the optional field-data's
// presence bit, the field-type and the field-data, an OCTET STRING
// (SIZE (1..65535)) whose length goes as a 16-bit constrained number
// (X.691, octet string with a size constraint).
func (s Syntax) encodeField(w *bitWriter, f Field) error {
	if len(f.Data) > 65535 {
		return errFieldLen
	}
	w.bits(b2u(len(f.Data) > 0), 1)
	if s.pre() {
		// T.38 (1998): field-type was not extensible.
		if f.Type >= fieldRoot {
			return fmt.Errorf("%w: field type %s in the pre-corrigendum syntax", ErrUnsupported, f.Type)
		}
		w.bits(uint32(f.Type), 3)
	} else if err := s.encodeEnum(w, uint32(f.Type), fieldRoot, uint32(numFieldTypes), 3); err != nil {
		return err
	}
	if len(f.Data) > 0 {
		w.align()
		w.bits(uint32(len(f.Data)-1), 16)
		w.octets(f.Data)
	}
	return nil
}

// writeLength writes an unconstrained length determinant (X.691, length
// determinant); T.38 never needs the fragmented form.
func writeLength(w *bitWriter, n int) error {
	w.align()
	switch {
	case n < 128:
		w.bits(uint32(n), 8)
	case n < 16384:
		w.bits(0x8000|uint32(n), 16)
	default:
		return errTooMany
	}
	return nil
}

func readLength(r *bitReader) (int, error) {
	r.align()
	v, err := r.bits(8)
	if err != nil {
		return 0, err
	}
	switch {
	case v < 0x80:
		return int(v), nil
	case v < 0xc0:
		lo, err := r.bits(8)
		return int(v&0x3f)<<8 | int(lo), err
	}
	return 0, errTooMany // fragmented: never produced by T.38 peers
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// Unmarshal decodes one IFP packet that fills b exactly (bar the zero
// padding of its last octet). Field data alias b.
func (s Syntax) Unmarshal(b []byte) (Packet, error) {
	p, n, err := s.decode(b)
	if err != nil {
		return Packet{}, err
	}
	if n != len(b) {
		return Packet{}, errTrailing
	}
	return p, nil
}

func (s Syntax) decode(b []byte) (Packet, int, error) {
	r := &bitReader{buf: b}
	var p Packet
	hasFields, err := r.bits(1)
	if err != nil {
		return p, 0, err
	}
	kind, err := r.bits(1)
	if err != nil {
		return p, 0, err
	}
	if kind == 0 {
		if hasFields != 0 {
			return p, 0, errIndData
		}
		v, err := s.decodeEnum(r, indicatorRoot, uint32(numIndicators), 4)
		p.Indicator = Indicator(v)
		return p, r.used(), err
	}
	p.IsData = true
	v, err := s.decodeEnum(r, dataRoot, uint32(numDataTypes), 4)
	if err != nil {
		return p, 0, err
	}
	p.Data = DataType(v)
	if hasFields != 0 {
		if p.Fields, err = s.decodeFields(r); err != nil {
			return p, 0, err
		}
	}
	return p, r.used(), nil
}

func (s Syntax) decodeEnum(r *bitReader, root, all uint32, width uint) (uint32, error) {
	ext, err := r.bits(1)
	if err != nil {
		return 0, err
	}
	var v uint32
	if ext == 0 {
		v, err = r.bits(width)
		if err == nil && v >= root {
			err = errBadValue
		}
		return v, err
	}
	v, err = r.smallNumber()
	if err == nil && root+v >= all {
		err = errBadValue
	}
	return root + v, err
}

func (s Syntax) decodeFields(r *bitReader) ([]Field, error) {
	n, err := readLength(r)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, errNoFields
	}
	// Each field takes at least four bits: refuse counts the packet
	// cannot hold before allocating.
	if n > 2*(len(r.buf)-int(r.pos/8)) {
		return nil, errTruncated
	}
	fields := make([]Field, n)
	for i := range fields {
		if fields[i], err = s.decodeField(r); err != nil {
			return nil, err
		}
	}
	return fields, nil
}

func (s Syntax) decodeField(r *bitReader) (Field, error) {
	var f Field
	present, err := r.bits(1)
	if err != nil {
		return f, err
	}
	var v uint32
	if s.pre() {
		v, err = r.bits(3)
	} else {
		v, err = s.decodeEnum(r, fieldRoot, uint32(numFieldTypes), 3)
	}
	if err != nil {
		return f, err
	}
	f.Type = FieldType(v)
	if present == 0 {
		return f, nil
	}
	r.align()
	l, err := r.bits(16)
	if err != nil {
		return f, err
	}
	f.Data, err = r.octets(int(l) + 1)
	return f, err
}
