package modem_test

import (
	"bytes"
	"io"
	"testing"

	"faxbox/modem"
)

// frame20 is a typical 20-octet frame (a DCS with its FIF), final.
var frame20 = []byte{0xff, 0x13, 0x83, 0x00, 0xc6, 0x10, 0x1f, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d}

func benchModem(b *testing.B, frame, data []byte) *modem.Modem {
	m := modem.New(newFastModem(frame, data), modem.Config{})
	b.Cleanup(func() { m.Close() })
	return m
}

// BenchmarkSendFrame measures the driver's cost of one HDLC frame:
// AT+FTH=3, CONNECT, stuffed frame, OK.
func BenchmarkSendFrame(b *testing.B) {
	m := benchModem(b, nil, nil)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if err := m.SendFrame(ctx, frame20, true); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReceiveFrame measures AT+FRH=3, CONNECT, frame with FCS, OK.
func BenchmarkReceiveFrame(b *testing.B) {
	m := benchModem(b, append(bytes.Clone(frame20), 0x12, 0x34), nil)
	ctx := b.Context()
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		got, err := m.ReceiveFrame(ctx, buf)
		if err != nil || len(got) != len(frame20) {
			b.Fatal(err, len(got))
		}
	}
}

// page is 64 KiB of image-like data with DLEs in it.
func page() []byte {
	p := make([]byte, 64<<10)
	for i := range p {
		p[i] = byte(i*31) ^ byte(i>>7)
	}
	return p
}

// BenchmarkSendData measures AT+FTM and 64 KiB of data; ns/op divided
// by 64 is the cost per KiB.
func BenchmarkSendData(b *testing.B) {
	m := benchModem(b, nil, nil)
	ctx := b.Context()
	p := page()
	r := bytes.NewReader(p)
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(p)
		if _, err := m.SendData(ctx, modem.V17At14400S, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReceiveData measures AT+FRM and 64 KiB of data.
func BenchmarkReceiveData(b *testing.B) {
	p := page()
	m := benchModem(b, nil, p)
	ctx := b.Context()
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		n, err := m.ReceiveData(ctx, modem.V17At14400S, io.Discard)
		if err != nil || n != int64(len(p)) {
			b.Fatal(err, n)
		}
	}
}

// TestFastModemData checks the benchmark fake end to end, so the
// benchmarks measure a working exchange.
func TestFastModemData(t *testing.T) {
	p := page()
	m := modem.New(newFastModem(frame20, p), modem.Config{})
	defer m.Close()
	var rx bytes.Buffer
	if _, err := m.ReceiveData(t.Context(), modem.V29At9600, &rx); err != nil || !bytes.Equal(rx.Bytes(), p) {
		t.Fatalf("ReceiveData: %v, %d bytes", err, rx.Len())
	}
	if _, err := m.SendData(t.Context(), modem.V29At9600, bytes.NewReader(p)); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := m.SendFrame(t.Context(), []byte{0xff, 0x03, 0x10}, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.SendFrame(t.Context(), frame20, true); err != nil {
		t.Fatal(err)
	}
}
