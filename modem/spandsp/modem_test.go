//go:build spandsp

package spandsp

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// T.30 frame octets as spandsp and class 1 modems carry them: address 0xff,
// control 0x03 or 0x13 (final), then the FCF.
const (
	ctlMore  = 0x03
	ctlFinal = 0x13
	fcfDIS   = 0x80
	fcfCSI   = 0x40
	fcfCFR   = 0x84
	fcfMCF   = 0x8c
	fcfDCN   = 0xfa
	fcfTSI   = 0x42
	fcfDCS   = 0x82
	fcfXBit  = 0x01 // set in frames from the calling station's commands
)

var testRates = []int{96, 145}

func hdlc(final bool, fcf byte, fif ...byte) []byte {
	ctl := byte(ctlMore)
	if final {
		ctl = ctlFinal
	}
	return append([]byte{0xff, ctl, fcf}, fif...)
}

// ident is a CSI/TSI information field: the 20 characters, padded with
// spaces at the front, sent last character first.
func ident(s string) []byte {
	b := []byte(fmt.Sprintf("%20s", s))
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return b
}

// disMinimal is a 3-octet DIS: receiver, V.27ter+V.29+V.17, standard
// resolution, MH only, 215 mm, A4, 0 ms scan line time.
var disMinimal = []byte{0x00, 0x2e, 0x70}

func TestCommands(t *testing.T) {
	t.Parallel()
	l, err := NewModemPair(Options{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	d := openDTE(t, "a", l.SlavePath(0))
	run(t, func() {
		d.cmd("ATZ", "OK")
		d.cmd("ATE0", "OK")
		d.cmd("AT+FCLASS=1", "OK")
		got := d.cmd("AT+FTM=?", "OK")
		if len(got) != 1 || !strings.Contains(got[0], ",96,") || !strings.Contains(got[0], ",146") {
			t.Errorf("AT+FTM=? = %q, want V.29 96 and V.17 146", got)
		}
		got = d.cmd("AT+FRM=?", "OK")
		if len(got) != 1 || !strings.Contains(got[0], ",96,") || !strings.Contains(got[0], ",146") {
			t.Errorf("AT+FRM=? = %q", got)
		}
		if got := d.cmd("AT+FTH=?", "OK"); len(got) != 1 || got[0] != "3" {
			t.Errorf("AT+FTH=? = %q", got)
		}
		d.cmd("AT+FCLASS?", "OK")
		d.cmd("ATH", "OK")
	})
}

// pattern is deterministic image-like data, with DLE octets, for n bytes.
func pattern(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// TestModemPair runs a T.30-like exchange between two DTEs through two
// spandsp modems: call set-up, V.21 frames both ways, and high-speed data at
// V.29 9600 and V.17 14400.
func TestModemPair(t *testing.T) {
	for _, tc := range []struct {
		name string
		snr  float64
	}{{"clean", 0}, {"snr40", 40}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			testModemPair(t, Options{SNR: tc.snr, Seed: 7, Logf: t.Logf})
		})
	}
}

func testModemPair(t *testing.T, opts Options) {
	start := time.Now()
	l, err := NewModemPair(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	a := openDTE(t, "caller", l.SlavePath(0))
	b := openDTE(t, "answerer", l.SlavePath(1))

	csi := hdlc(false, fcfCSI, ident("+1 555 0100")...)
	dis := hdlc(true, fcfDIS, disMinimal...)
	tsi := hdlc(false, fcfTSI|fcfXBit, ident("+1 555 0199")...)
	dcs := hdlc(true, fcfDCS|fcfXBit, 0x00, 0x22, 0x00)
	cfr := hdlc(true, fcfCFR)
	dcn := hdlc(true, fcfDCN|fcfXBit)
	rates := testRates
	ready := make(chan int)
	sent := map[int][]byte{}
	for _, r := range rates {
		// About one second of data at 9600, two at 14400 (more than the
		// modem buffers, so that it applies flow control).
		n := 9600 / 8
		if r == 145 {
			n = 2 * 14400 / 8
		}
		sent[r] = pattern(n, uint64(r))
	}

	run(t, func() {
		a.init()
		a.send("ATD5550100")
		a.expect("CONNECT", 30*time.Second)
		for _, want := range [][]byte{csi, dis} {
			if got := a.recvFrame(10 * time.Second); !bytes.Equal(got, want) {
				a.fatalf("caller received % x, want % x", got, want)
			}
			if want[1] != ctlFinal {
				a.cmd("AT+FRH=3", "CONNECT")
			}
		}
		a.cmd("AT+FTH=3", "CONNECT")
		a.sendFrame(tsi, "CONNECT")
		a.sendFrame(dcs, "OK")
		for _, r := range rates {
			<-ready // the answerer waits in AT+FRM
			a.cmd("AT+FTS=8", "OK")
			a.cmd(fmt.Sprintf("AT+FTM=%d", r), "CONNECT")
			data := append(make([]byte, 200), sent[r]...)
			data = append(data, make([]byte, 50)...)
			a.sendData(data)
			a.expect("OK", 20*time.Second)
			a.cmd("AT+FRH=3", "CONNECT")
			if got := a.recvFrame(10 * time.Second); !bytes.Equal(got, cfr) {
				a.fatalf("caller received % x, want CFR", got)
			}
		}
		a.cmd("AT+FTH=3", "CONNECT")
		a.sendFrame(dcn, "OK")
		a.cmd("ATH", "OK")
	}, func() {
		b.init()
		b.expect("RING", 10*time.Second)
		b.send("ATA")
		b.expect("CONNECT", 15*time.Second)
		b.sendFrame(csi, "CONNECT")
		b.sendFrame(dis, "OK")
		for _, want := range [][]byte{tsi, dcs} {
			b.cmd("AT+FRH=3", "CONNECT")
			if got := b.recvFrame(10 * time.Second); !bytes.Equal(got, want) {
				b.fatalf("answerer received % x, want % x", got, want)
			}
		}
		for _, r := range rates {
			b.send(fmt.Sprintf("AT+FRM=%d", r))
			ready <- r
			b.expect("CONNECT", 10*time.Second)
			got := b.data(20 * time.Second)
			b.expect("NO CARRIER", 5*time.Second)
			i := bytes.Index(got, sent[r])
			t.Logf("+FRM=%d: %d bytes received, pattern of %d at offset %d", r, len(got), len(sent[r]), i)
			if i < 0 {
				b.fatalf("+FRM=%d: pattern not received intact", r)
			}
			b.cmd("AT+FTH=3", "CONNECT")
			b.sendFrame(cfr, "OK")
		}
		b.cmd("AT+FRH=3", "CONNECT")
		if got := b.recvFrame(10 * time.Second); !bytes.Equal(got, dcn) {
			b.fatalf("answerer received % x, want DCN", got)
		}
		b.cmd("ATH", "OK")
	})
	t.Logf("call took %v", time.Since(start).Round(time.Millisecond))
}
