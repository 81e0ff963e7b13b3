package t30_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"faxbox/t30"
)

func hdr(fcf t30.FCF, x, final bool) t30.FrameHeader {
	return t30.FrameHeader{FCF: fcf, X: x, Final: final}
}

// TestRoundTrip marshals one frame of every kind and parses it back; wire
// is the expected encoding when given.
func TestRoundTrip(t *testing.T) {
	var ppr t30.PPRFrame
	ppr.FrameHeader = hdr(t30.PPR, false, true)
	ppr.SetBad(0)
	ppr.SetBad(9)
	ppr.SetBad(255)
	fullPPR := append([]byte{0xff, 0x13, 0xbc, 0x01, 0x02}, make([]byte, 30)...)
	fullPPR[len(fullPPR)-1] = 0x80

	tests := []struct {
		name string
		f    t30.Frame
		wire []byte
	}{
		{"DIS", &t30.DISFrame{FrameHeader: hdr(t30.DIS, false, true), Caps: t30.Capabilities{ReadyToReceive: true, Modems: t30.ModemsV27terV29, Resolutions: 1}},
			[]byte{0xff, 0x13, 0x80, 0x00, 0x0e, 0x00}},
		{"DTC", &t30.DISFrame{FrameHeader: hdr(t30.DTC, false, true), Caps: t30.Capabilities{ReadyToReceive: true, ECM: true, Resolutions: 1}},
			[]byte{0xff, 0x13, 0x81, 0x00, 0x02, 0x80, 0x04}},
		{"DCS", &t30.DCSFrame{FrameHeader: hdr(t30.DCS, true, true), Params: t30.Params{Receive: true, Rate: t30.Rate9600V29, Resolution: t30.ResFine, ScanTime: t30.Scan10}},
			[]byte{0xff, 0x13, 0x83, 0x00, 0x46, 0x20}},
		{"DCS from called", &t30.DCSFrame{FrameHeader: hdr(t30.DCS, false, true), Params: t30.Params{Receive: true}},
			[]byte{0xff, 0x13, 0x82, 0x00, 0x02, 0x00}},
		{"CSI", &t30.IdentFrame{FrameHeader: hdr(t30.CSI, false, false), Ident: "+1 23"},
			append([]byte{0xff, 0x03, 0x40, '3', '2', ' ', '1', '+'}, bytes.Repeat([]byte{' '}, 15)...)},
		{"TSI", &t30.IdentFrame{FrameHeader: hdr(t30.TSI, true, false), Ident: "12345678901234567890"}, nil},
		{"CIG", &t30.IdentFrame{FrameHeader: hdr(t30.CIG, false, false), Ident: "0"}, nil},
		{"PWD", &t30.IdentFrame{FrameHeader: hdr(t30.PWD, false, false), Ident: "1234"}, nil},
		{"SEP", &t30.IdentFrame{FrameHeader: hdr(t30.SEP, false, false), Ident: "77"}, nil},
		{"SUB", &t30.IdentFrame{FrameHeader: hdr(t30.SUB, true, false), Ident: "200"}, nil},
		{"SID", &t30.IdentFrame{FrameHeader: hdr(t30.SID, true, false), Ident: "secret"}, nil},
		{"PSA", &t30.IdentFrame{FrameHeader: hdr(t30.PSA, false, false), Ident: ""}, nil},
		{"NSF", &t30.NonStandardFrame{FrameHeader: hdr(t30.NSF, false, false), FIF: []byte{0xad, 0x00, 0x36, 0x01}},
			[]byte{0xff, 0x03, 0x20, 0xad, 0x00, 0x36, 0x01}},
		{"NSS", &t30.NonStandardFrame{FrameHeader: hdr(t30.NSS, true, false), FIF: []byte{0x00}}, nil},
		{"NSC", &t30.NonStandardFrame{FrameHeader: hdr(t30.NSC, false, false)}, nil},
		{"CFR", &t30.SignalFrame{FrameHeader: hdr(t30.CFR, false, true)}, []byte{0xff, 0x13, 0x84}},
		{"FTT", &t30.SignalFrame{FrameHeader: hdr(t30.FTT, false, true)}, []byte{0xff, 0x13, 0x44}},
		{"CTR", &t30.SignalFrame{FrameHeader: hdr(t30.CTR, false, true)}, []byte{0xff, 0x13, 0xc4}},
		{"MCF", &t30.SignalFrame{FrameHeader: hdr(t30.MCF, false, true)}, []byte{0xff, 0x13, 0x8c}},
		{"MCF from caller", &t30.SignalFrame{FrameHeader: hdr(t30.MCF, true, true)}, []byte{0xff, 0x13, 0x8d}},
		{"RTN", &t30.SignalFrame{FrameHeader: hdr(t30.RTN, false, true)}, []byte{0xff, 0x13, 0x4c}},
		{"RTP", &t30.SignalFrame{FrameHeader: hdr(t30.RTP, false, true)}, []byte{0xff, 0x13, 0xcc}},
		{"PIN", &t30.SignalFrame{FrameHeader: hdr(t30.PIN, false, true)}, []byte{0xff, 0x13, 0x2c}},
		{"PIP", &t30.SignalFrame{FrameHeader: hdr(t30.PIP, false, true)}, []byte{0xff, 0x13, 0xac}},
		{"MPS", &t30.SignalFrame{FrameHeader: hdr(t30.MPS, true, true)}, []byte{0xff, 0x13, 0x4f}},
		{"EOM", &t30.SignalFrame{FrameHeader: hdr(t30.EOM, true, true)}, []byte{0xff, 0x13, 0x8f}},
		{"EOP", &t30.SignalFrame{FrameHeader: hdr(t30.EOP, true, true)}, []byte{0xff, 0x13, 0x2f}},
		{"EOP polled", &t30.SignalFrame{FrameHeader: hdr(t30.EOP, false, true)}, []byte{0xff, 0x13, 0x2e}},
		{"PRI-MPS", &t30.SignalFrame{FrameHeader: hdr(t30.PRIMPS, true, true)}, []byte{0xff, 0x13, 0x5f}},
		{"PRI-EOM", &t30.SignalFrame{FrameHeader: hdr(t30.PRIEOM, true, true)}, []byte{0xff, 0x13, 0x9f}},
		{"PRI-EOP", &t30.SignalFrame{FrameHeader: hdr(t30.PRIEOP, true, true)}, []byte{0xff, 0x13, 0x3f}},
		{"DCN", &t30.SignalFrame{FrameHeader: hdr(t30.DCN, true, true)}, []byte{0xff, 0x13, 0xfb}},
		{"DCN from called", &t30.SignalFrame{FrameHeader: hdr(t30.DCN, false, true)}, []byte{0xff, 0x13, 0xfa}},
		{"CRP", &t30.SignalFrame{FrameHeader: hdr(t30.CRP, false, true)}, []byte{0xff, 0x13, 0x1a}},
		{"RR", &t30.SignalFrame{FrameHeader: hdr(t30.RR, true, true)}, []byte{0xff, 0x13, 0x6f}},
		{"RNR", &t30.SignalFrame{FrameHeader: hdr(t30.RNR, false, true)}, []byte{0xff, 0x13, 0xec}},
		{"ERR", &t30.SignalFrame{FrameHeader: hdr(t30.ERR, false, true)}, []byte{0xff, 0x13, 0x1c}},
		{"RCP", &t30.SignalFrame{FrameHeader: hdr(t30.RCP, false, false)}, []byte{0xff, 0x03, 0x86}},
		{"PPS-NULL", &t30.PPSFrame{FrameHeader: hdr(t30.PPS, true, true), Post: t30.Null, Page: 3, Block: 1, FrameCount: 255},
			[]byte{0xff, 0x13, 0xbf, 0x00, 0x03, 0x01, 0xff}},
		{"PPS-MPS", &t30.PPSFrame{FrameHeader: hdr(t30.PPS, true, true), Post: t30.MPS, Page: 1}, []byte{0xff, 0x13, 0xbf, 0x4f, 0x01, 0x00, 0x00}},
		{"PPS-EOM", &t30.PPSFrame{FrameHeader: hdr(t30.PPS, true, true), Post: t30.EOM}, []byte{0xff, 0x13, 0xbf, 0x8f, 0x00, 0x00, 0x00}},
		{"PPS-EOP polled", &t30.PPSFrame{FrameHeader: hdr(t30.PPS, false, true), Post: t30.EOP}, []byte{0xff, 0x13, 0xbe, 0x2e, 0x00, 0x00, 0x00}},
		{"PPS-PRI-EOP", &t30.PPSFrame{FrameHeader: hdr(t30.PPS, true, true), Post: t30.PRIEOP, Block: 2, FrameCount: 63}, []byte{0xff, 0x13, 0xbf, 0x3f, 0x00, 0x02, 0x3f}},
		{"EOR-NULL", &t30.EORFrame{FrameHeader: hdr(t30.EOR, true, true), Post: t30.Null}, []byte{0xff, 0x13, 0xcf, 0x00}},
		{"EOR-EOP", &t30.EORFrame{FrameHeader: hdr(t30.EOR, true, true), Post: t30.EOP}, []byte{0xff, 0x13, 0xcf, 0x2f}},
		{"EOR-PRI-MPS", &t30.EORFrame{FrameHeader: hdr(t30.EOR, true, true), Post: t30.PRIMPS}, []byte{0xff, 0x13, 0xcf, 0x5f}},
		{"PPR", &ppr, fullPPR},
		{"CTC", &t30.CTCFrame{FrameHeader: hdr(t30.CTC, true, true), HasRate: true, Rate: t30.Rate9600V29}, []byte{0xff, 0x13, 0x13, 0x00, 0x04}},
		{"CTC without FIF", &t30.CTCFrame{FrameHeader: hdr(t30.CTC, true, true)}, []byte{0xff, 0x13, 0x13}},
		{"FCD", &t30.FCDFrame{FrameHeader: hdr(t30.FCD, false, false), Number: 7, Data: []byte{1, 2, 3}}, []byte{0xff, 0x03, 0x06, 0x07, 1, 2, 3}},
		{"FCD full", &t30.FCDFrame{FrameHeader: hdr(t30.FCD, false, false), Number: 255, Data: bytes.Repeat([]byte{0x5a}, 256)}, nil},
		{"unknown octet", &t30.UnknownFrame{FrameHeader: hdr(0x07, false, true), FIF: []byte{9}}, []byte{0xff, 0x13, 0x07, 9}},
		{"TSA kept whole", &t30.UnknownFrame{FrameHeader: hdr(t30.TSA, true, false), FIF: []byte{1, 2}}, []byte{0xff, 0x03, 0x63, 1, 2}},
		{"CIA kept whole", &t30.UnknownFrame{FrameHeader: hdr(t30.CIA, false, false), FIF: []byte{1}}, []byte{0xff, 0x03, 0xe1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := t30.Marshal(tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wire != nil && !bytes.Equal(b, tt.wire) {
				t.Errorf("Marshal\n got % x\nwant % x", b, tt.wire)
			}
			got, err := t30.Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.f) {
				t.Errorf("Parse(% x)\n got %#v\nwant %#v", b, got, tt.f)
			}
		})
	}
}

// TestXBit checks T.30 5.3.6.1: X is split off FCFs that have it, from
// either station, and DTC (0x81) is not DIS with X set.
func TestXBit(t *testing.T) {
	tests := []struct {
		octet uint8
		fcf   t30.FCF
		x     bool
		name  string
	}{
		{0x80, t30.DIS, false, "DIS"},
		{0x81, t30.DTC, false, "DTC"},
		{0x40, t30.CSI, false, "CSI"},
		{0x41, t30.CIG, false, "CIG"},
		{0x82, t30.DCS, false, "DCS"},
		{0x83, t30.DCS, true, "DCS"},
		{0x2e, t30.EOP, false, "EOP"},
		{0x2f, t30.EOP, true, "EOP"},
		{0xfa, t30.DCN, false, "DCN"},
		{0xfb, t30.DCN, true, "DCN"},
		{0x84, t30.CFR, false, "CFR"},
		{0x85, t30.CFR, true, "CFR"},
		{0x06, t30.FCD, false, "FCD"},
		{0x86, t30.RCP, false, "RCP"},
		{0x87, 0x87, false, "FCF(0x87)"},
	}
	for _, tt := range tests {
		fif := []byte(nil)
		switch tt.fcf {
		case t30.DIS, t30.DTC, t30.DCS:
			fif = []byte{0, 0, 0}
		case t30.FCD:
			fif = []byte{0}
		}
		f, err := t30.Parse(append([]byte{0xff, 0x13, tt.octet}, fif...))
		if err != nil {
			t.Errorf("%#02x: %v", tt.octet, err)
			continue
		}
		h := f.Header()
		if h.FCF != tt.fcf || h.X != tt.x || h.FCF.String() != tt.name {
			t.Errorf("%#02x: FCF %v (%#02x) X %v; want %s (%#02x) X %v", tt.octet, h.FCF, uint8(h.FCF), h.X, tt.name, uint8(tt.fcf), tt.x)
		}
	}
}

func TestFCFString(t *testing.T) {
	names := map[t30.FCF]string{
		t30.DIS: "DIS", t30.CSI: "CSI", t30.NSF: "NSF", t30.DTC: "DTC", t30.CIG: "CIG", t30.NSC: "NSC",
		t30.PWD: "PWD", t30.SEP: "SEP", t30.SUB: "SUB", t30.SID: "SID", t30.PSA: "PSA",
		t30.DCS: "DCS", t30.TSI: "TSI", t30.NSS: "NSS", t30.CTC: "CTC", t30.CFR: "CFR", t30.FTT: "FTT",
		t30.CTR: "CTR", t30.EOM: "EOM", t30.MPS: "MPS", t30.EOP: "EOP", t30.PRIEOM: "PRI-EOM",
		t30.PRIMPS: "PRI-MPS", t30.PRIEOP: "PRI-EOP", t30.PPS: "PPS", t30.EOR: "EOR", t30.RR: "RR",
		t30.MCF: "MCF", t30.RTN: "RTN", t30.RTP: "RTP", t30.PIN: "PIN", t30.PIP: "PIP", t30.PPR: "PPR",
		t30.RNR: "RNR", t30.ERR: "ERR", t30.DCN: "DCN", t30.CRP: "CRP", t30.FCD: "FCD", t30.RCP: "RCP",
		t30.Null: "NULL", 0xff: "FCF(0xff)", t30.DCS | 1: "DCS",
	}
	for f, want := range names {
		if got := f.String(); got != want {
			t.Errorf("FCF(%#02x).String() = %q, want %q", uint8(f), got, want)
		}
	}
	if !t30.EOP.HasX() || t30.DIS.HasX() || t30.FCD.HasX() {
		t.Error("HasX wrong")
	}
	if t30.DIS.Octet(true) != 0x80 || t30.EOP.Octet(true) != 0x2f || t30.EOP.Octet(false) != 0x2e {
		t.Error("Octet wrong")
	}
}

// TestIdent checks T.30 Table 3 framing: right-aligned in 20 characters,
// sent last character first, so the padding comes last on the wire.
func TestIdent(t *testing.T) {
	b, err := t30.Marshal(&t30.IdentFrame{FrameHeader: hdr(t30.CSI, false, false), Ident: "FAXBOX 42"})
	if err != nil {
		t.Fatal(err)
	}
	want := "\xff\x03\x40" + "24 XOBXAF" + "           "
	if string(b) != want {
		t.Errorf("CSI = %q, want %q", b, want)
	}
	// Short, NUL-padded and space-padded identities parse trimmed.
	for _, fif := range []string{"42", "42   ", "\x00\x0042", "  42  "} {
		f, err := t30.Parse([]byte("\xff\x03\x40" + fif))
		if err != nil {
			t.Fatal(err)
		}
		if id := f.(*t30.IdentFrame).Ident; id != "24" {
			t.Errorf("FIF %q: ident %q, want \"24\"", fif, id)
		}
	}
	_, err = t30.Marshal(&t30.IdentFrame{FrameHeader: hdr(t30.TSI, true, false), Ident: "123456789012345678901"})
	var fe *t30.FrameError
	if !errors.Is(err, t30.ErrInvalid) || !errors.As(err, &fe) || fe.FCF != t30.TSI {
		t.Errorf("21-character TSI: %v", err)
	}
}

func TestPPR(t *testing.T) {
	var f t30.PPRFrame
	for _, n := range []uint8{0, 7, 8, 200, 255} {
		f.SetBad(n)
	}
	if f.Count() != 5 || !f.Bad(200) || f.Bad(201) || f.Map[0] != 0x81 || f.Map[1] != 0x01 {
		t.Errorf("PPR map % x, count %d", f.Map, f.Count())
	}
}

func TestMalformed(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		fcf  t30.FCF
	}{
		{"empty", nil, 0},
		{"two octets", []byte{0xff, 0x13}, 0},
		{"bad address", []byte{0xfe, 0x13, 0x84}, 0},
		{"bad control", []byte{0xff, 0x10, 0x84}, 0},
		{"DIS without FIF", []byte{0xff, 0x13, 0x80}, t30.DIS},
		{"DIS of 2 octets", []byte{0xff, 0x13, 0x80, 0x00, 0xee}, t30.DIS},
		{"DTC of 1 octet", []byte{0xff, 0x13, 0x81, 0x00}, t30.DTC},
		{"DCS of 2 octets", []byte{0xff, 0x13, 0x83, 0x00, 0xe2}, t30.DCS},
		{"CSI of 21", append([]byte{0xff, 0x03, 0x40}, bytes.Repeat([]byte{'1'}, 21)...), t30.CSI},
		{"PPS of 3", []byte{0xff, 0x13, 0xbf, 0x2f, 0, 0}, t30.PPS},
		{"EOR empty", []byte{0xff, 0x13, 0xcf}, t30.EOR},
		{"PPR of 31", append([]byte{0xff, 0x13, 0xbc}, make([]byte, 31)...), t30.PPR},
		{"CTC of 1", []byte{0xff, 0x13, 0x13, 0x00}, t30.CTC},
		{"FCD empty", []byte{0xff, 0x03, 0x06}, t30.FCD},
		{"FCD of 257", append([]byte{0xff, 0x03, 0x06, 0}, make([]byte, 257)...), t30.FCD},
	}
	for _, tt := range tests {
		f, err := t30.Parse(tt.b)
		var fe *t30.FrameError
		if f != nil || !errors.Is(err, t30.ErrMalformed) || !errors.As(err, &fe) || fe.FCF != tt.fcf {
			t.Errorf("%s: Parse = %v, %v", tt.name, f, err)
		}
	}
	if _, err := t30.Marshal(&t30.FCDFrame{Data: make([]byte, 257)}); !errors.Is(err, t30.ErrInvalid) {
		t.Errorf("FCD of 257: %v", err)
	}
}

// TestParseIgnores checks the lenient side: extra octets after a signal,
// PPS, PPR, and a long DIS with unknown bits are accepted.
func TestParseIgnores(t *testing.T) {
	for _, b := range [][]byte{
		{0xff, 0x13, 0x8c, 0x00},
		{0xff, 0x13, 0xbf, 0x00, 1, 2, 3, 4, 5},
		append([]byte{0xff, 0x13, 0xbc}, make([]byte, 40)...),
		{0xff, 0x13, 0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
	} {
		if _, err := t30.Parse(b); err != nil {
			t.Errorf("Parse(% x): %v", b, err)
		}
	}
}

func TestParseDoesNotAlias(t *testing.T) {
	b := []byte{0xff, 0x03, 0x06, 0x01, 0xaa, 0xbb}
	f, err := t30.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	b[4] = 0
	if f.(*t30.FCDFrame).Data[0] != 0xaa {
		t.Error("FCD data aliases the input")
	}
}

func TestAppendFrameKeepsDst(t *testing.T) {
	dst := []byte{1, 2}
	got, err := t30.AppendFrame(dst, &t30.IdentFrame{Ident: string(make([]byte, 30))})
	if err == nil || !bytes.Equal(got, []byte{1, 2}) {
		t.Errorf("AppendFrame = % x, %v", got, err)
	}
	got, err = t30.AppendFrame(dst, &t30.SignalFrame{FrameHeader: hdr(t30.MCF, false, true)})
	if err != nil || !bytes.Equal(got, []byte{1, 2, 0xff, 0x13, 0x8c}) {
		t.Errorf("AppendFrame = % x, %v", got, err)
	}
}
