package console_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"faxbox/firmware/console"
)

func TestRing(t *testing.T) {
	var next bytes.Buffer
	r := console.NewRing(3, slog.NewTextHandler(&next, &slog.HandlerOptions{Level: slog.LevelDebug}))
	log := slog.New(r).With("modem", "ttyUSB0")
	log.Debug("not kept")
	log.Info("one")
	log.Warn("two", "n", 2)
	log.Error("three")
	log.WithGroup("call").Info("four", "job", 7)

	got := r.Lines(10, false)
	if len(got) != 3 {
		t.Fatalf("Lines: %q, want the last 3", got)
	}
	for i, want := range []string{"level=WARN msg=two modem=ttyUSB0 n=2", "level=ERROR msg=three modem=ttyUSB0", "level=INFO msg=four modem=ttyUSB0 call.job=7"} {
		if !strings.HasPrefix(got[i], "time=") || !strings.HasSuffix(got[i], want) {
			t.Errorf("line %d: %q, want ...%q", i, got[i], want)
		}
	}
	if e := r.Lines(10, true); len(e) != 2 || !strings.Contains(e[0], "msg=two") || !strings.Contains(e[1], "msg=three") {
		t.Errorf("errors only: %q", e)
	}
	if l := r.Lines(1, false); len(l) != 1 || !strings.Contains(l[0], "msg=four") {
		t.Errorf("Lines(1): %q", l)
	}
	// Every record, debug included, went on to the next handler.
	for _, m := range []string{"not kept", "one", "two", "three", "four"} {
		if !strings.Contains(next.String(), fmt.Sprintf("msg=%q", m)) && !strings.Contains(next.String(), "msg="+m+" ") {
			t.Errorf("next handler lacks %q:\n%s", m, next.String())
		}
	}
}
