// Package installertest runs commands on a running appliance's installer
// console over its unix socket, as `faxd console` does, for the tests of
// the appliance. It is for tests only: it fails the test on any error.
package installertest

import (
	"io"
	"path/filepath"
	"testing"

	"faxbox/firmware/installer"
	"faxbox/internal/teststream"
)

// Status runs status on the console socket in dataDir (a console without
// a PIN) and returns what it printed, up to and with the next prompt.
func Status(t testing.TB, dataDir string) string {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- installer.Dial(t.Context(), filepath.Join(dataDir, installer.SocketName), inR, outW)
		outW.Close()
	}()
	out := teststream.New(t, outR)
	out.Expect("faxbox# ")
	inW.Write([]byte("status\r"))
	got := out.Expect("faxbox# ")
	inW.Write([]byte("quit\r"))
	out.Expect("Logged out.")
	if err := <-done; err != nil {
		t.Errorf("console: %v", err)
	}
	inW.Close()
	return got
}
