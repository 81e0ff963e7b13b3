package sipline_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"faxbox/sip"
	"faxbox/sipline"
	"faxbox/t30"
	"faxbox/t38"
)

// uncapped hides a line's Modulations from the T.30 engine: a station
// that would offer and use V.17 at 14400 whatever the T.38 session says.
type uncapped struct{ t30.Modem }

// TestMaxBitRateCapsModulations: a far gateway that agrees T38MaxBitRate
// 9600 in SDP (T.38 Annex D.2.3) never gets V.17 at 14400: the line's
// T.30 engine, sending, trains at 9600 although the far end's DIS offers
// V.17; receiving, its DIS offers no V.17, so an eager sender uses 9600.
func TestMaxBitRateCapsModulations(t *testing.T) {
	ours := account(t, "4420", 1)
	cfg := sip.Default()
	cfg.Listen, cfg.User, cfg.Number, cfg.MaxCalls = "127.0.0.1", "fax", "4930", 1
	p := freePort(t)
	cfg.SIPPorts = sip.PortRange{Lo: p, Hi: min(p+20, 65535)}
	cfg.MediaPorts = sip.PortRange{Lo: 42000, Hi: 42999}
	cfg.T38.MaxBitRate = 9600
	far, err := sipline.Open(cfg, sipline.Options{Name: "far", T38: t38.Config{NoPacing: true}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { far.Close() })
	doc := t30.Pages{testPage(t)}
	ol, fl := ours.Lines()[0], far.Lines()[0]

	for _, dir := range []string{"sending", "receiving"} {
		t.Run(dir, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			var tx, rx t30.Result
			var wg sync.WaitGroup
			var rxRates []int
			opts := t30.Options{OnEvent: func(e t30.Event) {
				if tr, ok := e.(t30.Training); ok {
					rxRates = append(rxRates, tr.BitRate)
				}
			}}
			wg.Go(func() {
				callee, line := fl, t30.Modem(uncapped{fl})
				if dir == "receiving" {
					callee, line = ol, t30.Modem(ol)
				}
				if _, err := callee.WaitRing(ctx); err != nil {
					t.Error(err)
					return
				}
				rx = t30.Receive(ctx, line, opts)
				_ = callee.HangUp(ctx)
			})
			if dir == "sending" {
				tx = t30.Send(ctx, ol, "sip:4930@"+far.Agent().Addr().String(), doc, t30.Options{})
				_ = ol.HangUp(ctx)
			} else {
				tx = t30.Send(ctx, uncapped{fl}, "sip:4420@"+ours.Agent().Addr().String(), doc, t30.Options{})
				_ = fl.HangUp(ctx)
			}
			wg.Wait()
			if !tx.OK() || !rx.OK() {
				t.Fatalf("send %+v\nreceive %+v", tx, rx)
			}
			if tx.BitRate != 9600 || rx.BitRate != 9600 {
				t.Fatalf("sent at %d, received at %d bit/s; the session allows 9600", tx.BitRate, rx.BitRate)
			}
			for _, r := range rxRates {
				if r > 9600 {
					t.Fatalf("the receiver saw training at %d bit/s (trainings %v)", r, rxRates)
				}
			}
		})
	}
}
