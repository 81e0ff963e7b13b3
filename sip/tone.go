package sip

import (
	"context"
	"math"
	"math/rand/v2"
	"net"
	"time"
)

// Tone is the fax calling or answering tone sent as audio until the call
// switches to T.38, so that a gateway on the far side detects a fax (T.38
// Annex D leaves the switch to whoever detects one).
type Tone uint8

// Fax tones (T.30 phase A).
const (
	ToneCNG Tone = iota // calling: 1100 Hz, 0.5 s on, 3 s off
	ToneCED             // answering: 2100 Hz for 3 s (2.6 to 4 s), then silence
)

const (
	sampleRate   = 8000
	frameSamples = 160 // 20 ms, a=ptime:20
	frameTime    = 20 * time.Millisecond
	toneAmp      = 0.25 * 32767 // about -14 dBm0
)

// cadence returns the tone frequency and its on and off times in samples
// (off 0: once, then silence).
func (t Tone) cadence() (freq float64, on, off int) {
	if t == ToneCED {
		return 2100, 3 * sampleRate, 0
	}
	return 1100, sampleRate / 2, 3 * sampleRate
}

// toneSource generates a tone's samples with its cadence.
type toneSource struct {
	freq    float64
	on, off int
	n       int // samples generated so far
}

func newToneSource(t Tone) *toneSource {
	f, on, off := t.cadence()
	return &toneSource{freq: f, on: on, off: off}
}

// fill writes the next len(buf) samples.
func (s *toneSource) fill(buf []int16) {
	for i := range buf {
		pos := s.n
		if s.off > 0 {
			pos %= s.on + s.off
		}
		v := 0.0
		if pos < s.on {
			v = toneAmp * math.Sin(2*math.Pi*s.freq*float64(s.n)/sampleRate)
		}
		buf[i] = int16(v)
		s.n++
	}
}

// sendTone sends t as G.711 RTP of payload type pt to dst every 20 ms until
// ctx ends. Write errors are ignored: the tone is a courtesy, and an ICMP
// error for one packet must not end the call.
func sendTone(ctx context.Context, conn net.PacketConn, dst net.Addr, pt int, t Tone) {
	src := newToneSource(t)
	p := &rtpPacketizer{pt: byte(pt), seq: uint16(rand.Uint32()), ts: rand.Uint32(), ssrc: rand.Uint32()}
	samples := make([]int16, frameSamples)
	payload := make([]byte, 0, frameSamples)
	tick := time.NewTicker(frameTime)
	defer tick.Stop()
	for {
		src.fill(samples)
		_, _ = conn.WriteTo(p.packet(g711Encode(payload[:0], samples, pt), frameSamples), dst)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
