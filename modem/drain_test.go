package modem_test

import (
	"bytes"
	"testing"
	"time"

	"faxbox/modem"
	"faxbox/modem/sim"
)

// TestSendDataDeepBuffer: a modem and port that take a whole ECM block at
// once (a pseudo-terminal in front of spandsp's T.31 modem holds more
// than 20 KiB) give OK only when the last bit is on the line, 22 s after
// CONNECT for 40 000 bytes at 14 400 bit/s; SendData waits for it rather
// than giving up after a buffer's worth of line time.
func TestSendDataDeepBuffer(t *testing.T) {
	run(t, sim.LineConfig{}, sim.Config{TxBuffer: 64 << 10}, sim.Config{}, modem.Config{}, func(t *testing.T, r *rig) {
		ctx := setup(t, r)
		data := make([]byte, 40000)
		for i := range data {
			data[i] = byte(i * 7)
		}
		type sent struct {
			n   int64
			err error
			d   time.Duration
		}
		done := make(chan sent, 1)
		go func() {
			start := time.Now()
			n, err := r.a.SendData(ctx, modem.V17At14400, bytes.NewReader(data))
			done <- sent{n, err, time.Since(start)}
		}()
		var rx bytes.Buffer
		_, err := r.b.ReceiveData(ctx, modem.V17At14400, &rx)
		must(t, err)
		s := <-done
		if s.err != nil || s.n != int64(len(data)) {
			t.Fatalf("SendData = %d, %v after %v", s.n, s.err, s.d)
		}
		if line := time.Duration(len(data)) * 8 * time.Second / 14400; s.d < line {
			t.Errorf("SendData returned after %v, before the data's line time %v", s.d, line)
		}
		if !bytes.Equal(rx.Bytes(), data) {
			t.Errorf("received %d bytes, not the %d sent", rx.Len(), len(data))
		}
	})
}
