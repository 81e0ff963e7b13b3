package sip_test

import (
	"context"
	"fmt"
	"log"

	"faxbox/sip"
)

// Example places a call that offers T.38 and hands the T.38 stream to the
// T.38 layer once established.
func Example() {
	cfg := sip.Default()
	cfg.Listen, cfg.User = "127.0.0.1", "fax"
	a, err := sip.NewAgent(cfg, sip.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()
	go a.Register(context.Background()) // a no-op without a registrar

	c, err := a.Dial("sip:4420@127.0.0.1:5062", sip.DialOptions{OfferT38: true})
	if err != nil {
		log.Fatal(err)
	}
	for e := range c.Events() {
		switch e.Kind {
		case sip.EventAnswered:
			fmt.Println("billing from", e.At)
		case sip.EventT38:
			fmt.Println("run UDPTL on", e.T38.Conn.LocalAddr(), "to", e.T38.Remote, "with", e.T38.Params)
		case sip.EventRemoteBye, sip.EventHungUp, sip.EventFailed:
			fmt.Println("ended:", e.Reason.Text())
		}
	}
}
