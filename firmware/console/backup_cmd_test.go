//go:build linux

package console_test

import (
	"slices"
	"strings"
	"testing"
)

// TestPTYBackupRestore: backup writes where it is told and says so;
// restore asks for "restore" typed before it acts, and shows the
// backend's refusal of a damaged archive.
func TestPTYBackupRestore(t *testing.T) {
	fake := newFake()
	in := startPTY(t, ptyConfig(t, fake))
	in.login()
	if out := in.run("backup /media/usb/faxbox.tar.gz"); !strings.Contains(out, "backup written to /media/usb/faxbox.tar.gz") {
		t.Errorf("backup: %q", out)
	}
	in.typ("restore /media/usb/faxbox.tar.gz\r")
	in.expect(`Type "restore" to go ahead`)
	in.typ("no\r")
	if got := in.expect("faxbox# "); !strings.Contains(got, "Not confirmed: nothing done.") {
		t.Errorf("restore not confirmed: %q", got)
	}
	in.typ("restore /media/usb/damaged.tar.gz\r")
	in.expect("confirm: ")
	in.typ("restore\r")
	if got := in.expect("faxbox# "); !strings.Contains(got, "the archive is damaged: truncated") {
		t.Errorf("restore of a damaged archive: %q", got)
	}
	in.typ("restore /media/usb/faxbox.tar.gz\r")
	in.expect("confirm: ")
	in.typ("restore\r")
	if got := in.expect("faxbox# "); !strings.Contains(got, "restoring /media/usb/faxbox.tar.gz: restarting") {
		t.Errorf("restore: %q", got)
	}
	want := []string{"Backup /media/usb/faxbox.tar.gz", "Restore /media/usb/damaged.tar.gz", "Restore /media/usb/faxbox.tar.gz"}
	var got []string
	for _, c := range fake.Calls() {
		if strings.HasPrefix(c, "Backup") || strings.HasPrefix(c, "Restore") {
			got = append(got, c)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
}
