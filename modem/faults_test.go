package modem_test

import (
	"bytes"
	"context"
	"errors"
	"math/bits"
	"testing"
	"time"

	"faxbox/modem"
	"faxbox/modem/sim"
)

func TestDialFailures(t *testing.T) {
	t.Run("NoDialTone", func(t *testing.T) {
		run(t, sim.LineConfig{NoDialTone: true}, sim.Config{}, sim.Config{}, modem.Config{}, func(t *testing.T, r *rig) {
			must(t, r.a.Reset(t.Context()))
			err := r.a.Dial(t.Context(), "123")
			var re *modem.ResultError
			if !errors.Is(err, modem.ErrNoDialTone) || !errors.As(err, &re) || re.Cmd != "ATDT123" {
				t.Fatalf("Dial = %v", err)
			}
		})
	})
	t.Run("Busy", func(t *testing.T) {
		run(t, sim.LineConfig{}, sim.Config{}, sim.Config{}, modem.Config{Pulse: true}, func(t *testing.T, r *rig) {
			ctx := t.Context()
			must(t, r.a.Reset(ctx))
			must(t, r.b.Reset(ctx))
			// Both go off-hook and dial: each finds the other busy.
			errc := make(chan error, 1)
			go func() { errc <- r.b.Dial(ctx, "1") }()
			if err := r.a.Dial(ctx, "2"); !errors.Is(err, modem.ErrBusy) {
				t.Errorf("A: %v", err)
			}
			if err := <-errc; !errors.Is(err, modem.ErrBusy) {
				t.Errorf("B: %v", err)
			}
			if !bytes.Contains([]byte(r.logA.String()), []byte("<- ATDP2")) {
				t.Errorf("no pulse dial in log")
			}
		})
	})
	t.Run("NoAnswer", func(t *testing.T) {
		run(t, sim.LineConfig{}, sim.Config{}, sim.Config{}, modem.Config{}, func(t *testing.T, r *rig) {
			must(t, r.a.Reset(t.Context()))
			start := time.Now()
			if err := r.a.Dial(t.Context(), "2"); !errors.Is(err, modem.ErrNoAnswer) {
				t.Fatalf("Dial = %v", err)
			}
			if el := time.Since(start); el < 60*time.Second || el > 65*time.Second {
				t.Errorf("NO ANSWER after %v", el)
			}
			// B heard it ring meanwhile.
			ring, err := r.b.WaitRing(t.Context())
			must(t, err)
			if ring.Count < 1 {
				t.Errorf("ring %+v", ring)
			}
		})
	})
	t.Run("DialTimeout", func(t *testing.T) {
		run(t, sim.LineConfig{}, sim.Config{}, sim.Config{}, modem.Config{}, func(t *testing.T, r *rig) {
			must(t, r.a.Reset(t.Context()))
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			err := r.a.Dial(ctx, "2")
			if !errors.Is(err, modem.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Dial = %v", err)
			}
			// The dial was aborted: the modem takes commands again.
			_, err = r.a.Command(t.Context(), "AT")
			must(t, err)
		})
	})
	t.Run("AnswerNothing", func(t *testing.T) {
		// With nothing ringing, ATA goes off hook and answers anyway
		// (CED, V.21 flags, CONNECT), as spandsp's T.31 modem does and
		// as a call that a person picked up needs; the frames go nowhere.
		run(t, sim.LineConfig{}, sim.Config{}, sim.Config{}, modem.Config{}, func(t *testing.T, r *rig) {
			ctx := t.Context()
			must(t, r.a.Reset(ctx))
			start := time.Now()
			must(t, r.a.Answer(ctx))
			if el := time.Since(start); el < 3*time.Second {
				t.Errorf("CONNECT after %v, before the answer tone ended", el)
			}
			must(t, r.a.SendFrame(ctx, dis, true))
			must(t, r.a.HangUp(ctx))
			// On hook again, A rings when B dials.
			must(t, r.b.Reset(ctx))
			dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			dialErr := make(chan error, 1)
			go func() { dialErr <- r.b.Dial(dctx, "1") }()
			_, err := r.a.WaitRing(ctx)
			must(t, err)
			if err := <-dialErr; !errors.Is(err, modem.ErrTimeout) {
				t.Errorf("unanswered Dial = %v", err)
			}
		})
	})
	t.Run("BadDialString", func(t *testing.T) {
		if _, err := modem.DialCommand("12;ATZ", false); err == nil {
			t.Error("accepted ';'")
		}
		if _, err := modem.DialCommand(" - ", false); err == nil {
			t.Error("accepted an empty number")
		}
		if s, err := modem.DialCommand("W9,(030) 123-45#", true); err != nil || s != "ATDPW9,03012345#" {
			t.Errorf("DialCommand = %q, %v", s, err)
		}
	})
}

// setup connects A and B and consumes the called side's CSI and DIS.
func setup(t *testing.T, r *rig) context.Context {
	ctx := t.Context()
	r.connect(ctx)
	buf := make([]byte, 0, 64)
	for range 2 {
		_, err := r.a.ReceiveFrame(ctx, buf)
		must(t, err)
	}
	return ctx
}

func TestWrongCarrier(t *testing.T) {
	run(t, sim.LineConfig{}, sim.Config{}, sim.Config{}, modem.Config{}, func(t *testing.T, r *rig) {
		ctx := setup(t, r)
		errc := make(chan error, 1)
		go func() {
			_, err := r.a.SendData(ctx, modem.V17At14400, bytes.NewReader(make([]byte, 4000)))
			errc <- err
		}()
		// B expects V.29 9600 and hears V.17.
		_, err := r.b.ReceiveData(ctx, modem.V29At9600, &bytes.Buffer{})
		if !errors.Is(err, modem.ErrFCError) {
			t.Fatalf("ReceiveData = %v", err)
		}
		// V.21 asked for while V.17 is on: +FCERROR at once.
		if _, err := r.b.ReceiveFrame(ctx, nil); !errors.Is(err, modem.ErrFCError) {
			t.Fatalf("ReceiveFrame = %v", err)
		}
		must(t, <-errc)
		// Once the carrier is gone, waiting for silence succeeds.
		must(t, r.b.WaitSilence(ctx, 100*time.Millisecond))
	})
}

func TestReceiveTimeout(t *testing.T) {
	run(t, sim.LineConfig{}, sim.Config{}, sim.Config{}, modem.Config{}, func(t *testing.T, r *rig) {
		ctx := setup(t, r)
		tctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		start := time.Now()
		_, err := r.b.ReceiveFrame(tctx, nil)
		if !errors.Is(err, modem.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("ReceiveFrame = %v", err)
		}
		if el := time.Since(start); el != 3*time.Second {
			t.Errorf("timed out after %v", el)
		}
		tctx, cancel = context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if _, err := r.b.ReceiveData(tctx, modem.V29At9600, &bytes.Buffer{}); !errors.Is(err, modem.ErrTimeout) {
			t.Fatalf("ReceiveData = %v", err)
		}
		// The receives were aborted: the modems still work.
		errc := make(chan error, 1)
		go func() { errc <- r.a.SendFrame(ctx, dcs, true) }()
		got, err := r.b.ReceiveFrame(ctx, nil)
		must(t, err)
		must(t, <-errc)
		if !bytes.Equal(got, dcs) {
			t.Errorf("frame % x", got)
		}
	})
}

func TestNotResponding(t *testing.T) {
	run(t, sim.LineConfig{}, sim.Config{}, sim.Config{}, modem.Config{}, func(t *testing.T, r *rig) {
		ctx := t.Context()
		must(t, r.a.Reset(ctx))
		r.line.A().Freeze()
		start := time.Now()
		_, err := r.a.Command(ctx, "AT")
		if !errors.Is(err, modem.ErrNotResponding) || errors.Is(err, modem.ErrTimeout) {
			t.Fatalf("Command = %v", err)
		}
		if el := time.Since(start); el != 5*time.Second {
			t.Errorf("gave up after %v, want the T.31 5 s", el)
		}
		if err.Error() != "modem: AT: not responding" {
			t.Errorf("message %q", err)
		}
	})
}

func TestGarbage(t *testing.T) {
	run(t, sim.LineConfig{}, sim.Config{}, sim.Config{}, modem.Config{}, func(t *testing.T, r *rig) {
		ctx := t.Context()
		must(t, r.a.Reset(ctx))
		// Garbage that arrived earlier is flushed before a command.
		r.line.A().Garbage([]byte("\x00\xff\xfe noise\r\n"))
		time.Sleep(time.Millisecond)
		_, err := r.a.Command(ctx, "AT")
		must(t, err)
		// Garbage in the middle of a response is a protocol error, and
		// the real result that follows is consumed with it.
		errc := make(chan error, 1)
		go func() {
			_, err := r.a.Command(ctx, "AT+FCLASS=1")
			errc <- err
		}()
		r.line.A().Garbage([]byte("\r\n\x01\x02garbage\x7f\r\n"))
		err = <-errc
		var pe *modem.ProtocolError
		if !errors.As(err, &pe) {
			// The garbage may have arrived after the OK.
			t.Logf("garbage after the result: %v", err)
		} else if pe.Cmd != "AT+FCLASS=1" {
			t.Errorf("ProtocolError %+v", pe)
		}
		info, err := r.a.Command(ctx, "AT+FCLASS?")
		must(t, err)
		if len(info) != 1 || info[0] != "1" {
			t.Errorf("after garbage: %q", info)
		}
	})
}

func TestFrameFaults(t *testing.T) {
	lc := sim.LineConfig{FrameFault: func(from sim.Side, n int, frame []byte) sim.Fault {
		if from != sim.SideA {
			return sim.FaultNone
		}
		switch n {
		case 0:
			return sim.FaultCorrupt
		case 1:
			return sim.FaultDrop
		}
		return sim.FaultNone
	}}
	run(t, lc, sim.Config{}, sim.Config{}, modem.Config{}, func(t *testing.T, r *rig) {
		ctx := setup(t, r)
		errc := make(chan error, 1)
		go func() {
			for _, f := range [][]byte{{0xff, 0x03, 0x42, 1, 2, 3}, {0xff, 0x03, 0x43, 4}, dcs} {
				if err := r.a.SendFrame(ctx, f, f[1] == 0x13); err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}()
		got, err := r.b.ReceiveFrame(ctx, nil)
		var re *modem.ResultError
		if !errors.Is(err, modem.ErrBadFCS) || !errors.Is(err, modem.ErrError) || !errors.As(err, &re) || !re.BadFCS {
			t.Fatalf("corrupted frame: %v", err)
		}
		if len(got) != 6 || bytes.Equal(got, []byte{0xff, 0x03, 0x42, 1, 2, 3}) {
			t.Errorf("corrupted frame came back as % x", got)
		}
		// The second frame is lost: the third comes next.
		got, err = r.b.ReceiveFrame(ctx, nil)
		must(t, err)
		if !bytes.Equal(got, dcs) {
			t.Errorf("after a lost frame: % x", got)
		}
		must(t, <-errc)
	})
}

func TestBitErrors(t *testing.T) {
	const ber = 1e-3
	run(t, sim.LineConfig{BitErrorRate: ber, Seed: 7}, sim.Config{}, sim.Config{}, modem.Config{}, func(t *testing.T, r *rig) {
		ctx := setup(t, r)
		data := bytes.Repeat([]byte{0x55, 0x10, 0xaa, 0x00}, 5000)
		errc := make(chan error, 1)
		go func() {
			_, err := r.a.SendData(ctx, modem.V17At14400, bytes.NewReader(data))
			errc <- err
		}()
		var rx bytes.Buffer
		_, err := r.b.ReceiveData(ctx, modem.V17At14400, &rx)
		must(t, err)
		must(t, <-errc)
		if rx.Len() != len(data) {
			t.Fatalf("got %d bytes, want %d", rx.Len(), len(data))
		}
		flips := 0
		for i, c := range rx.Bytes() {
			flips += bits.OnesCount8(c ^ data[i])
		}
		want := ber * float64(len(data)*8)
		if float64(flips) < want/2 || float64(flips) > want*2 {
			t.Errorf("%d bit errors, want about %.0f", flips, want)
		}
	})
}

func TestCarrierLoss(t *testing.T) {
	run(t, sim.LineConfig{}, sim.Config{}, sim.Config{}, modem.Config{}, func(t *testing.T, r *rig) {
		ctx := setup(t, r)
		data := make([]byte, 18000) // 10 s at 14400
		for i := range data {
			data[i] = byte(i)
		}
		errc := make(chan error, 1)
		go func() {
			_, err := r.a.SendData(ctx, modem.V17At14400, bytes.NewReader(data))
			errc <- err
		}()
		r.line.CutAfter(5 * time.Second)
		var rx bytes.Buffer
		_, err := r.b.ReceiveData(ctx, modem.V17At14400, &rx)
		must(t, err) // a lost carrier ends the data normally
		if rx.Len() < 6000 || rx.Len() > 10000 || !bytes.Equal(rx.Bytes(), data[:rx.Len()]) {
			t.Errorf("got %d bytes, want a prefix of about 6500", rx.Len())
		}
		// The sender does not notice; after the cut both modems are on
		// hook and refuse class 1 commands with ERROR, as spandsp's and
		// real modems do.
		must(t, <-errc)
		if _, err := r.b.ReceiveFrame(ctx, nil); !errors.Is(err, modem.ErrError) {
			t.Errorf("after the cut: %v", err)
		}
		if _, err := r.a.ReceiveFrame(ctx, nil); !errors.Is(err, modem.ErrError) {
			t.Errorf("sender after the cut: %v", err)
		}
	})
}

func TestCloseUnblocks(t *testing.T) {
	run(t, sim.LineConfig{}, sim.Config{}, sim.Config{}, modem.Config{}, func(t *testing.T, r *rig) {
		ctx := t.Context()
		must(t, r.a.Reset(ctx))
		errc := make(chan error, 1)
		go func() {
			_, err := r.a.WaitRing(ctx)
			errc <- err
		}()
		time.Sleep(time.Minute)
		r.a.Close()
		if err := <-errc; !errors.Is(err, modem.ErrClosed) {
			t.Errorf("WaitRing after Close = %v", err)
		}
		if _, err := r.a.Command(ctx, "AT"); !errors.Is(err, modem.ErrClosed) {
			t.Errorf("Command after Close = %v", err)
		}
	})
}

func TestCanceled(t *testing.T) {
	run(t, sim.LineConfig{}, sim.Config{}, sim.Config{}, modem.Config{}, func(t *testing.T, r *rig) {
		ctx := setup(t, r)
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(time.Second, cancel)
		_, err := r.b.ReceiveFrame(cctx, nil)
		if !errors.Is(err, context.Canceled) || errors.Is(err, modem.ErrTimeout) {
			t.Fatalf("ReceiveFrame = %v", err)
		}
		_, err = r.b.Command(ctx, "AT")
		must(t, err)
	})
}

func TestSilence(t *testing.T) {
	run(t, sim.LineConfig{}, sim.Config{}, sim.Config{}, modem.Config{}, func(t *testing.T, r *rig) {
		ctx := t.Context()
		// On hook there is no line to be silent on: ERROR, as spandsp.
		must(t, r.a.Reset(ctx))
		if err := r.a.Silence(ctx, 75*time.Millisecond); !errors.Is(err, modem.ErrError) {
			t.Errorf("AT+FTS on hook: %v", err)
		}
		r.connect(ctx)
		for range 2 { // CSI and DIS
			_, err := r.a.ReceiveFrame(ctx, nil)
			must(t, err)
		}
		start := time.Now()
		must(t, r.a.Silence(ctx, 75*time.Millisecond))
		if el := time.Since(start); el != 80*time.Millisecond {
			t.Errorf("AT+FTS=8 took %v", el)
		}
		if !bytes.Contains([]byte(r.logA.String()), []byte("<- AT+FTS=8")) {
			t.Error("no AT+FTS=8 in the log")
		}
		start = time.Now()
		must(t, r.a.WaitSilence(ctx, 200*time.Millisecond))
		if el := time.Since(start); el != 200*time.Millisecond {
			t.Errorf("AT+FRS=20 took %v", el)
		}
	})
}
