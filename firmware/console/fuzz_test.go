package console_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/console"
)

// FuzzSession types arbitrary bytes into a console: it must neither panic
// nor hang, must end with a logout or the end of the input, and must only
// ever write CRLF line ends.
func FuzzSession(f *testing.F) {
	f.Add([]byte("status\r\nhelp\rhelp modem\nset ident +32 2\x7f\x7f\r"))
	f.Add([]byte("log 3\r\x03\x15set organisation Caf\xc3\xa9\r\x1b[A\x1bOBquit\r"))
	f.Add([]byte("factory-reset\rerase everything\r\xff\xfe\x00\x04"))
	f.Add([]byte("\xe2\x82"))
	f.Fuzz(func(t *testing.T, input []byte) {
		var out bytes.Buffer
		rw := struct {
			io.Reader
			io.Writer
		}{bytes.NewReader(input), &out}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := console.Run(ctx, rw, console.Config{Backend: newFake(), NoPIN: true, Logger: discardLogger()})
		if err != nil && !errors.Is(err, console.ErrHangUp) {
			t.Errorf("Run: %v", err)
		}
		if ctx.Err() != nil {
			t.Fatal("the session hung")
		}
		if strings.Contains(strings.ReplaceAll(out.String(), "\r\n", ""), "\n") {
			t.Errorf("a bare LF in the output: %q", out.String())
		}
	})
}
