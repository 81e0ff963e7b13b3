package modem

import (
	"bytes"
	"strconv"
	"strings"
)

// Code is a final or unsolicited result code in verbose (ATV1) form.
type Code uint8

// Result codes (V.250 5.7, T.31 8.3). CodeNone means "not a result code".
const (
	CodeNone Code = iota
	CodeOK
	CodeConnect
	CodeRing
	CodeNoCarrier
	CodeError
	CodeNoDialTone
	CodeBusy
	CodeNoAnswer
	CodeFCError
)

var codeNames = [...]string{
	CodeNone:       "",
	CodeOK:         "OK",
	CodeConnect:    "CONNECT",
	CodeRing:       "RING",
	CodeNoCarrier:  "NO CARRIER",
	CodeError:      "ERROR",
	CodeNoDialTone: "NO DIALTONE",
	CodeBusy:       "BUSY",
	CodeNoAnswer:   "NO ANSWER",
	CodeFCError:    "+FCERROR",
}

// String returns the result code as the modem prints it.
func (c Code) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return "Code(" + strconv.Itoa(int(c)) + ")"
}

func (c Code) sentinel() error {
	switch c {
	case CodeNoCarrier:
		return ErrNoCarrier
	case CodeError:
		return ErrError
	case CodeNoDialTone:
		return ErrNoDialTone
	case CodeBusy:
		return ErrBusy
	case CodeNoAnswer:
		return ErrNoAnswer
	case CodeFCError:
		return ErrFCError
	}
	return nil
}

// ParseResult returns the result code a response line carries, or
// CodeNone. The line is given without CR/LF; surrounding blanks are
// ignored. "CONNECT <rate>" and "NO DIAL TONE" are accepted as variants.
func ParseResult(line []byte) Code {
	line = bytes.TrimSpace(line)
	switch string(line) { // no allocation: the compiler optimises this
	case "OK":
		return CodeOK
	case "CONNECT":
		return CodeConnect
	case "RING":
		return CodeRing
	case "NO CARRIER":
		return CodeNoCarrier
	case "ERROR":
		return CodeError
	case "NO DIALTONE", "NO DIAL TONE":
		return CodeNoDialTone
	case "BUSY":
		return CodeBusy
	case "NO ANSWER":
		return CodeNoAnswer
	case "+FCERROR", "+F4":
		return CodeFCError
	}
	if bytes.HasPrefix(line, []byte("CONNECT ")) {
		return CodeConnect
	}
	return CodeNone
}

// CallerID is what the modem reported between rings (Bellcore MDMF as
// printed by AT+VCID=1 modems: DATE, TIME, NMBR, NAME lines).
type CallerID struct {
	Number string `json:"number,omitempty"`
	Name   string `json:"name,omitempty"`
	Date   string `json:"date,omitempty"` // MMDD as sent by the network
	Time   string `json:"time,omitempty"` // hhmm as sent by the network
}

// parseCallerID stores a "KEY = value" caller ID line into c and reports
// whether the line was one.
func parseCallerID(line []byte, c *CallerID) bool {
	i := bytes.IndexByte(line, '=')
	if i <= 0 {
		return false
	}
	key := string(bytes.TrimSpace(line[:i]))
	val := strings.TrimSpace(string(line[i+1:]))
	switch key {
	case "NMBR":
		c.Number = val
	case "NAME":
		c.Name = val
	case "DATE":
		c.Date = val
	case "TIME":
		c.Time = val
	default:
		return false
	}
	return true
}

// printable reports whether line is plain text a modem could send as an
// information line.
func printable(line []byte) bool {
	for _, b := range line {
		if b < 0x20 || b > 0x7e {
			return false
		}
	}
	return true
}
