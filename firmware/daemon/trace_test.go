package daemon_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/daemon"
	"faxbox/firmware/store"
	"faxbox/modem"
	"faxbox/modem/sim"
	"faxbox/pages"
	"faxbox/t30"
)

// TestTrace: every attempt that dials keeps a trace file under the data
// directory, named in the attempt: the T.30 frames and events of the call
// and the AT commands and answers of its modem, each call its own.
func TestTrace(t *testing.T) {
	e := newEnv(t, 50*billing.Unit)
	doc := []*pages.Page{testPage(t, 1)}
	wl := modem.NewWireLog(io.Discard)
	wl.MaxBinary = 16
	a, r := newLineConfig(t, sim.LineConfig{AnswerTimeout: 20 * time.Second}, modem.Config{WireLog: wl})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.answer = func(call int) bool { return call > 1 } // the first call is not answered
	go r.serve(ctx)

	// The retry waits until the remote has stopped listening for rings.
	b := fastBackoff
	b.NoAnswer = 1500 * time.Millisecond
	j := e.run(t, daemon.Config{Lines: []daemon.Line{{Name: "sim0", Modem: a, WireLog: wl}},
		Fax: t30.Options{Ident: "+32 2 555 0100"}, Backoff: b}, e.submit(t, doc).Jobs[0].ID)[0]
	if j.State != store.Delivered || len(j.History) != 2 {
		t.Fatalf("job %v after %d attempts: %s", j.State, len(j.History), reasons(j))
	}
	read := func(at store.Attempt) string {
		t.Helper()
		if at.TracePath != filepath.Join("traces", "attempt-"+strconv.FormatInt(at.ID, 10)+".log") {
			t.Fatalf("attempt %d: trace path %q", at.Number, at.TracePath)
		}
		b, err := os.ReadFile(filepath.Join(e.dir, at.TracePath))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	unanswered, delivered := read(j.History[0]), read(j.History[1])
	for _, want := range []string{"attempt 2 of 3 for job", "ATD", "CONNECT", "t30 recv", "DIS", "DCS", "CFR", "MCF",
		"t30 event", "page 1 confirmed", "result: ok"} {
		if !strings.Contains(delivered, want) {
			t.Errorf("the delivered call's trace lacks %q", want)
		}
	}
	for _, want := range []string{"attempt 1 of 3", "ATD", "NO ANSWER", "result: no-answer"} {
		if !strings.Contains(unanswered, want) {
			t.Errorf("the unanswered call's trace lacks %q", want)
		}
	}
	if strings.Contains(unanswered, "DCS") || strings.Contains(delivered, "NO ANSWER") {
		t.Error("one call's trace has the other's lines")
	}
	if t.Failed() {
		t.Logf("delivered call's trace:\n%s", delivered)
	}
	// The message shows the trace paths too.
	m, err := e.st.GetMessage(ctx, j.Message)
	if err != nil || m.Jobs[0].History[1].TracePath != j.History[1].TracePath {
		t.Fatalf("GetMessage: %+v %v", m.Jobs, err)
	}
}
