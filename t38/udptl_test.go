package t38

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

func TestDatagramGolden(t *testing.T) {
	d := Datagram{Seq: 0x1234, Primary: []byte{0x04}, Secondary: [][]byte{{0x02}, {0x00}}}
	b, err := d.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	// seq, primary (length 1), redundancy choice, 2 secondaries.
	if want := unhex(t, "1234 01 04 00 02 0102 0100"); !bytes.Equal(b, want) {
		t.Errorf("% x, want % x", b, want)
	}
	d = Datagram{Seq: 7, Primary: []byte{0x06}, FEC: &FECInfo{Span: 3, Data: [][]byte{{0xaa, 0xbb}}}}
	if b, err = d.Append(nil); err != nil {
		t.Fatal(err)
	}
	if want := unhex(t, "0007 01 06 80 0103 01 02aabb"); !bytes.Equal(b, want) {
		t.Errorf("% x, want % x", b, want)
	}
	for _, bad := range []string{"", "00", "000001", "0000010480", "00000104000101", "0000010400 0102 ff"} {
		if _, err := ParseDatagram(unhex(t, bad)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: %v, want ErrMalformed", bad, err)
		}
	}
}

// stream sends n numbered IFP packets through an Encoder and returns the
// datagrams.
func stream(t *testing.T, e *Encoder, n, depth int) [][]byte {
	t.Helper()
	var out [][]byte
	for i := range n {
		b, err := e.Encode([]byte(fmt.Sprintf("ifp-%d", i)), depth)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// deliver feeds datagrams in the given order and returns the IFP
// packets delivered.
func deliver(t *testing.T, d *Decoder, dgs [][]byte, order []int) []string {
	t.Helper()
	var got []string
	for _, i := range order {
		rs, err := d.Decode(dgs[i])
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			got = append(got, string(r.IFP))
		}
	}
	return got
}

func want(ids ...int) []string {
	var s []string
	for _, i := range ids {
		s = append(s, fmt.Sprintf("ifp-%d", i))
	}
	return s
}

func TestRedundancyFillsGapsDropsDuplicates(t *testing.T) {
	dgs := stream(t, &Encoder{Mode: ECRedundancy}, 10, 2)
	d := &Decoder{}
	// 0 lost (recovered from 1), 2 and 3 lost (from 4), 5 duplicated,
	// 7 before 6 (6 recovered from 7, then a duplicate), 8 lost (from 9).
	got := deliver(t, d, dgs, []int{1, 4, 5, 5, 7, 6, 9})
	if fmt.Sprint(got) != fmt.Sprint(want(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)) {
		t.Errorf("delivered %v", got)
	}
	if d.Stats.Recovered != 5 || d.Stats.Duplicates != 2 || d.Stats.Late != 0 || d.Stats.Lost != 0 {
		t.Errorf("stats %+v", d.Stats)
	}
}

func TestRedundancyBeyondDepthIsLost(t *testing.T) {
	dgs := stream(t, &Encoder{Mode: ECRedundancy}, 6, 1)
	d := &Decoder{}
	got := deliver(t, d, dgs, []int{0, 4, 5, 1})
	if fmt.Sprint(got) != fmt.Sprint(want(0, 3, 4, 5)) || d.Stats.Lost != 2 || d.Stats.Late != 1 {
		t.Errorf("delivered %v, stats %+v", got, d.Stats)
	}
}

// TestLostBeforeMarksTheHole: packets lost for good are counted on the
// packet that follows them, recovered or not, so that a receiver knows
// where its data has a hole.
func TestLostBeforeMarksTheHole(t *testing.T) {
	dgs := stream(t, &Encoder{Mode: ECRedundancy}, 8, 1)
	d := &Decoder{}
	var got []string
	for _, i := range []int{0, 4, 5, 7} {
		rs, err := d.Decode(dgs[i])
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			got = append(got, fmt.Sprintf("%s/%d", r.IFP, r.LostBefore))
		}
	}
	// 1 and 2 lost, 3 recovered from 4; 6 recovered from 7.
	if w := "[ifp-0/0 ifp-3/2 ifp-4/0 ifp-5/0 ifp-6/0 ifp-7/0]"; fmt.Sprint(got) != w {
		t.Errorf("delivered %v, want %s", got, w)
	}
}

func TestSequenceWraps(t *testing.T) {
	e := &Encoder{Mode: ECRedundancy, seq: 65533}
	dgs := stream(t, e, 6, 3)
	d := &Decoder{}
	got := deliver(t, d, dgs, []int{0, 1, 4, 5, 3})
	if fmt.Sprint(got) != fmt.Sprint(want(0, 1, 2, 3, 4, 5)) {
		t.Errorf("delivered %v", got)
	}
	if d.Stats.Restarts != 0 || d.Stats.Duplicates != 1 {
		t.Errorf("stats %+v", d.Stats)
	}
}

func TestSequenceRestart(t *testing.T) {
	dgs := stream(t, &Encoder{}, 2, 0)
	later := stream(t, &Encoder{seq: 30000}, 1, 0)
	d := &Decoder{}
	got := deliver(t, d, append(dgs, later...), []int{0, 1, 2})
	if len(got) != 3 || d.Stats.Restarts != 1 {
		t.Errorf("delivered %v, stats %+v", got, d.Stats)
	}
}

func TestFECRepairsOneLossPerEntry(t *testing.T) {
	dgs := stream(t, &Encoder{Mode: ECFEC, FECSpan: 3, FECEntries: 3}, 20, 0)
	d := &Decoder{}
	var order []int
	for i := range 20 {
		if i != 10 && i != 14 {
			order = append(order, i)
		}
	}
	got := deliver(t, d, dgs, order)
	// Recovered packets keep the zero padding of the longest packet of
	// their parity group.
	for i := range got {
		got[i] = string(bytes.TrimRight([]byte(got[i]), "\x00"))
	}
	if fmt.Sprint(got) != fmt.Sprint(want(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19)) {
		t.Errorf("delivered %v, stats %+v", got, d.Stats)
	}
	if d.Stats.Recovered != 2 {
		t.Errorf("stats %+v", d.Stats)
	}
}

func TestMaxDatagramDropsRedundancy(t *testing.T) {
	e := &Encoder{Mode: ECRedundancy, MaxDatagram: 40}
	big := bytes.Repeat([]byte{1}, 15)
	for range 3 {
		b, err := e.Encode(big, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 40 {
			t.Fatalf("datagram of %d octets", len(b))
		}
	}
}

func FuzzUDPTL(f *testing.F) {
	e := &Encoder{Mode: ECRedundancy}
	for i := range 4 {
		b, _ := e.Encode([]byte{byte(i), 1, 2}, 3)
		f.Add(b)
	}
	fe := &Encoder{Mode: ECFEC}
	for i := range 8 {
		b, _ := fe.Encode([]byte{byte(i), 1}, 0)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d := &Decoder{}
		_, _ = d.Decode(b)
		_, _ = d.Decode(b)
		dg, err := ParseDatagram(b)
		if err != nil {
			return
		}
		again, err := dg.Append(nil)
		if err != nil {
			t.Fatalf("% x parsed but does not encode: %v", b, err)
		}
		if _, err := ParseDatagram(again); err != nil {
			t.Fatalf("re-encoded % x does not parse: %v", again, err)
		}
	})
}
