package t30

import (
	"testing"

	"faxbox/modem"
)

func TestLadder(t *testing.T) {
	all := []modem.Modulation{24, 48, 72, 73, 74, 96, 97, 98, 121, 122, 145, 146}
	v29 := []modem.Modulation{24, 48, 72, 96}
	s := newRateSet(all, all)
	var got []int
	for m := s.first(0); m != 0; m = s.below(m) {
		got = append(got, m.Rate())
	}
	want := []int{14400, 12000, 9600, 7200, 4800, 2400}
	if len(got) != len(want) {
		t.Fatalf("ladder %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("ladder %v, want %v", got, want)
		}
	}
	if m := s.below(modem.V17At12000); m != modem.V29At9600 {
		t.Fatalf("after V.17 12000 comes %v, want V.29 9600", m)
	}
	if m := newRateSet(all, v29).first(0); m != modem.V29At9600 {
		t.Fatalf("V.29-only receiver starts at %v", m)
	}
	if m := s.first(9600); m != modem.V29At9600 {
		t.Fatalf("max 9600 starts at %v", m)
	}
	// A V.17 modem facing a receiver without V.29 keeps V.17 9600.
	v17only := []modem.Modulation{24, 48, 73, 97, 121, 145}
	if m := newRateSet(all, v17only).below(modem.V17At12000); m != modem.V17At9600 {
		t.Fatalf("without V.29, after 12000 comes %v", m)
	}
	if shortTrain(modem.V17At14400) != modem.V17At14400S || longTrain(modem.V17At9600S) != modem.V17At9600 || shortTrain(modem.V29At9600) != modem.V29At9600 {
		t.Fatal("training code mapping")
	}
}

func TestTCF(t *testing.T) {
	m := modem.V29At9600
	n := tcfBytes(m)
	if n != 1800 {
		t.Fatalf("TCF at 9600 is %d bytes, want 1800", n)
	}
	data := make([]byte, n)
	if !tcfOK(data, m) {
		t.Fatal("clean TCF rejected")
	}
	// A few octets of carrier noise at both ends are fine (spandsp shows
	// about 2 %).
	for i := 0; i < 20; i++ {
		data[i], data[n-1-i] = 0x5a, 0xa5
	}
	if !tcfOK(data, m) {
		t.Fatal("TCF with noise at the ends rejected")
	}
	// Errors spread through it break every one-second run.
	bad := make([]byte, n)
	for i := 0; i < n; i += 300 {
		bad[i] = 1
	}
	if tcfOK(bad, m) {
		t.Fatal("TCF with errors throughout accepted")
	}
	if tcfOK(make([]byte, n/2), m) {
		t.Fatal("a TCF of 0.75 s accepted")
	}
}
