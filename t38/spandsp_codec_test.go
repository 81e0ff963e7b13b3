//go:build spandsp

package t38_test

import (
	"bytes"
	"fmt"
	"testing"

	"faxbox/t38"
	"faxbox/t38/spandsp"
)

// codecCases lists every indicator and every data type, each data type
// with every field type the version can carry, alone and in a packet of
// several fields.
func codecCases(version int) []t38.Packet {
	var ps []t38.Packet
	nInd, nData, nField := 23, 15, 12
	if version == 0 {
		nInd, nData, nField = 16, 9, 8
	}
	for i := range nInd {
		ps = append(ps, t38.Packet{Indicator: t38.Indicator(i)})
	}
	for d := range nData {
		for f := range nField {
			ps = append(ps, t38.Packet{IsData: true, Data: t38.DataType(d),
				Fields: []t38.Field{{Type: t38.FieldType(f), Data: []byte{0x55, byte(d), byte(f)}}}})
		}
		ps = append(ps, t38.Packet{IsData: true, Data: t38.DataType(d), Fields: []t38.Field{
			{Type: t38.HDLCData, Data: bytes.Repeat([]byte{0xff, 0x13}, 90)},
			{Type: t38.HDLCFCSOK}}})
		ps = append(ps, t38.Packet{IsData: true, Data: t38.DataType(d), Fields: []t38.Field{
			{Type: t38.T4NonECMData, Data: []byte{1, 2, 3}},
			{Type: t38.T4NonECMSigEnd, Data: []byte{4}}}})
	}
	return ps
}

func syntaxFor(version int) t38.Syntax {
	return t38.Syntax{Version: version, PreCorrigendum: version == 0}
}

// TestCodecMatchesSpandsp checks Faxbox's IFP encoding byte for byte
// against spandsp's t38_core, and decodes each side's packets with the
// other side's decoder, for versions 0 (pre-corrigendum syntax, as
// spandsp speaks it) and 3.
func TestCodecMatchesSpandsp(t *testing.T) {
	for _, version := range []int{0, 3} {
		core := spandsp.NewCore(version)
		syn := syntaxFor(version)
		for _, p := range codecCases(version) {
			t.Run(fmt.Sprintf("v%d/%v", version, p), func(t *testing.T) {
				ours, err := syn.Marshal(p)
				if err != nil {
					t.Fatal(err)
				}
				if spandspFieldTypeQuirk(p) {
					// spandsp writes the extension field types one bit
					// off X.691 13.3; Wireshark reads ours (see
					// TestTsharkDecodesEveryPacketType).
					return
				}
				theirs, err := core.Encode(p)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(ours, theirs) {
					t.Errorf("encoding differs:\n faxbox  % x\n spandsp % x", ours, theirs)
				}
				got, err := core.Decode(ours)
				if err != nil {
					t.Fatalf("spandsp cannot decode ours: %v", err)
				}
				samePacket(t, "spandsp decoded ours", got, p)
				back, err := syn.Unmarshal(theirs)
				if err != nil {
					t.Fatalf("we cannot decode spandsp's: %v", err)
				}
				samePacket(t, "we decoded spandsp's", back, p)
			})
		}
	}
}

func samePacket(t *testing.T, what string, got, want t38.Packet) {
	t.Helper()
	if got.String() != want.String() {
		t.Errorf("%s: %v, want %v", what, got, want)
		return
	}
	for i := range got.Fields {
		if !bytes.Equal(got.Fields[i].Data, want.Fields[i].Data) {
			t.Errorf("%s: field %d data % x, want % x", what, i, got.Fields[i].Data, want.Fields[i].Data)
		}
	}
}

// spandspFieldTypeQuirk reports a packet with the jm-message, ci-message
// or v34rate field types, which spandsp 0.0.6 encodes as a 6-bit number
// after the extension bit without the "normally small" flag bit of X.691
// 10.6, so its octets differ from the standard's (cm-message, value 0, is
// the same either way).
func spandspFieldTypeQuirk(p t38.Packet) bool {
	for _, f := range p.Fields {
		if f.Type > t38.CMMessage {
			return true
		}
	}
	return false
}

// TestCodecV0PackedFields: in the 1998 notation a field without data
// takes four bits and the next field starts mid-octet (T.38 Annex A.2,
// aligned PER); spandsp's decoder reads Faxbox's packed fields so. (Its
// encoder gives each field an octet of its own, which its own decoder
// reads differently; no packet a call sends has a field without data
// before another.)
func TestCodecV0PackedFields(t *testing.T) {
	syn := syntaxFor(0)
	core := spandsp.NewCore(0)
	for _, p := range []t38.Packet{
		{IsData: true, Data: t38.V21, Fields: []t38.Field{{Type: t38.HDLCFCSOK}, {Type: t38.HDLCSigEnd}}},
		{IsData: true, Data: t38.V29At9600, Fields: []t38.Field{{Type: t38.HDLCFCSBad}, {Type: t38.HDLCData, Data: []byte{1, 2}}, {Type: t38.HDLCFCSOKSigEnd}}},
	} {
		ours, err := syn.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := core.Decode(ours)
		if err != nil {
			t.Fatalf("%v (% x): %v", p, ours, err)
		}
		samePacket(t, fmt.Sprintf("spandsp decoded % x", ours), got, p)
	}
}
