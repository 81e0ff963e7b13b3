//go:build linux

package modem_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"faxbox/internal/pty"
	"faxbox/modem"
	"faxbox/modem/sim"
)

// ptyModem serves sm on a new pty and opens the driver on its slave
// through go.bug.st/serial, exactly as with hardware.
func ptyModem(t *testing.T, sm *sim.Modem, flow modem.Flow, log *syncBuffer) (*modem.Modem, *pty.Pair) {
	t.Helper()
	p, err := pty.Open()
	if err != nil {
		t.Fatalf("no pty: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- sm.Serve(p.Master) }()
	m, err := modem.Open(modem.PortConfig{Device: p.SlavePath, Baud: 115200, Flow: flow},
		modem.Config{WireLog: modem.NewWireLog(log), ResponseTimeout: 2 * time.Second})
	if err != nil {
		p.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		m.Close()
		sm.Close()
		p.Close()
		<-done
		if t.Failed() {
			t.Logf("wire log:\n%s", log)
		}
	})
	return m, p
}

func TestPtyProbe(t *testing.T) {
	for _, tc := range []struct {
		name  string
		flow  modem.Flow
		cflag uint32
		iflag uint32
	}{
		{"RTSCTS", modem.FlowRTSCTS, unix.CRTSCTS, 0},
		{"XONXOFF", modem.FlowXONXOFF, 0, unix.IXON | unix.IXOFF},
		{"None", modem.FlowNone, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			alone := sim.NewLine(sim.LineConfig{NoDialTone: true, Scale: 50}, sim.Config{}, sim.Config{})
			m, p := ptyModem(t, alone.A(), tc.flow, &syncBuffer{})
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			info, err := m.Probe(ctx)
			must(t, err)
			if info.Manufacturer != "Faxbox" || len(info.Rates) != 6 {
				t.Errorf("info %+v", info)
			}
			// Termios ioctls on the master act on the slave.
			tio, err := unix.IoctlGetTermios(int(p.Master.Fd()), unix.TCGETS)
			must(t, err)
			if tio.Cflag&unix.CRTSCTS != tc.cflag || tio.Iflag&(unix.IXON|unix.IXOFF) != tc.iflag {
				t.Errorf("cflag %#x iflag %#x", tio.Cflag, tio.Iflag)
			}
			// No dial tone on a line of its own.
			if err := m.Dial(ctx, "1"); !errors.Is(err, modem.ErrNoDialTone) {
				t.Errorf("Dial = %v", err)
			}
		})
	}
}

func TestPtyOpenErrors(t *testing.T) {
	_, err := modem.Open(modem.PortConfig{Device: "/dev/does-not-exist"}, modem.Config{})
	if err == nil {
		t.Fatal("opened a missing device")
	}
	if _, err := modem.Open(modem.PortConfig{}, modem.Config{}); err == nil {
		t.Fatal("opened no device")
	}
}

// TestPtyGone: the modem's pty closes under the driver (a USB modem
// unplugged): commands and waits end with ErrGone, not with a protocol
// error or a timeout.
func TestPtyGone(t *testing.T) {
	alone := sim.NewLine(sim.LineConfig{NoDialTone: true, Scale: 50}, sim.Config{}, sim.Config{})
	m, p := ptyModem(t, alone.A(), modem.FlowNone, &syncBuffer{})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	must(t, m.Reset(ctx))
	ringErr := make(chan error, 1)
	go func() {
		_, err := m.WaitRing(ctx)
		ringErr <- err
	}()
	p.Close()
	if err := <-ringErr; !errors.Is(err, modem.ErrGone) {
		t.Errorf("WaitRing as the device went: %v", err)
	}
	if _, err := m.Command(ctx, "AT"); !errors.Is(err, modem.ErrGone) {
		t.Errorf("a command after the device went: %v", err)
	}
}

// TestPtyCall runs a call between two simulated modems, each on its own
// pty, with time compressed 50 times.
func TestPtyCall(t *testing.T) {
	line := sim.NewLine(sim.LineConfig{Scale: 50}, sim.Config{Number: "4711"}, sim.Config{})
	defer line.Close()
	logA, logB := &syncBuffer{}, &syncBuffer{}
	a, _ := ptyModem(t, line.A(), modem.FlowRTSCTS, logA)
	b, _ := ptyModem(t, line.B(), modem.FlowRTSCTS, logB)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	must(t, a.Reset(ctx))
	must(t, b.Reset(ctx))
	dialErr := make(chan error, 1)
	go func() { dialErr <- a.Dial(ctx, "4712") }()
	if _, err := b.WaitRing(ctx); err != nil {
		t.Fatal(err)
	}
	must(t, b.Answer(ctx))
	must(t, b.SendFrame(ctx, csi, false))
	must(t, b.SendFrame(ctx, dis, true))
	must(t, <-dialErr)
	for _, want := range [][]byte{csi, dis} {
		got, err := a.ReceiveFrame(ctx, nil)
		must(t, err)
		if !bytes.Equal(got, want) {
			t.Fatalf("frame % x, want % x", got, want)
		}
	}
	page := make([]byte, 20000)
	for i := range page {
		page[i] = byte(i * 7)
	}
	errc := make(chan error, 1)
	go func() {
		if err := a.SendFrame(ctx, dcs, true); err != nil {
			errc <- err
			return
		}
		if err := a.Silence(ctx, 75*time.Millisecond); err != nil {
			errc <- err
			return
		}
		_, err := a.SendData(ctx, modem.V17At14400S, bytes.NewReader(page))
		errc <- err
	}()
	got, err := b.ReceiveFrame(ctx, nil)
	must(t, err)
	if !bytes.Equal(got, dcs) {
		t.Fatalf("DCS % x", got)
	}
	var rx bytes.Buffer
	_, err = b.ReceiveData(ctx, modem.V17At14400S, &rx)
	must(t, err)
	must(t, <-errc)
	if !bytes.Equal(rx.Bytes(), page) {
		t.Fatalf("page: got %d bytes, want %d identical", rx.Len(), len(page))
	}
	// Underruns are asserted in fake time (TestExchange); here the
	// compressed real time can starve the transmitter under -race.
	t.Logf("%d underruns over the pty", line.A().Underruns())
	// A pty has no DTR: HangUp falls back to ATH0. B's +FRH meets the
	// hang-up either waiting (NO CARRIER) or, when the hang-up reached
	// B's modem first, on hook (ERROR, as spandsp's T.31 modem answers):
	// which comes first is the scheduler's choice.
	must(t, a.HangUp(ctx))
	if _, err := b.ReceiveFrame(ctx, nil); !errors.Is(err, modem.ErrNoCarrier) && !errors.Is(err, modem.ErrError) {
		t.Errorf("after hang-up: %v, want no carrier or the on-hook ERROR", err)
	}
	must(t, b.HangUp(ctx))
}
