//go:build spandsp

package spandsp_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"faxbox/modem/spandsp"
)

// A driver under test dials spandsp's fax terminal, which receives into a
// file; the line has white noise at 40 dB SNR.
func ExampleNewModemToFax() {
	l, err := spandsp.NewModemToFax(spandsp.Options{SNR: 40}, spandsp.FaxConfig{
		Role:  spandsp.Receive,
		File:  "/tmp/received.tif",
		Ident: "+1 555 0142",
		ECM:   true,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()

	port := l.SlavePath(0) // open it as a serial port, send ATD, ...
	_ = port

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	r, err := l.Wait(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Code, r.Pages, r.BitRate, r.ECM, r.Compression)
}

// Two DTEs talk through two spandsp modems: ATD on SlavePath(0) rings
// SlavePath(1).
func ExampleNewModemPair() {
	l, err := spandsp.NewModemPair(spandsp.Options{Delay: 30 * time.Millisecond})
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	fmt.Println(l.SlavePath(0) != l.SlavePath(1))
}
