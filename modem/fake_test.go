package modem_test

import (
	"bytes"
	"io"
	"sync"
)

// fastModem is a class 1 modem without a line or timing: it answers each
// command at once, so benchmarks measure the driver alone. +FRH=3 yields
// frame and +FRM yields data, both stuffed, from canned bytes.
type fastModem struct {
	frame, data []byte // canned, already stuffed and ended by DLE ETX

	pr   *io.PipeReader
	pw   *io.PipeWriter
	jobs chan []byte
	done chan struct{}
	once sync.Once

	cmd   []byte
	mode  byte // 0 command, 'H' HDLC transmit, 'M' data transmit
	dle   bool
	count int  // unstuffed bytes of the current frame
	ctl   byte // its control field
}

func newFastModem(frame, data []byte) *fastModem {
	f := &fastModem{jobs: make(chan []byte, 64), done: make(chan struct{})}
	f.frame = append(stuffed(frame), "\r\nOK\r\n"...)
	f.data = append(stuffed(data), "\r\nNO CARRIER\r\n"...)
	f.pr, f.pw = io.Pipe()
	go func() {
		for {
			select {
			case j := <-f.jobs:
				if _, err := f.pw.Write(j); err != nil {
					return
				}
			case <-f.done:
				return
			}
		}
	}()
	return f
}

func stuffed(p []byte) []byte {
	var b []byte
	for _, c := range p {
		if c == 0x10 {
			b = append(b, 0x10)
		}
		b = append(b, c)
	}
	return append(b, 0x10, 0x03)
}

var (
	rOK      = []byte("\r\nOK\r\n")
	rConnect = []byte("\r\nCONNECT\r\n")
)

func (f *fastModem) Read(p []byte) (int, error) { return f.pr.Read(p) }

func (f *fastModem) Close() error {
	f.once.Do(func() {
		close(f.done)
		f.pr.Close()
		f.pw.Close()
	})
	return nil
}

func (f *fastModem) reply(parts ...[]byte) {
	for _, p := range parts {
		select {
		case f.jobs <- p:
		case <-f.done:
		}
	}
}

func (f *fastModem) Write(p []byte) (int, error) {
	for _, c := range p {
		switch f.mode {
		case 0:
			if c != '\r' {
				f.cmd = append(f.cmd, c)
				continue
			}
			cmd := string(f.cmd)
			f.cmd = f.cmd[:0]
			switch {
			case cmd == "AT+FTH=3":
				f.mode, f.count = 'H', 0
				f.reply(rConnect)
			case bytes.HasPrefix([]byte(cmd), []byte("AT+FTM=")):
				f.mode = 'M'
				f.reply(rConnect)
			case cmd == "AT+FRH=3":
				f.reply(rConnect, f.frame)
			case bytes.HasPrefix([]byte(cmd), []byte("AT+FRM=")):
				f.reply(rConnect, f.data)
			default:
				f.reply(rOK)
			}
		default:
			if f.dle {
				f.dle = false
				if c == 0x03 {
					switch {
					case f.mode == 'M' || f.ctl&0x10 != 0:
						f.mode = 0
						f.reply(rOK)
					default:
						f.count = 0
						f.reply(rConnect)
					}
					continue
				}
			} else if c == 0x10 {
				f.dle = true
				continue
			}
			if f.count == 1 {
				f.ctl = c
			}
			f.count++
		}
	}
	return len(p), nil
}
