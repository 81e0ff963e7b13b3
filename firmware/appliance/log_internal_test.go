package appliance

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// TestJournalLog: on the journal every line starts with its syslog
// priority and has no time; elsewhere lines are slog's text with a time.
func TestJournalLog(t *testing.T) {
	var b bytes.Buffer
	log := slog.New(logHandler(&b, slog.LevelDebug, true)).With("modem", "ttyUSB0")
	log.Debug("probing")
	log.Info("idle")
	log.Warn("out of service", "err", "no device")
	log.Error("stopping")
	want := `<7>level=DEBUG msg=probing modem=ttyUSB0
<6>level=INFO msg=idle modem=ttyUSB0
<4>level=WARN msg="out of service" modem=ttyUSB0 err="no device"
<3>level=ERROR msg=stopping modem=ttyUSB0
`
	if b.String() != want {
		t.Errorf("journal lines:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	slog.New(logHandler(&b, slog.LevelInfo, false)).Debug("hidden")
	slog.New(logHandler(&b, slog.LevelInfo, false)).Info("idle")
	if got := b.String(); !strings.HasPrefix(got, "time=") || !strings.HasSuffix(got, " level=INFO msg=idle\n") {
		t.Errorf("terminal line %q", got)
	}
}
