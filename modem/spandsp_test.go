//go:build spandsp

package modem_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"faxbox/modem"
	"faxbox/modem/spandsp"
)

// These tests run the driver against spandsp's T.31 software modem
// (modem/spandsp): each modem's DTE side is a pseudo-terminal that the
// driver opens with modem.Open through go.bug.st/serial, exactly as it
// opens hardware, and two modems are joined by an audio line paced in real
// time, so every test here takes as long as the call would on a telephone
// line.

// ssRates are the modulations spandsp's modem offers, in the order the
// tests use them: a V.17 short-training code only after the long-training
// code of the same rate, since spandsp's receiver restores the long
// training's equaliser for a short train.
var ssRates = []modem.Modulation{
	modem.V27ter2400, modem.V27ter4800,
	modem.V29At7200, modem.V29At9600,
	modem.V17At14400, modem.V17At14400S,
	modem.V17At12000, modem.V17At12000S,
	modem.V17At9600, modem.V17At9600S,
	modem.V17At7200, modem.V17At7200S,
}

// ssPair is two drivers on spandsp modems joined by a line.
type ssPair struct {
	line       *spandsp.Line
	a, b       *modem.Modem
	logA, logB *syncBuffer
}

// ssOpen starts a spandsp modem pair and opens a driver on each pty.
func ssOpen(t *testing.T, opts spandsp.Options) *ssPair {
	t.Helper()
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	l, err := spandsp.NewModemPair(opts)
	if err != nil {
		t.Fatal(err)
	}
	p := &ssPair{line: l, logA: &syncBuffer{}, logB: &syncBuffer{}}
	open := func(i int, log *syncBuffer) *modem.Modem {
		m, err := modem.Open(modem.PortConfig{Device: l.SlavePath(i), Baud: 115200, Flow: modem.FlowRTSCTS},
			modem.Config{WireLog: modem.NewWireLog(log)})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	p.a = open(0, p.logA)
	p.b = open(1, p.logB)
	t.Cleanup(func() {
		p.a.Close()
		p.b.Close()
		l.Close()
		if t.Failed() {
			t.Logf("wire log A (caller):\n%s", p.logA)
			t.Logf("wire log B (answerer):\n%s", p.logB)
		}
	})
	return p
}

// ssFrames are T.30-like frames (without FCS) with DLE octets in them.
var (
	ssCSI = []byte{0xff, 0x03, 0x40, ' ', '0', '0', '1', '0', 0x10, '5', '5', '5', ' ', '1', '+'}
	ssDIS = []byte{0xff, 0x13, 0x80, 0x00, 0xce, 0xf4, 0x10}
	ssTSI = []byte{0xff, 0x03, 0x43, '9', '9', '1', '0', ' ', '5', '5', '5', ' ', '1', '+'}
	ssDCS = []byte{0xff, 0x13, 0x83, 0x00, 0xc6, 0x10}
	ssCFR = []byte{0xff, 0x13, 0x84}
	ssDCN = []byte{0xff, 0x13, 0xfb}
)

// ssData is deterministic image-like data of n bytes, DLEs included.
func ssData(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// ssBoth runs the caller's and the answerer's parts of a call at the same
// time, as two fax machines do, and fails the test if either fails.
func ssBoth(t *testing.T, caller, answerer func() error) {
	t.Helper()
	errs := make(chan error, 1)
	go func() { errs <- answerer() }()
	errA := caller()
	errB := <-errs
	if errA != nil {
		t.Errorf("caller: %v", errA)
	}
	if errB != nil {
		t.Errorf("answerer: %v", errB)
	}
	if t.Failed() {
		t.FailNow()
	}
}

// ssWantFrame receives a frame and checks it is want.
func ssWantFrame(ctx context.Context, m *modem.Modem, want []byte) error {
	got, err := m.ReceiveFrame(ctx, nil)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("frame % x, want % x", got, want)
	}
	return nil
}

// connect resets both modems, dials B from A, answers on B and exchanges
// CSI/DIS (B to A) and TSI/DCS (A to B), checking every frame.
func (p *ssPair) connect(t *testing.T, ctx context.Context) {
	t.Helper()
	a, b := p.a, p.b
	ssBoth(t, func() error {
		if err := a.Reset(ctx); err != nil {
			return err
		}
		if err := a.Dial(ctx, "555-0100"); err != nil {
			return err
		}
		for _, f := range [][]byte{ssCSI, ssDIS} {
			if err := ssWantFrame(ctx, a, f); err != nil {
				return err
			}
		}
		if err := a.SendFrame(ctx, ssTSI, false); err != nil {
			return err
		}
		return a.SendFrame(ctx, ssDCS, true)
	}, func() error {
		if err := b.Reset(ctx); err != nil {
			return err
		}
		ring, err := b.WaitRing(ctx)
		if err != nil {
			return err
		}
		if ring.Count != 1 {
			return fmt.Errorf("first ring counted %d", ring.Count)
		}
		if err := b.Answer(ctx); err != nil {
			return err
		}
		if err := b.SendFrame(ctx, ssCSI, false); err != nil {
			return err
		}
		if err := b.SendFrame(ctx, ssDIS, true); err != nil {
			return err
		}
		for _, f := range [][]byte{ssTSI, ssDCS} {
			if err := ssWantFrame(ctx, b, f); err != nil {
				return err
			}
		}
		return nil
	})
}

// ssTrain sends a DCS and then data with mod from src to dst, as T.30
// phase B does before TCF, and returns what dst received and the errors of
// both sides. The V.21 frame between two data transmissions also makes
// spandsp's receiver restart: spandsp 0.0.6 keeps the receiver of the
// previous AT+FRM, rate and all, when the next AT+FRM asks for the same
// family (V.27ter 2400, then 4800).
func ssTrain(ctx context.Context, src, dst *modem.Modem, mod modem.Modulation, data []byte) (rx []byte, txErr, rxErr error) {
	var buf bytes.Buffer
	ready := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		rxErr = ssWantFrame(ctx, dst, ssDCS)
		close(ready)
		if rxErr == nil {
			_, rxErr = dst.ReceiveData(ctx, mod, &buf)
		}
	}()
	txErr = src.SendFrame(ctx, ssDCS, true)
	if txErr == nil {
		// Wait until dst has its AT+FRM in hand, then T.30 5.3.2.4's
		// 75 ms of silence between V.21 and high-speed signals.
		<-ready
		txErr = src.Silence(ctx, 75*time.Millisecond)
	}
	if txErr == nil {
		_, txErr = src.SendData(ctx, mod, bytes.NewReader(data))
	}
	<-done
	return buf.Bytes(), txErr, rxErr
}

// ssBytes is how much data to send at mod: about half a second of it.
func ssBytes(mod modem.Modulation) int { return mod.Rate() / 16 }

func TestSpandspProbe(t *testing.T) {
	t.Parallel()
	p := ssOpen(t, spandsp.Options{})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	info, err := p.a.Probe(ctx)
	must(t, err)
	t.Logf("probe: %+v", info)
	if !slices.Contains(info.Classes, "1") {
		t.Errorf("classes %q lack 1", info.Classes)
	}
	if want := []int{2400, 4800, 7200, 9600, 12000, 14400}; !slices.Equal(info.Rates, want) {
		t.Errorf("rates %v, want %v", info.Rates, want)
	}
	for _, m := range ssRates {
		if !slices.Contains(info.Transmit, m) || !slices.Contains(info.Receive, m) {
			t.Errorf("%v not offered both ways: %v / %v", m, info.Transmit, info.Receive)
		}
	}
	if !slices.Equal(info.HDLCTransmit, []modem.Modulation{modem.V21}) || !slices.Equal(info.HDLCReceive, []modem.Modulation{modem.V21}) {
		t.Errorf("HDLC %v / %v", info.HDLCTransmit, info.HDLCReceive)
	}
}

// TestSpandspCall dials from one spandsp modem to another, exchanges V.21
// frames both ways and image data at every rate the modem offers, on a
// clean and a noisy line.
//
// On the noisy line spandsp 0.0.6's V.17 receiver often fails a short
// training ("Short training failed (convergence failed)", with an error
// three orders of magnitude above a good one) although the long training
// at the same rate just before succeeded: the driver must then report
// ErrTimeout for the data that never came and leave the modem usable,
// which is checked instead. On the clean line every rate must work.
func TestSpandspCall(t *testing.T) {
	for _, tc := range []struct {
		name string
		snr  float64
	}{{"clean", 0}, {"snr38", 38}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			p := ssOpen(t, spandsp.Options{SNR: tc.snr, Seed: 11})
			ctx, cancel := context.WithTimeout(t.Context(), 80*time.Second)
			defer cancel()
			p.connect(t, ctx)
			t.Logf("connected after %v", time.Since(start).Round(time.Millisecond))
			for i, mod := range ssRates {
				data := ssData(ssBytes(mod), uint64(i))
				t0 := time.Now()
				// DCS, training and data take 4 s at most.
				xctx, cancel := context.WithTimeout(ctx, 7*time.Second)
				got, txErr, rxErr := ssTrain(xctx, p.a, p.b, mod, data)
				cancel()
				if tc.snr > 0 && mod.ShortTraining() && errors.Is(rxErr, modem.ErrTimeout) && txErr == nil {
					t.Logf("%v: spandsp's receiver did not train on the noisy line: %v", mod, rxErr)
					continue
				}
				if txErr != nil || rxErr != nil {
					t.Fatalf("%v: sender: %v; receiver: %v", mod, txErr, rxErr)
				}
				// spandsp passes on a few dozen bytes that its demodulator
				// makes of the carrier's end.
				t.Logf("%v: %d bytes sent, %d received in %v", mod, len(data), len(got), time.Since(t0).Round(time.Millisecond))
				if !bytes.HasPrefix(got, data) || len(got) > len(data)+128 {
					t.Errorf("%v: %d bytes sent, %d received; sent data at offset %d", mod, len(data), len(got), bytes.Index(got, data))
				}
			}
			// The answerer confirms and the caller ends the call.
			ssBoth(t, func() error {
				if err := ssWantFrame(ctx, p.a, ssCFR); err != nil {
					return err
				}
				if err := p.a.SendFrame(ctx, ssDCN, true); err != nil {
					return err
				}
				return p.a.HangUp(ctx)
			}, func() error {
				if err := p.b.SendFrame(ctx, ssCFR, true); err != nil {
					return err
				}
				if err := ssWantFrame(ctx, p.b, ssDCN); err != nil {
					return err
				}
				return p.b.HangUp(ctx)
			})
			t.Logf("call took %v", time.Since(start).Round(time.Millisecond))
		})
	}
}

// cutWriter collects received data and cuts the line once it holds n bytes.
type cutWriter struct {
	bytes.Buffer
	n   int
	cut func()
}

func (w *cutWriter) Write(p []byte) (int, error) {
	n, err := w.Buffer.Write(p)
	if w.cut != nil && w.Len() >= w.n {
		w.cut()
		w.cut = nil
	}
	return n, err
}

// TestSpandspCut cuts the line in the middle of a page: the call drops,
// both drivers report it as a lost carrier (ErrNoCarrier), and the data
// received before the cut is intact.
func TestSpandspCut(t *testing.T) {
	t.Parallel()
	p := ssOpen(t, spandsp.Options{})
	ctx, cancel := context.WithTimeout(t.Context(), 40*time.Second)
	defer cancel()
	p.connect(t, ctx)
	mod := modem.V29At9600
	data := ssData(4800, 99) // 4 s at 9600 bit/s
	rx := &cutWriter{n: 1200, cut: func() { p.line.Cut(true) }}
	var txErr, rxErr, frameErr error
	ssBoth(t, func() error {
		if err := p.a.Silence(ctx, 75*time.Millisecond); err != nil {
			return err
		}
		_, txErr = p.a.SendData(ctx, mod, bytes.NewReader(data))
		return nil
	}, func() error {
		_, rxErr = p.b.ReceiveData(ctx, mod, rx)
		// The page is over for the receiver: it waits for the post-page
		// command, on a line that is gone.
		_, frameErr = p.b.ReceiveFrame(ctx, nil)
		return nil
	})
	t.Logf("sender: %v; receiver: %d bytes, %v; then %v", txErr, rx.Len(), rxErr, frameErr)
	// The sender's modem reports the dropped call.
	if !errors.Is(txErr, modem.ErrNoCarrier) {
		t.Errorf("SendData = %v, want ErrNoCarrier", txErr)
	}
	// A carrier lost early ends the data as a carrier that ends does: the
	// receiver sees it by the length (and, in a page, by the missing RTC).
	if rxErr != nil {
		t.Errorf("ReceiveData = %v", rxErr)
	}
	got := rx.Bytes()
	n := 0
	for n < len(got) && n < len(data) && got[n] == data[n] {
		n++
	}
	if n < rx.n || n == len(data) {
		t.Errorf("%d bytes intact of %d received (cut after %d of %d)", n, len(got), rx.n, len(data))
	}
	t.Logf("%d bytes intact, %d after them", n, len(got)-n)
	// spandsp's modem went on hook with the call and refuses AT+FRH=3
	// with ERROR; the simulator's says NO CARRIER. Either is a
	// ResultError the T.30 engine ends the call on.
	var re *modem.ResultError
	if !errors.As(frameErr, &re) || !errors.Is(frameErr, modem.ErrError) && !errors.Is(frameErr, modem.ErrNoCarrier) {
		t.Errorf("ReceiveFrame after the cut = %v, want ERROR or NO CARRIER", frameErr)
	}
}
