package t38_test

import (
	"bytes"
	"context"
	"errors"
	"math/bits"
	"testing"
	"testing/synctest"
	"time"

	"faxbox/modem"
	"faxbox/t38"
)

// peer is the far end of a Line under test, sending hand-made packets.
type peer struct {
	t    *testing.T
	conn *memConn
	enc  t38.Encoder
	syn  t38.Syntax
}

func (p *peer) send(pk t38.Packet) {
	p.t.Helper()
	ifp, err := p.syn.Marshal(pk)
	if err != nil {
		p.t.Fatal(err)
	}
	p.raw(p.encode(ifp))
}

func (p *peer) encode(ifp []byte) []byte {
	b, err := p.enc.Encode(ifp, 1)
	if err != nil {
		p.t.Fatal(err)
	}
	return b
}

func (p *peer) raw(b []byte) {
	if _, err := p.conn.WriteTo(b, p.conn.peerAddr); err != nil {
		p.t.Fatal(err)
	}
}

// lineOrder reverses the bits of each octet, as T.38 carries HDLC and T.4
// data.
func lineOrder(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = bits.Reverse8(c)
	}
	return out
}

// withLine runs f on fake time with a Line and the peer at its far end.
func withLine(t *testing.T, f func(ctx context.Context, l *t38.Line, p *peer)) {
	synctest.Test(t, func(t *testing.T) {
		a, b := memPair(0, 0, 10*time.Millisecond, 1)
		defer a.Close()
		defer b.Close()
		l, err := t38.NewLine(a, a.peerAddr, t38.Config{Params: t38.Default()})
		if err != nil {
			t.Fatal(err)
		}
		defer l.HangUp(context.Background())
		f(t.Context(), l, &peer{t: t, conn: b, enc: t38.Encoder{Mode: t38.ECRedundancy}, syn: t38.Syntax{PreCorrigendum: true}})
	})
}

var dis = []byte{0xff, 0x13, 0x80, 0x00, 0xce, 0xf4}

// TestLineFrameQuirks: repeated indicators and datagrams, malformed
// datagrams, and a gateway that leaves the FCS in hdlc-data do not upset
// frame reception; hdlc-fcs-BAD gives a bad-FCS error.
func TestLineFrameQuirks(t *testing.T) {
	withLine(t, func(ctx context.Context, l *t38.Line, p *peer) {
		p.send(t38.Packet{Indicator: t38.V21Preamble})
		p.send(t38.Packet{Indicator: t38.V21Preamble})
		p.raw([]byte{0x00})                 // malformed UDPTL
		p.raw(p.encode([]byte{0xfe, 0x00})) // malformed IFP
		withFCS := append(append([]byte(nil), dis...), byte(modem.FCS(dis)), byte(modem.FCS(dis)>>8))
		p.send(t38.Packet{IsData: true, Data: t38.V21, Fields: []t38.Field{{Type: t38.HDLCData, Data: lineOrder(withFCS[:3])}}})
		p.send(t38.Packet{IsData: true, Data: t38.V21, Fields: []t38.Field{{Type: t38.HDLCData, Data: lineOrder(withFCS[3:])}, {Type: t38.HDLCFCSOK}}})
		got, err := l.ReceiveFrame(ctx, nil)
		if err != nil || !bytes.Equal(got, dis) {
			t.Fatalf("frame % x, %v; want % x", got, err, dis)
		}
		p.send(t38.Packet{IsData: true, Data: t38.V21, Fields: []t38.Field{{Type: t38.HDLCData, Data: lineOrder(dis)}, {Type: t38.HDLCFCSBadSigEnd}}})
		if _, err := l.ReceiveFrame(ctx, nil); !errors.Is(err, modem.ErrBadFCS) {
			t.Fatalf("hdlc-fcs-BAD: %v", err)
		}
		if s := l.Stats(); s.Malformed != 2 {
			t.Errorf("stats %+v, want 2 malformed", s)
		}
	})
}

// TestLineDataThenFrame: a V.21 frame where page data was expected is a
// wrong carrier, and is still there for ReceiveFrame; non-ECM data then
// arrives whole, and nothing more within the time gives a timeout.
func TestLineDataThenFrame(t *testing.T) {
	withLine(t, func(ctx context.Context, l *t38.Line, p *peer) {
		p.send(t38.Packet{Indicator: t38.V21Preamble})
		p.send(t38.Packet{IsData: true, Data: t38.V21, Fields: []t38.Field{{Type: t38.HDLCData, Data: lineOrder(dis)}, {Type: t38.HDLCFCSOKSigEnd}}})
		var buf bytes.Buffer
		if _, err := l.ReceiveData(ctx, modem.V17At14400, &buf); !errors.Is(err, modem.ErrFCError) {
			t.Fatalf("ReceiveData over V.21: %v", err)
		}
		if got, err := l.ReceiveFrame(ctx, nil); err != nil || !bytes.Equal(got, dis) {
			t.Fatalf("frame after ReceiveData: % x, %v", got, err)
		}
		page := []byte{0x00, 0x80, 0x01, 0x02, 0x03}
		p.send(t38.Packet{Indicator: t38.V17At14400ShortTraining})
		p.send(t38.Packet{IsData: true, Data: t38.V17At14400, Fields: []t38.Field{{Type: t38.T4NonECMData, Data: lineOrder(page[:2])}}})
		p.send(t38.Packet{IsData: true, Data: t38.V17At14400, Fields: []t38.Field{{Type: t38.T4NonECMSigEnd, Data: lineOrder(page[2:])}}})
		p.send(t38.Packet{Indicator: t38.NoSignal})
		n, err := l.ReceiveData(ctx, modem.V17At14400S, &buf)
		if err != nil || n != 5 || !bytes.Equal(buf.Bytes(), page) {
			t.Fatalf("page data % x (%d), %v", buf.Bytes(), n, err)
		}
		tctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if _, err := l.ReceiveData(tctx, modem.V17At14400S, &buf); !errors.Is(err, modem.ErrTimeout) {
			t.Fatalf("no data: %v", err)
		}
		if err := l.WaitSilence(ctx, 500*time.Millisecond); err != nil {
			t.Fatalf("WaitSilence: %v", err)
		}
	})
}

// TestLineECMFrames: ECM frames from the far end come out as an HDLC bit
// stream whose frames carry a good FCS, and a bad one for hdlc-fcs-BAD.
func TestLineECMFrames(t *testing.T) {
	withLine(t, func(ctx context.Context, l *t38.Line, p *peer) {
		good := append([]byte{0xff, 0x03, 0x06, 0x00}, bytes.Repeat([]byte{0x7e, 0x1f}, 128)...)
		bad := append([]byte{0xff, 0x03, 0x06, 0x01}, bytes.Repeat([]byte{0xaa}, 256)...)
		p.send(t38.Packet{Indicator: t38.V17At14400ShortTraining})
		p.send(t38.Packet{IsData: true, Data: t38.V17At14400, Fields: []t38.Field{{Type: t38.HDLCData, Data: lineOrder(good)}, {Type: t38.HDLCFCSOK}}})
		p.send(t38.Packet{IsData: true, Data: t38.V17At14400, Fields: []t38.Field{{Type: t38.HDLCData, Data: lineOrder(bad)}, {Type: t38.HDLCFCSBadSigEnd}}})
		var buf bytes.Buffer
		if _, err := l.ReceiveData(ctx, modem.V17At14400S, &buf); err != nil {
			t.Fatal(err)
		}
		frames, oks := t38.Deframe(buf.Bytes())
		if len(frames) != 2 || !bytes.Equal(frames[0], good) || !oks[0] || !bytes.Equal(frames[1], bad) || oks[1] {
			t.Fatalf("frames %d, ok %v", len(frames), oks)
		}
	})
}

// TestLineHangUp: after HangUp the line reports the call gone.
func TestLineHangUp(t *testing.T) {
	withLine(t, func(ctx context.Context, l *t38.Line, p *peer) {
		if err := l.HangUp(ctx); err != nil {
			t.Fatal(err)
		}
		if err := l.HangUp(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := l.ReceiveFrame(ctx, nil); !errors.Is(err, modem.ErrNoCarrier) {
			t.Fatalf("ReceiveFrame after HangUp: %v", err)
		}
	})
}

// FuzzLineReceive feeds arbitrary datagrams to a Line whose T.30 side
// listens for frames and data: nothing panics, nothing hangs.
func FuzzLineReceive(f *testing.F) {
	e := t38.Encoder{Mode: t38.ECRedundancy}
	for _, ifp := range [][]byte{{0x06}, {0xc0, 0x01, 0x80, 0x00, 0x01, 0xff, 0x13}, {0xd0, 0x01, 0x30, 0x00, 0x00, 0x55}} {
		b, _ := e.Encode(ifp, 2)
		f.Add(b, b)
	}
	f.Fuzz(func(t *testing.T, d1, d2 []byte) {
		withLine(t, func(ctx context.Context, l *t38.Line, p *peer) {
			p.raw(d1)
			p.raw(d2)
			tctx, cancel := context.WithTimeout(ctx, time.Second)
			defer cancel()
			_, _ = l.ReceiveFrame(tctx, nil)
			_, _ = l.ReceiveData(tctx, modem.V29At9600, &bytes.Buffer{})
		})
	})
}
