package t30_test

import (
	"fmt"

	"faxbox/t30"
)

// Parse a DIS as spandsp sends it and choose DCS parameters from it.
func ExampleParse() {
	b := []byte{0xff, 0x13, 0x80, 0x00, 0xee, 0xf8, 0xc4, 0x80, 0x91, 0x80, 0x80, 0x80, 0x18}
	f, err := t30.Parse(b)
	if err != nil {
		fmt.Println(err)
		return
	}
	dis, ok := f.(*t30.DISFrame)
	if !ok {
		fmt.Println("not a DIS:", f.Header().FCF)
		return
	}
	fmt.Println(dis.FCF, dis.Caps)
	fmt.Println("fastest:", dis.Caps.BitRates()[0])

	// The calling station answers with DCS, X bit set.
	dcs := &t30.DCSFrame{
		FrameHeader: t30.FrameHeader{FCF: t30.DCS, X: true, Final: true},
		Params: t30.Params{
			Receive:    true,
			Rate:       dis.Caps.BitRates()[0],
			Resolution: t30.ResFine,
			Coding:     t30.CodingMR,
			Width:      t30.WidthA4,
			Length:     t30.LengthA4,
			ScanTime:   dis.Caps.MinScanTime(t30.ResFine),
		},
	}
	out, _ := t30.Marshal(dcs)
	fmt.Printf("% x\n", out)
	// Output:
	// DIS V.27ter,V.29,V.17 standard,fine,superfine MR MMR ECM A4 unlimited 0ms
	// fastest: V.17 14400
	// ff 13 83 00 e2 70
}

// Identities are sent reversed and padded (T.30 Table 3).
func ExampleIdentFrame() {
	b, _ := t30.Marshal(&t30.IdentFrame{FrameHeader: t30.FrameHeader{FCF: t30.TSI, X: true}, Ident: "+49 30 1234"})
	fmt.Printf("%q\n", b[3:])
	f, _ := t30.Parse(b)
	fmt.Printf("%v %q\n", f.Header().FCF, f.(*t30.IdentFrame).Ident)
	// Output:
	// "4321 03 94+         "
	// TSI "+49 30 1234"
}

// MinLineBytes gives the padding a non-ECM encoder needs per line.
func ExampleMinLineBytes() {
	fmt.Println(t30.MinLineBits(t30.Scan10, t30.Rate14400V17), t30.MinLineBytes(t30.Scan10, t30.Rate14400V17))
	// Output: 144 18
}
