package main

import (
	"os"
	"testing"

	"faxbox/pages/render/sandbox"
)

// TestMain lets the test binary be the render child of the daemons the
// tests start in this process (serve renders in a child process: this
// executable with sandbox.ChildCommand), as faxd's main does.
func TestMain(m *testing.M) {
	if len(os.Args) == 2 && os.Args[1] == sandbox.ChildCommand {
		os.Exit(sandbox.ChildMain())
	}
	os.Exit(m.Run())
}
