package modem_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"testing/synctest"

	"faxbox/modem"
	"faxbox/modem/modemtest"
	"faxbox/modem/sim"
)

func s(x string) []byte { return []byte(x) }

// TestReplayQuirkyModem replays a hand-written exchange (not a hardware
// recording) with habits the simulator lacks: echo until ATE0, "+FMI:"
// prefixes and quotes, a modulation list with parentheses and a range,
// "NO DIAL TONE", and a frame whose DC1 byte is escaped as <DLE>q.
func TestReplayQuirkyModem(t *testing.T) {
	ops := []modemtest.IO{
		{W: s("ATZ\r"), R: s("ATZ\r\r\nOK\r\n")},
		{W: s("ATE0V1Q0\r"), R: s("ATE0V1Q0\r\r\nOK\r\n")},
		{W: s("ATI\r"), R: s("\r\n5601\r\n\r\nOK\r\n")},
		{W: s("ATI3\r"), R: s("\r\nU.S. Robotics 56K FAX EXT V1.2.23\r\n\r\nOK\r\n")},
		{W: s("AT+FMI?\r"), R: s("\r\n+FMI: \"U.S. Robotics\"\r\n\r\nOK\r\n")},
		{W: s("AT+FMM?\r"), R: s("\r\nERROR\r\n")},
		{W: s("AT+FMR?\r"), R: s("\r\nERROR\r\n")},
		{W: s("AT+FCLASS=1\r"), R: s("\r\nOK\r\n")},
		{W: s("AT+FCLASS=?\r"), R: s("\r\n0,1,1.0,8\r\n\r\nOK\r\n")},
		{W: s("AT+FTM=?\r"), R: s("\r\n(24,48,72-98)\r\n\r\nOK\r\n")},
		{W: s("AT+FRM=?\r"), R: s("\r\n24,48,72,73,74,96,97,98\r\n\r\nOK\r\n")},
		{W: s("AT+FTH=?\r"), R: s("\r\n3\r\n\r\nOK\r\n")},
		{W: s("AT+FRH=?\r"), R: s("\r\n3\r\n\r\nOK\r\n")},
		{W: s("ATDT123\r"), R: s("\r\nNO DIAL TONE\r\n")},
		{W: s("AT+FRH=3\r"), R: s("\r\nCONNECT\r\n\xff\x13\x80\x10q\x10\x10\x55\x66\x10\x03\r\nOK\r\n")},
	}
	synctest.Test(t, func(t *testing.T) {
		pb := &modemtest.Playback{Ops: ops}
		m := modem.New(pb, modem.Config{})
		defer m.Close()
		ctx := t.Context()
		info, err := m.Probe(ctx)
		must(t, err)
		if info.Manufacturer != "U.S. Robotics" || info.Quirks != "usrobotics" || info.ATI3 != "U.S. Robotics 56K FAX EXT V1.2.23" {
			t.Errorf("identity %+v", info)
		}
		if !slices.Equal(info.Classes, []string{"0", "1", "1.0", "8"}) || !slices.Equal(info.Rates, []int{2400, 4800, 7200, 9600}) {
			t.Errorf("classes %v rates %v", info.Classes, info.Rates)
		}
		if err := m.Dial(ctx, "123"); !errors.Is(err, modem.ErrNoDialTone) {
			t.Errorf("Dial = %v", err)
		}
		f, err := m.ReceiveFrame(ctx, nil)
		must(t, err)
		if !bytes.Equal(f, []byte{0xff, 0x13, 0x80, 0x11, 0x10}) {
			t.Errorf("frame % x", f)
		}
		if err := pb.Close(); err != nil {
			t.Error(err)
		}
		m.Close()
	})
}

// TestRecordPlayback records a probe of the simulator and replays it.
func TestRecordPlayback(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sm := sim.New(sim.Config{})
		defer sm.Close()
		rec := &modemtest.Record{RW: sm.Conn()}
		m := modem.New(rec, modem.Config{})
		defer m.Close()
		want, err := m.Probe(t.Context())
		must(t, err)
		m.Close()

		pb := &modemtest.Playback{Ops: rec.Steps()}
		m = modem.New(pb, modem.Config{})
		defer m.Close()
		got, err := m.Probe(t.Context())
		must(t, err)
		if !slices.Equal(got.Rates, want.Rates) || got.Identity != want.Identity {
			t.Errorf("replayed %+v, recorded %+v", got, want)
		}
		must(t, pb.Close())
		m.Close()

		// A replay that stops early fails Close.
		pb = &modemtest.Playback{Ops: rec.Steps()}
		m = modem.New(pb, modem.Config{})
		_, err = m.Command(t.Context(), "ATZ")
		must(t, err)
		if pb.Close() == nil {
			t.Error("Close did not report the steps left")
		}
		m.Close()
	})
}

// TestReplayLateFRH replays what spandsp 0.0.6's T.31 modem sends when the
// DTE asks AT+FRH=3 after the frame has arrived: a queued CONNECT before
// the command's own, then the frame. The driver takes the frame intact.
func TestReplayLateFRH(t *testing.T) {
	ops := []modemtest.IO{
		{W: s("AT+FRH=3\r"), R: s("\r\nCONNECT\r\n\r\nCONNECT\r\n\xff\x13\x80\x00\xce\xf4\x10\x10\x25\xd7\x10\x03\r\nOK\r\n")},
	}
	synctest.Test(t, func(t *testing.T) {
		pb := &modemtest.Playback{Ops: ops}
		m := modem.New(pb, modem.Config{ValidateFCS: true})
		defer m.Close()
		f, err := m.ReceiveFrame(t.Context(), nil)
		must(t, err)
		if want := []byte{0xff, 0x13, 0x80, 0x00, 0xce, 0xf4, 0x10}; !bytes.Equal(f, want) {
			t.Errorf("frame % x, want % x", f, want)
		}
		must(t, pb.Close())
	})
}
