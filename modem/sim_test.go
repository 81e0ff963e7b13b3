package modem_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"faxbox/modem"
	"faxbox/modem/sim"
)

// rig is two drivers on a simulated line, inside a synctest bubble.
type rig struct {
	t          *testing.T
	line       *sim.Line
	a, b       *modem.Modem
	logA, logB *syncBuffer
}

// syncBuffer is a bytes.Buffer safe for the wire log's concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newRig(t *testing.T, lc sim.LineConfig, ca, cb sim.Config, cfg modem.Config) *rig {
	t.Helper()
	r := &rig{t: t, line: sim.NewLine(lc, ca, cb), logA: &syncBuffer{}, logB: &syncBuffer{}}
	cfgA, cfgB := cfg, cfg
	cfgA.WireLog = modem.NewWireLog(r.logA)
	cfgB.WireLog = modem.NewWireLog(r.logB)
	r.a = modem.New(r.line.A().Conn(), cfgA)
	r.b = modem.New(r.line.B().Conn(), cfgB)
	return r
}

func (r *rig) close() {
	r.a.Close()
	r.b.Close()
	r.line.Close()
	if r.t.Failed() {
		r.t.Logf("wire log A:\n%s", r.logA)
		r.t.Logf("wire log B:\n%s", r.logB)
	}
}

// run executes f in a synctest bubble with a fresh rig.
func run(t *testing.T, lc sim.LineConfig, ca, cb sim.Config, cfg modem.Config, f func(t *testing.T, r *rig)) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, lc, ca, cb, cfg)
		defer r.close()
		f(t, r)
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// connect resets both modems, dials B from A and answers on B after the
// second ring; both are then in their first V.21 state.
func (r *rig) connect(ctx context.Context) {
	t := r.t
	t.Helper()
	must(t, r.a.Reset(ctx))
	must(t, r.b.Reset(ctx))
	dialErr := make(chan error, 1)
	go func() { dialErr <- r.a.Dial(ctx, "555-1234") }()
	for {
		ring, err := r.b.WaitRing(ctx)
		must(t, err)
		if ring.Count == 2 {
			break
		}
	}
	must(t, r.b.Answer(ctx))
	// B is the called fax: it speaks first (CSI, DIS).
	must(t, r.b.SendFrame(ctx, []byte{0xff, 0x03, 0x40, '1', '2', 0x10, 0x10}, false))
	must(t, r.b.SendFrame(ctx, []byte{0xff, 0x13, 0x80, 0x00, 0xce, 0xf4}, true))
	must(t, <-dialErr)
}

var (
	csi = []byte{0xff, 0x03, 0x40, '1', '2', 0x10, 0x10}
	dis = []byte{0xff, 0x13, 0x80, 0x00, 0xce, 0xf4}
	dcs = []byte{0xff, 0x13, 0x83, 0x00, 0xc6, 0x10}
	cfr = []byte{0xff, 0x13, 0x84}
)

func TestProbe(t *testing.T) {
	run(t, sim.LineConfig{}, sim.Config{}, sim.Config{}, modem.Config{}, func(t *testing.T, r *rig) {
		ctx := t.Context()
		info, err := r.a.Probe(ctx)
		must(t, err)
		if info.Manufacturer != "Faxbox" || info.Model != "Simulated class 1 modem" || info.Revision != "1.0" {
			t.Errorf("identity = %+v", info.Identity)
		}
		if info.ATI != "FAXBOX-SIM" || info.ATI3 != "Simulated class 1 modem 1.0" {
			t.Errorf("ATI = %q, ATI3 = %q", info.ATI, info.ATI3)
		}
		if !slices.Equal(info.Classes, []string{"0", "1", "1.0"}) {
			t.Errorf("classes = %q", info.Classes)
		}
		all := []modem.Modulation{24, 48, 72, 73, 74, 96, 97, 98, 121, 122, 145, 146}
		if !slices.Equal(info.Transmit, all) || !slices.Equal(info.Receive, all) {
			t.Errorf("transmit %v receive %v", info.Transmit, info.Receive)
		}
		if !slices.Equal(info.HDLCTransmit, []modem.Modulation{modem.V21}) || !slices.Equal(info.HDLCReceive, []modem.Modulation{modem.V21}) {
			t.Errorf("hdlc %v %v", info.HDLCTransmit, info.HDLCReceive)
		}
		if !slices.Equal(info.Rates, []int{2400, 4800, 7200, 9600, 12000, 14400}) {
			t.Errorf("rates = %v", info.Rates)
		}
		if info.Quirks != "faxbox-sim" {
			t.Errorf("quirks = %q", info.Quirks)
		}
		js, err := modem.ProbeJSON(ctx, r.a)
		must(t, err)
		if bytes.ContainsRune(js, '\n') {
			t.Errorf("JSON is not one line: %s", js)
		}
		var back modem.Info
		must(t, json.Unmarshal(js, &back))
		if back.Model != info.Model || !slices.Equal(back.Transmit, info.Transmit) || !slices.Equal(back.Rates, info.Rates) {
			t.Errorf("JSON round trip: %s", js)
		}
		for _, want := range []string{"<- ATZ", "-> OK", "<- AT+FTM=?", "-> 24,48,72,73,74,96,97,98,121,122,145,146"} {
			if !strings.Contains(r.logA.String(), want) {
				t.Errorf("wire log lacks %q", want)
			}
		}
	})
}

func TestProbeOldModem(t *testing.T) {
	old := sim.Config{NoIdentity: true, Modulations: []int{24, 48, 72, 96}, Classes: "0,1,2"}
	run(t, sim.LineConfig{}, old, sim.Config{}, modem.Config{}, func(t *testing.T, r *rig) {
		info, err := r.a.Probe(t.Context())
		must(t, err)
		if info.Manufacturer != "" || info.Model != "" || info.ATI != "FAXBOX-SIM" {
			t.Errorf("identity = %+v", info.Identity)
		}
		if !slices.Equal(info.Rates, []int{2400, 4800, 7200, 9600}) {
			t.Errorf("rates = %v", info.Rates)
		}
		if info.Quirks != "faxbox-sim" { // ATI says FAXBOX-SIM
			t.Errorf("quirks = %q", info.Quirks)
		}
	})
}

func TestNotClass1(t *testing.T) {
	run(t, sim.LineConfig{}, sim.Config{Classes: "0"}, sim.Config{}, modem.Config{}, func(t *testing.T, r *rig) {
		err := r.a.Reset(t.Context())
		if !errors.Is(err, modem.ErrNotClass1) {
			t.Fatalf("Reset = %v, want ErrNotClass1", err)
		}
	})
}

func TestCommandError(t *testing.T) {
	run(t, sim.LineConfig{}, sim.Config{}, sim.Config{}, modem.Config{Init: []string{"AT&K3", "ATS7=60"}}, func(t *testing.T, r *rig) {
		ctx := t.Context()
		must(t, r.a.Reset(ctx))
		_, err := r.a.Command(ctx, "AT+FNONSENSE=1")
		var re *modem.ResultError
		if !errors.Is(err, modem.ErrError) || !errors.As(err, &re) || re.Cmd != "AT+FNONSENSE=1" || re.Code != modem.CodeError {
			t.Fatalf("err = %#v", err)
		}
		if got := err.Error(); got != "modem: AT+FNONSENSE=1: ERROR" {
			t.Errorf("message %q", got)
		}
		info, err := r.a.Command(ctx, "AT+FCLASS?")
		must(t, err)
		if !slices.Equal(info, []string{"1"}) {
			t.Errorf("AT+FCLASS? = %q", info)
		}
		// Class 1 commands need class 1.
		_, err = r.a.Command(ctx, "AT+FCLASS=0")
		must(t, err)
		if err := r.a.SendFrame(ctx, dcs, true); !errors.Is(err, modem.ErrError) {
			t.Errorf("AT+FTH=3 in class 0: %v", err)
		}
	})
}

func TestCall(t *testing.T) {
	run(t, sim.LineConfig{}, sim.Config{Number: "5551234", Name: "ACME"}, sim.Config{}, modem.Config{CallerID: true}, func(t *testing.T, r *rig) {
		ctx := t.Context()
		must(t, r.a.Reset(ctx))
		must(t, r.b.Reset(ctx))
		dialErr := make(chan error, 1)
		start := time.Now()
		go func() { dialErr <- r.a.Dial(ctx, "(555) 1234,,9") }()
		ring, err := r.b.WaitRing(ctx)
		must(t, err)
		if ring.Count != 1 || ring.CallerID.Number != "" {
			t.Errorf("first ring %+v", ring)
		}
		ring, err = r.b.WaitRing(ctx)
		must(t, err)
		if ring.Count != 2 || ring.CallerID.Number != "5551234" || ring.CallerID.Name != "ACME" || len(ring.CallerID.Date) != 4 || len(ring.CallerID.Time) != 4 {
			t.Errorf("second ring %+v", ring)
		}
		must(t, r.b.Answer(ctx))
		must(t, r.b.SendFrame(ctx, csi, false))
		must(t, r.b.SendFrame(ctx, dis, true))
		must(t, <-dialErr)
		// Two rings (6 s), CED (3 s) and the V.21 preamble (1 s).
		if el := time.Since(start); el < 10*time.Second || el > 15*time.Second {
			t.Errorf("call set-up took %v", el)
		}
		buf := make([]byte, 0, 64)
		for _, want := range [][]byte{csi, dis} {
			got, err := r.a.ReceiveFrame(ctx, buf)
			must(t, err)
			if !bytes.Equal(got, want) {
				t.Errorf("frame % x, want % x", got, want)
			}
		}
		if !strings.Contains(r.logA.String(), "<- ATDT5551234,,9") {
			t.Errorf("dial command not in log:\n%s", r.logA)
		}
		// A hangs up (DTR drop, then ATH0); B is back on hook and refuses
		// its next receive with ERROR, as spandsp's modem does.
		must(t, r.a.HangUp(ctx))
		if _, err := r.b.ReceiveFrame(ctx, buf); !errors.Is(err, modem.ErrError) {
			t.Errorf("B after hang-up: %v", err)
		}
		must(t, r.b.HangUp(ctx))
	})
}

// TestExchange runs the T.30 phase B/C pattern at every rate: DCS, TCF
// (zeros) and a page with every byte value, checking that frames and data
// arrive byte for byte.
func TestExchange(t *testing.T) {
	page := make([]byte, 3000)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range page {
		page[i] = byte(rng.IntN(256))
	}
	page = append(page, bytes.Repeat([]byte{0x10}, 40)...) // DLE runs
	for _, mod := range []modem.Modulation{24, 48, 72, 73, 74, 96, 97, 98, 121, 122, 145, 146} {
		t.Run(mod.String(), func(t *testing.T) {
			run(t, sim.LineConfig{}, sim.Config{}, sim.Config{}, modem.Config{}, func(t *testing.T, r *rig) {
				ctx := t.Context()
				r.connect(ctx)
				buf := make([]byte, 0, 64)
				for range 2 {
					_, err := r.a.ReceiveFrame(ctx, buf)
					must(t, err)
				}
				// A: DCS, 75 ms, TCF. B: DCS, TCF, CFR.
				errc := make(chan error, 1)
				go func() {
					tcf := make([]byte, mod.Rate()*15/80) // 1.5 s of zeros
					if err := r.a.SendFrame(ctx, dcs, true); err != nil {
						errc <- err
						return
					}
					if err := r.a.Silence(ctx, 75*time.Millisecond); err != nil {
						errc <- err
						return
					}
					_, err := r.a.SendData(ctx, mod, bytes.NewReader(tcf))
					errc <- err
				}()
				got, err := r.b.ReceiveFrame(ctx, buf)
				must(t, err)
				if !bytes.Equal(got, dcs) {
					t.Fatalf("DCS % x", got)
				}
				var tcf bytes.Buffer
				n, err := r.b.ReceiveData(ctx, mod, &tcf)
				must(t, err)
				must(t, <-errc)
				if n != int64(mod.Rate()*15/80) || tcf.Len() != int(n) || bytes.ContainsFunc(tcf.Bytes(), func(r rune) bool { return r != 0 }) {
					t.Fatalf("TCF: %d bytes, want %d zeros", n, mod.Rate()*15/80)
				}
				go func() { errc <- r.b.SendFrame(ctx, cfr, true) }()
				got, err = r.a.ReceiveFrame(ctx, buf)
				must(t, err)
				must(t, <-errc)
				if !bytes.Equal(got, cfr) {
					t.Fatalf("CFR % x", got)
				}
				// Page: the short-training code for V.17, as T.30 does.
				pmod := mod
				if mod.Family() == "V.17" && !mod.ShortTraining() {
					pmod = mod + 1
				}
				start := time.Now()
				go func() {
					_, err := r.a.SendData(ctx, pmod, bytes.NewReader(page))
					errc <- err
				}()
				var rx bytes.Buffer
				_, err = r.b.ReceiveData(ctx, mod, &rx)
				must(t, err)
				must(t, <-errc)
				if !bytes.Equal(rx.Bytes(), page) {
					t.Fatalf("page differs: got %d bytes, want %d", rx.Len(), len(page))
				}
				// Bytes at the bit rate: the page takes its line time.
				want := time.Duration(len(page)) * 8 * time.Second / time.Duration(mod.Rate())
				if el := time.Since(start); el < want || el > want+3*time.Second {
					t.Errorf("page took %v, line time %v", el, want)
				}
				if u := r.line.A().Underruns(); u != 0 {
					t.Errorf("%d underruns", u)
				}
			})
		})
	}
}
