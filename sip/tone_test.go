package sip

import (
	"context"
	"encoding/binary"
	"math"
	"net"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func TestG711RoundTrip(t *testing.T) {
	for _, c := range []struct {
		name string
		enc  func(int16) byte
		dec  func(byte) int16
	}{{"ulaw", ulawEncode, ulawDecode}, {"alaw", alawEncode, alawDecode}} {
		for x := -32768; x <= 32767; x += 7 {
			got := int(c.dec(c.enc(int16(x))))
			// G.711 keeps 4 mantissa bits: the error is under 1/16 of the
			// magnitude, plus the smallest step near zero.
			if tol := abs(x)/16 + 16; abs(got-x) > tol {
				t.Fatalf("%s: %d -> %d, error over %d", c.name, x, got, tol)
			}
		}
	}
	// Known codes: silence is 0xFF in mu-law and 0xD5 in A-law.
	if ulawEncode(0) != 0xff || alawEncode(0) != 0xd5 {
		t.Errorf("silence codes = %#x, %#x", ulawEncode(0), alawEncode(0))
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// recordConn is a net.PacketConn that keeps what is written to it.
type recordConn struct {
	net.PacketConn
	mu   sync.Mutex
	pkts [][]byte
}

func (c *recordConn) WriteTo(b []byte, _ net.Addr) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pkts = append(c.pkts, append([]byte(nil), b...))
	return len(b), nil
}

// goertzel returns the power of freq in samples (8 kHz).
func goertzel(samples []int16, freq float64) float64 {
	k := 2 * math.Cos(2*math.Pi*freq/sampleRate)
	var s1, s2 float64
	for _, x := range samples {
		s1, s2 = float64(x)+k*s1-s2, s1
	}
	return s1*s1 + s2*s2 - k*s1*s2
}

// recordTone runs sendTone for d of fake time and returns its packets.
func recordTone(t *testing.T, tone Tone, pt int, d time.Duration) [][]byte {
	t.Helper()
	var conn recordConn
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { sendTone(ctx, &conn, &net.UDPAddr{}, pt, tone); close(done) }()
		time.Sleep(d - time.Millisecond)
		cancel()
		<-done
	})
	return conn.pkts
}

func TestCNGCadence(t *testing.T) {
	pkts := recordTone(t, ToneCNG, PayloadPCMU, 7*time.Second)
	if len(pkts) != 350 {
		t.Fatalf("%d packets in 7 s, want 350 (one per 20 ms)", len(pkts))
	}
	var on []bool
	for i, p := range pkts {
		if p[0] != 0x80 || int(p[1]&0x7f) != PayloadPCMU || (p[1]&0x80 != 0) != (i == 0) {
			t.Fatalf("packet %d header % x", i, p[:2])
		}
		if i > 0 {
			if d := binary.BigEndian.Uint16(p[2:]) - binary.BigEndian.Uint16(pkts[i-1][2:]); d != 1 {
				t.Fatalf("packet %d: sequence step %d", i, d)
			}
			if d := binary.BigEndian.Uint32(p[4:]) - binary.BigEndian.Uint32(pkts[i-1][4:]); d != frameSamples {
				t.Fatalf("packet %d: timestamp step %d", i, d)
			}
		}
		samples := make([]int16, 0, frameSamples)
		for _, c := range p[rtpHeaderLen:] {
			samples = append(samples, ulawDecode(c))
		}
		cng, ced := goertzel(samples, 1100), goertzel(samples, 2100)
		isOn := cng > 1e9
		if isOn && cng < 100*ced {
			t.Fatalf("packet %d: 1100 Hz power %.3g not dominant over 2100 Hz %.3g", i, cng, ced)
		}
		on = append(on, isOn)
	}
	// 0.5 s on (25 packets), 3 s off (150 packets), twice.
	for i, v := range on {
		if want := i%175 < 25; v != want {
			t.Fatalf("packet %d (%.2f s): tone on = %v, want %v", i, float64(i)*0.02, v, want)
		}
	}
}

func TestCEDIsOnceAt2100(t *testing.T) {
	pkts := recordTone(t, ToneCED, PayloadPCMA, 4*time.Second)
	for i, p := range pkts {
		samples := make([]int16, 0, frameSamples)
		for _, c := range p[rtpHeaderLen:] {
			samples = append(samples, alawDecode(c))
		}
		ced, cng := goertzel(samples, 2100), goertzel(samples, 1100)
		want := i < 150 // 3 s
		if got := ced > 1e9 && ced > 100*cng; got != want {
			t.Fatalf("packet %d: 2100 Hz on = %v, want %v (power %.3g)", i, got, want, ced)
		}
	}
}
