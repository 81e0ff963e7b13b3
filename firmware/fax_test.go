package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"faxbox/internal/pty"
	"faxbox/modem/sim"
	"faxbox/pages"
)

// simPorts serves the two modems of a simulated line (time compressed by
// scale) on pseudo-terminals, so faxd opens them as serial ports.
func simPorts(t *testing.T, lc sim.LineConfig) (a, b string) {
	t.Helper()
	line := sim.NewLine(lc, sim.Config{}, sim.Config{})
	t.Cleanup(func() { line.Close() })
	var paths []string
	for _, m := range []*sim.Modem{line.A(), line.B()} {
		p, err := pty.Open()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		go m.Serve(p.Master)
		paths = append(paths, p.SlavePath)
	}
	return paths[0], paths[1]
}

func decodeJSON(t *testing.T, out string) callJSON {
	t.Helper()
	var j callJSON
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &j); err != nil {
		t.Fatalf("not one line of JSON: %q: %v", out, err)
	}
	return j
}

func runFaxd(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

// TestSendReceiveCLI: faxd send and faxd receive on the two ends of a
// simulated line, through real pseudo-terminals.
func TestSendReceiveCLI(t *testing.T) {
	a, b := simPorts(t, sim.LineConfig{Scale: 20})
	dir := t.TempDir()
	want := testPages(t)[:1]
	doc := filepath.Join(dir, "doc.pbm")
	writePBMs(t, doc, append(want, want[0]))
	inbox := filepath.Join(dir, "in")
	os.Mkdir(inbox, 0o755)

	type out struct {
		code           int
		stdout, stderr string
	}
	rx := make(chan out, 1)
	go func() {
		c, o, e := runFaxd("receive", "--modem", b, "--flow", "none", "--ident", "+32 2 555 0199", "--out", inbox)
		rx <- out{c, o, e}
	}()
	// A text file goes too: rendered into a page after the PBM's two.
	note := filepath.Join(dir, "note.txt")
	os.WriteFile(note, []byte("Please call back.\n"), 0o644)
	code, so, se := runFaxd("send", "--modem", a, "--flow", "none", "--number", "5550199", "--ident", "+32 2 555 0100", doc, note)
	r := <-rx
	if code != 0 || r.code != 0 {
		t.Fatalf("send exit %d: %s %s\nreceive exit %d: %s %s", code, so, se, r.code, r.stdout, r.stderr)
	}
	sj, rj := decodeJSON(t, so), decodeJSON(t, r.stdout)
	if sj.Result != "ok" || sj.Pages != 3 || sj.Of != 3 || sj.BitRate != 14400 || sj.RemoteIdent != "+32 2 555 0199" || sj.ConnectedSeconds <= 0 {
		t.Fatalf("send JSON %+v", sj)
	}
	if rj.Result != "ok" || rj.Pages != 3 || rj.RemoteIdent != "+32 2 555 0100" || rj.File == "" {
		t.Fatalf("receive JSON %+v", rj)
	}
	data, err := os.ReadFile(rj.File)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := pages.ReadTIFF(data)
	if err != nil || len(got) != 3 {
		t.Fatalf("stored fax: %d pages, %v", len(got), err)
	}
	for i := range got[:2] {
		if !got[i].Equal(want[0]) {
			t.Fatalf("page %d differs", i+1)
		}
	}
}

// TestSendFailures: a busy line and a missing modem give a clear outcome
// and a non-zero exit.
func TestSendFailures(t *testing.T) {
	dir := t.TempDir()
	doc := filepath.Join(dir, "doc.pbm")
	writePBMs(t, doc, testPages(t)[:1])

	a, _ := simPorts(t, sim.LineConfig{Scale: 20, NoDialTone: true})
	code, so, _ := runFaxd("send", "--modem", a, "--flow", "none", "--number", "5550199", doc)
	if j := decodeJSON(t, so); code != 1 || j.Result != "no-dialtone" || j.Pages != 0 || !strings.Contains(j.Text, "dial tone") {
		t.Fatalf("exit %d, %+v", code, j)
	}
	code, _, se := runFaxd("send", "--modem", "/dev/nonexistent-modem", "--number", "1", doc)
	if code != 1 || !strings.Contains(se, "/dev/nonexistent-modem") {
		t.Fatalf("missing modem: exit %d, %q", code, se)
	}
	for _, args := range [][]string{
		{"send", "--modem", a, doc},                                        // no number
		{"send", "--modem", a, "--number", "1", "--max-rate", "9999", doc}, // bad rate
		{"send", "--modem", a, "--number", "1", filepath.Join(dir, "missing.pbm")},
		{"receive", "--modem", a, "--out", filepath.Join(dir, "nodir")},
	} {
		if code, _, _ := runFaxd(args...); code == 0 {
			t.Errorf("%v: exit 0", args)
		}
	}
}
