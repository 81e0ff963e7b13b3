package modem_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"faxbox/modem"
)

func TestParseResult(t *testing.T) {
	for in, want := range map[string]modem.Code{
		"OK": modem.CodeOK, " OK ": modem.CodeOK, "CONNECT": modem.CodeConnect, "CONNECT 9600": modem.CodeConnect,
		"RING": modem.CodeRing, "NO CARRIER": modem.CodeNoCarrier, "ERROR": modem.CodeError,
		"NO DIALTONE": modem.CodeNoDialTone, "NO DIAL TONE": modem.CodeNoDialTone, "BUSY": modem.CodeBusy,
		"NO ANSWER": modem.CodeNoAnswer, "+FCERROR": modem.CodeFCError, "OKAY": modem.CodeNone, "": modem.CodeNone,
		"NMBR = 123": modem.CodeNone,
	} {
		if got := modem.ParseResult([]byte(in)); got != want {
			t.Errorf("ParseResult(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestResultErrorIs(t *testing.T) {
	sentinels := map[modem.Code]error{
		modem.CodeNoCarrier: modem.ErrNoCarrier, modem.CodeBusy: modem.ErrBusy, modem.CodeNoDialTone: modem.ErrNoDialTone,
		modem.CodeNoAnswer: modem.ErrNoAnswer, modem.CodeError: modem.ErrError, modem.CodeFCError: modem.ErrFCError,
	}
	for code, want := range sentinels {
		err := error(&modem.ResultError{Cmd: "ATD1", Code: code})
		for _, other := range sentinels {
			if errors.Is(err, other) != (other == want) {
				t.Errorf("%v: errors.Is(%v) = %v", code, other, !(other == want))
			}
		}
		if !strings.HasPrefix(err.Error(), "modem: ATD1: ") {
			t.Errorf("message %q", err)
		}
	}
	if errors.Is(&modem.ResultError{Code: modem.CodeError}, modem.ErrBadFCS) {
		t.Error("plain ERROR matches ErrBadFCS")
	}
}

func TestModulations(t *testing.T) {
	got, err := modem.ParseModulations("(24,48,72-98,146)")
	if err != nil {
		t.Fatal(err)
	}
	want := []modem.Modulation{24, 48, 72, 73, 74, 96, 97, 98, 146}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, err := modem.ParseModulations("24,x"); err == nil {
		t.Error("accepted junk")
	}
	for m, s := range map[modem.Modulation]string{24: "V.27ter/2400", 96: "V.29/9600", 145: "V.17/14400", 146: "V.17/14400 short", 3: "V.21/300", 5: "Modulation(5)"} {
		if m.String() != s {
			t.Errorf("%d: %q, want %q", int(m), m.String(), s)
		}
	}
	js, _ := json.Marshal([]modem.Modulation{24, 146})
	if string(js) != "[24,146]" {
		t.Errorf("JSON %s", js)
	}
	c := modem.Capabilities{Transmit: []modem.Modulation{145, 24, 96, 146}, Receive: []modem.Modulation{24, 96}}
	if !slices.Equal(c.Rates(), []int{2400, 9600}) {
		t.Errorf("Rates %v", c.Rates())
	}
}

func TestQuirks(t *testing.T) {
	if q := modem.LookupQuirks(modem.Identity{ATI: "U.S. Robotics 56K FAX USB V1.2.23"}); q.Name != "usrobotics" || q.ResetDelay == 0 {
		t.Errorf("USR: %+v", q)
	}
	if q := modem.LookupQuirks(modem.Identity{Manufacturer: "Conexant"}); q.Name != "generic" {
		t.Errorf("unknown: %+v", q)
	}
}

func TestWireLog(t *testing.T) {
	var b bytes.Buffer
	l := modem.NewWireLog(&b)
	l.Log(modem.ToModem, []byte("AT+FRH=3\r"))
	l.Log(modem.FromModem, []byte("\r\nCONNECT\r\n\xff\x13\x80\x10\x10\x03\x10\x03\r\nOK\r\n"))
	l.MaxBinary = 2
	l.Log(modem.FromModem, []byte{1, 2, 3, 4})
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	want := []string{"<- AT+FRH=3", "-> CONNECT", "-> [8] ff 13 80 10 10 03 10 03", "-> OK", "-> [4] 01 02 ..."}
	if len(lines) != len(want) {
		t.Fatalf("log:\n%s", b.String())
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], "+0.0") || !strings.HasSuffix(lines[i], " "+w) {
			t.Errorf("line %d = %q, want %q", i, lines[i], w)
		}
	}
}

func TestUnstuffer(t *testing.T) {
	var u modem.Unstuffer
	in := []byte{1, 0x10, 0x10, 2, 0x10, 0x1a, 0x10, 'q', 0x10, 's', 0x10, 'x', 3, 0x10}
	out, n, end := u.Decode(nil, in)
	if end || n != len(in) {
		t.Fatalf("n %d end %v", n, end)
	}
	out, n, end = u.Decode(out, []byte{0x03, 9})
	if !end || n != 1 {
		t.Fatalf("n %d end %v", n, end)
	}
	if want := []byte{1, 0x10, 2, 0x10, 0x10, 0x11, 0x13, 3}; !bytes.Equal(out, want) {
		t.Errorf("got % x, want % x", out, want)
	}
	if got := modem.AppendStuffed(nil, []byte{0x10, 3, 0x10}); !bytes.Equal(got, []byte{0x10, 0x10, 3, 0x10, 0x10}) {
		t.Errorf("stuffed % x", got)
	}
}

func TestFCSCheckValue(t *testing.T) {
	// The check value of CRC-16/X.25 (the HDLC FCS) for "123456789".
	if got := modem.FCS([]byte("123456789")); got != 0x906e {
		t.Fatalf("FCS %#04x, want 0x906e", got)
	}
}
