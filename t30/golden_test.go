package t30_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"os"
	"reflect"
	"strings"
	"testing"

	"faxbox/t30"
)

// goldenFrame is one frame of testdata/spandsp-frames.txt.
type goldenFrame struct {
	label string
	b     []byte
}

// readGolden reads the frames spandsp 0.0.6 sent in the captured calls.
func readGolden(tb testing.TB) []goldenFrame {
	tb.Helper()
	file, err := os.Open("testdata/spandsp-frames.txt")
	if err != nil {
		tb.Fatal(err)
	}
	defer file.Close()
	var out []goldenFrame
	sc := bufio.NewScanner(file)
	sc.Buffer(nil, 1<<16)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		label, rest, _ := strings.Cut(line, " ")
		b, err := hex.DecodeString(strings.ReplaceAll(rest, " ", ""))
		if err != nil {
			tb.Fatalf("%s: %v", label, err)
		}
		out = append(out, goldenFrame{label, b})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// TestGoldenSpandsp parses every frame spandsp sent and marshals it back
// to the same octets: spandsp's DCS is already minimal, and its DIS ends
// with bits 76 and 77 (Letter, Legal), so no octet of it is trailing.
func TestGoldenSpandsp(t *testing.T) {
	frames := readGolden(t)
	if len(frames) < 40 {
		t.Fatalf("read %d golden frames", len(frames))
	}
	for _, g := range frames {
		f, err := t30.Parse(g.b)
		if err != nil {
			t.Errorf("%s: Parse: %v", g.label, err)
			continue
		}
		if _, ok := f.(*t30.UnknownFrame); ok {
			t.Errorf("%s: parsed as UnknownFrame (%v)", g.label, f.Header().FCF)
		}
		// The calling station, and only it, sets X (T.30 5.3.6.1).
		h := f.Header()
		if h.FCF.HasX() && h.X != strings.HasPrefix(g.label, "caller") {
			t.Errorf("%s: %v X = %v", g.label, h.FCF, h.X)
		}
		got, err := t30.Marshal(f)
		if err != nil {
			t.Errorf("%s: Marshal: %v", g.label, err)
			continue
		}
		if !bytes.Equal(got, g.b) {
			t.Errorf("%s: Marshal\n got % x\nwant % x", g.label, got, g.b)
		}
	}
}

func golden(t *testing.T, label string) t30.Frame {
	t.Helper()
	for _, g := range readGolden(t) {
		if g.label == label {
			f, err := t30.Parse(g.b)
			if err != nil {
				t.Fatalf("%s: %v", label, err)
			}
			return f
		}
	}
	t.Fatalf("no golden frame %s", label)
	return nil
}

func TestGoldenSpandspFields(t *testing.T) {
	dis := golden(t, "answer-ecm-2").(*t30.DISFrame)
	wantCaps := t30.Capabilities{
		ReadyToReceive:  true,
		Modems:          t30.ModemsV27terV29V17,
		Resolutions:     t30.ResolutionSet(0).With(t30.ResStandard).With(t30.ResFine).With(t30.ResSuperfine),
		MR:              true,
		MaxWidth:        t30.WidthA4,
		MaxLength:       t30.LengthUnlimited,
		ScanTime:        t30.ScanCap0,
		ECM:             true,
		MMR:             true,
		MetricPreferred: true,
		Letter:          true,
		Legal:           true,
	}
	if dis.FCF != t30.DIS || !dis.Final || dis.Caps != wantCaps {
		t.Errorf("DIS = %+v\nwant caps %+v", dis, wantCaps)
	}

	tests := []struct {
		label string
		want  t30.Params
	}{
		{"caller-4", t30.Params{Receive: true, Rate: t30.Rate14400V17, Resolution: t30.ResFine, Coding: t30.CodingMR, Length: t30.LengthUnlimited, ScanTime: t30.Scan0}},
		{"caller-ecm-4", t30.Params{Receive: true, Rate: t30.Rate14400V17, Resolution: t30.ResFine, Coding: t30.CodingMMR, Length: t30.LengthUnlimited, ScanTime: t30.Scan0, ECM: true}},
		{"caller-v27-20ms-std-2", t30.Params{Receive: true, Rate: t30.Rate4800V27ter, Coding: t30.CodingMR, Length: t30.LengthUnlimited, ScanTime: t30.Scan20}},
		{"caller-v29v27-10ms-fine-2", t30.Params{Receive: true, Rate: t30.Rate9600V29, Resolution: t30.ResFine, Coding: t30.CodingMR, Length: t30.LengthUnlimited, ScanTime: t30.Scan10}},
		{"caller-v29-40ms-std-2", t30.Params{Receive: true, Rate: t30.Rate9600V29, Coding: t30.CodingMR, Length: t30.LengthUnlimited, ScanTime: t30.Scan40}},
		{"caller-v17-5ms-fine-2", t30.Params{Receive: true, Rate: t30.Rate14400V17, Resolution: t30.ResFine, Coding: t30.CodingMR, Length: t30.LengthUnlimited, ScanTime: t30.Scan5}},
	}
	for _, tt := range tests {
		dcs := golden(t, tt.label).(*t30.DCSFrame)
		if dcs.FCF != t30.DCS || !dcs.X || dcs.Params != tt.want {
			t.Errorf("%s: DCS = %+v\nwant params %+v", tt.label, dcs, tt.want)
		}
	}

	disTests := []struct {
		label  string
		modems t30.Modems
		scan   t30.ScanTimeCap
	}{
		{"answer-v27-20ms-std-1", t30.ModemsV27ter, t30.ScanCap20},
		{"answer-v29v27-10ms-fine-1", t30.ModemsV27terV29, t30.ScanCap10},
		{"answer-v29-40ms-std-1", t30.ModemsV29, t30.ScanCap40},
		{"answer-v17-5ms-fine-1", t30.ModemsV27terV29V17, t30.ScanCap5},
	}
	for _, tt := range disTests {
		c := golden(t, tt.label).(*t30.DISFrame).Caps
		if c.Modems != tt.modems || c.ScanTime != tt.scan || c.ECM {
			t.Errorf("%s: modems %v scan %v ECM %v; want %v %v false", tt.label, c.Modems, c.ScanTime, c.ECM, tt.modems, tt.scan)
		}
	}

	idents := map[string]string{"answer-1": "FAXBOX 42", "caller-3": "+1 555 0100"}
	for label, want := range idents {
		f := golden(t, label).(*t30.IdentFrame)
		if f.Ident != want {
			t.Errorf("%s: ident %q, want %q", label, f.Ident, want)
		}
	}
	if f := golden(t, "caller-3").(*t30.IdentFrame); f.FCF != t30.TSI || !f.X || f.Final {
		t.Errorf("TSI header %+v", f.FrameHeader)
	}

	pps := golden(t, "caller-ecm-12").(*t30.PPSFrame)
	wantPPS := t30.PPSFrame{FrameHeader: t30.FrameHeader{FCF: t30.PPS, X: true, Final: true}, Post: t30.EOP, FrameCount: 2}
	if !reflect.DeepEqual(*pps, wantPPS) || pps.Frames() != 3 {
		t.Errorf("PPS = %+v, want %+v", pps, wantPPS)
	}
	fcd := golden(t, "caller-ecm-7").(*t30.FCDFrame)
	if fcd.Number != 1 || len(fcd.Data) != 256 || fcd.Final {
		t.Errorf("FCD number %d, %d octets, final %v", fcd.Number, len(fcd.Data), fcd.Final)
	}
	if rcp := golden(t, "caller-ecm-9").(*t30.SignalFrame); rcp.FCF != t30.RCP || rcp.Final {
		t.Errorf("RCP = %+v", rcp)
	}
}
