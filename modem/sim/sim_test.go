package sim_test

import (
	"bytes"
	"io"
	"testing"
	"testing/synctest"
	"time"

	"faxbox/modem/sim"
)

// reader collects what the modem sends.
func reader(c io.Reader) <-chan []byte {
	ch := make(chan []byte, 1024)
	go func() {
		defer close(ch)
		for {
			b := make([]byte, 256)
			n, err := c.Read(b)
			if n > 0 {
				ch <- b[:n]
			}
			if err != nil {
				return
			}
		}
	}()
	return ch
}

// chat writes cmd and returns what the modem sent up to a final result,
// or within 3 s.
func chat(t *testing.T, c io.Writer, rx <-chan []byte, cmd string) string {
	t.Helper()
	if _, err := c.Write([]byte(cmd)); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	deadline := time.After(3 * time.Second)
	for {
		select {
		case b := <-rx:
			out.Write(b)
			for _, end := range []string{"OK\r\n", "ERROR\r\n", "CONNECT\r\n"} {
				if bytes.HasSuffix(out.Bytes(), []byte(end)) {
					return out.String()
				}
			}
		case <-deadline:
			return out.String()
		}
	}
}

// TestDialogue checks the simulator's answers to raw AT commands.
func TestDialogue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := sim.New(sim.Config{Modulations: []int{24, 48, 72, 96}})
		defer m.Close()
		c := m.Conn()
		defer c.Close()
		rx := reader(c)
		for _, tc := range []struct{ cmd, want string }{
			{"ATZ\r", "ATZ\r\r\nOK\r\n"}, // echo is on after ATZ
			{"ATE0\r", "ATE0\r\r\nOK\r\n"},
			{"AT+FCLASS=?\r", "\r\n0,1,1.0\r\n\r\nOK\r\n"},
			{"AT+FTM=3\r", "\r\nERROR\r\n"}, // class 0
			{"AT+FCLASS=1;+FTM=?\r", "\r\n24,48,72,96\r\n\r\nOK\r\n"},
			{"AT+FTM=145\r", "\r\nERROR\r\n"}, // not offered
			{"AT+FMI?\r", "\r\nFaxbox\r\n\r\nOK\r\n"},
			{"AT+BOGUS\r", "\r\nERROR\r\n"},
			{"ATS7=60L0M0&K3\r", "\r\nOK\r\n"},
			{"AT+FTH=3\r", "\r\nERROR\r\n"}, // on hook, as spandsp
			{"AT+FTS=8\r", "\r\nERROR\r\n"},
			{"AT+FRM=96\r", "\r\nERROR\r\n"},
		} {
			if got := chat(t, c, rx, tc.cmd); got != tc.want {
				t.Errorf("%q: got %q, want %q", tc.cmd, got, tc.want)
			}
		}
		m.Freeze()
		if got := chat(t, c, rx, "AT\r"); got != "" {
			t.Errorf("frozen modem said %q", got)
		}
	})
}

// TestBusyNumber: LineConfig.Busy answers BUSY for the numbers it names,
// from the digits dialled, without ringing the far end; other numbers
// ring.
func TestBusyNumber(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var asked []string
		l := sim.NewLine(sim.LineConfig{Busy: func(d string) bool { asked = append(asked, d); return d == "3225550000" }},
			sim.Config{}, sim.Config{})
		defer l.Close()
		a, b := l.A().Conn(), l.B().Conn()
		defer a.Close()
		defer b.Close()
		rxA, rxB := reader(a), reader(b)
		chat(t, a, rxA, "ATE0\r")
		chat(t, b, rxB, "ATE0\r")
		// chat waits 3 s for a final result it knows; BUSY is not one of
		// them, so what it returns is all the dial brought.
		if got := chat(t, a, rxA, "ATDT32,2555-0000\r"); got != "\r\nBUSY\r\n" {
			t.Fatalf("dialling the busy number: %q, want BUSY", got)
		}
		select {
		case p := <-rxB:
			t.Fatalf("the far end heard %q for a busy number", p)
		default:
		}
		if got := chat(t, a, rxA, "ATDT3225551212\r"); got != "" {
			t.Fatalf("dialling a free number: %q before the far end answered", got)
		}
		select {
		case p := <-rxB:
			if !bytes.Contains(p, []byte("RING")) {
				t.Fatalf("the far end got %q, want RING", p)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the far end never rang")
		}
		if len(asked) != 2 || asked[0] != "3225550000" || asked[1] != "3225551212" {
			t.Fatalf("Busy asked about %q", asked)
		}
	})
}
