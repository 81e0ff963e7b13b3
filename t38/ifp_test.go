package t38

import (
	"bytes"
	"errors"
	"testing"
)

// Golden encodings worked out by hand from T.38 Annex A and X.691.
var goldenIFP = []struct {
	syn  Syntax
	p    Packet
	want string
}{
	{Syntax{Version: 0}, Packet{Indicator: NoSignal}, "00"},
	{Syntax{Version: 0}, Packet{Indicator: CED}, "04"},
	{Syntax{Version: 3}, Packet{Indicator: V17At14400LongTraining}, "1e"},
	// Extension indicator: P=0, choice=0, ext=1, small number 0+000010.
	{Syntax{Version: 3}, Packet{Indicator: V34PrimaryChannel}, "20c0"},
	{Syntax{Version: 3}, Packet{IsData: true, Data: V21, Fields: []Field{{Type: HDLCData, Data: []byte{0xff, 0x13}}}},
		"c00180 0001 ff13"},
	{Syntax{Version: 3}, Packet{IsData: true, Data: V17At14400, Fields: []Field{{Type: HDLCFCSOKSigEnd}}},
		"d00120"},
	{Syntax{Version: 3}, Packet{IsData: true, Data: V33At14400, Fields: []Field{{Type: V34Rate, Data: []byte{'1'}}}},
		"e140 01 c180 0000 31"},
	// Pre-corrigendum: two fields without data share one octet.
	{Syntax{Version: 0, PreCorrigendum: true}, Packet{IsData: true, Data: V21, Fields: []Field{{Type: HDLCFCSOK}, {Type: HDLCSigEnd}}},
		"c00221"},
	{Syntax{Version: 0}, Packet{IsData: true, Data: V21, Fields: []Field{{Type: HDLCFCSOK}, {Type: HDLCSigEnd}}},
		"c00210 40"},
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	var b []byte
	for _, c := range bytes.ReplaceAll([]byte(s), []byte(" "), nil) {
		v := bytes.IndexByte([]byte("0123456789abcdef"), c)
		if v < 0 {
			t.Fatalf("bad hex %q", s)
		}
		b = append(b, byte(v))
	}
	out := make([]byte, len(b)/2)
	for i := range out {
		out[i] = b[2*i]<<4 | b[2*i+1]
	}
	return out
}

func TestIFPGolden(t *testing.T) {
	for _, g := range goldenIFP {
		want := unhex(t, g.want)
		got, err := g.syn.Marshal(g.p)
		if err != nil {
			t.Fatalf("%v: %v", g.p, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%+v %v: % x, want % x", g.syn, g.p, got, want)
		}
		back, err := g.syn.Unmarshal(want)
		if err != nil {
			t.Fatalf("%v: decode: %v", g.p, err)
		}
		if back.String() != g.p.String() {
			t.Errorf("decode % x: %v, want %v", want, back, g.p)
		}
	}
}

func TestIFPRefuses(t *testing.T) {
	v0 := Syntax{Version: 0}
	if _, err := v0.Marshal(Packet{Indicator: V8ANSam}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("V.8 indicator in version 0: %v, want ErrUnsupported", err)
	}
	pre := Syntax{Version: 0, PreCorrigendum: true}
	if _, err := pre.Marshal(Packet{IsData: true, Fields: []Field{{Type: CMMessage, Data: []byte{1}}}}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("cm-message pre-corrigendum: %v", err)
	}
	if _, err := v0.Marshal(Packet{Indicator: CNG, Fields: []Field{{}}}); !errors.Is(err, ErrMalformed) {
		t.Errorf("indicator with fields: %v", err)
	}
	for _, b := range []string{"", "c0", "c001", "c00180", "c001800005ff", "40 00", "3f", "fe", "21c0", "0000"} {
		if _, err := (Syntax{Version: 3}).Unmarshal(unhex(t, b)); !errors.Is(err, ErrMalformed) {
			t.Errorf("decode %q: %v, want ErrMalformed", b, err)
		}
	}
}

// FuzzIFP checks that decoding never panics and that whatever decodes
// encodes back to the same octets (canonical aligned PER).
func FuzzIFP(f *testing.F) {
	for _, g := range goldenIFP {
		f.Add(unhex(f, g.want), uint8(g.syn.Version), g.syn.PreCorrigendum)
	}
	f.Fuzz(func(t *testing.T, b []byte, version uint8, pre bool) {
		syn := Syntax{Version: int(version % 4), PreCorrigendum: pre}
		p, err := syn.Unmarshal(b)
		if err != nil {
			return
		}
		again, err := syn.Marshal(p)
		if errors.Is(err, ErrUnsupported) {
			return // received from a newer peer than the version agreed
		}
		if err != nil {
			t.Fatalf("% x decoded to %v which does not encode: %v", b, p, err)
		}
		p2, err := syn.Unmarshal(again)
		if err != nil || p2.String() != p.String() {
			t.Fatalf("% x -> %v -> % x -> %v, %v", b, p, again, p2, err)
		}
	})
}
