package dbcompat

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// What testdata/faxbox-v1.db holds, as makefixture_test.go wrote it.
const (
	fixtureFile      = "faxbox-v1.db"
	adminPassword    = "correct horse battery"
	alicePassword    = "alice's own passphrase"
	fixtureMessageID = "<invoice-42@mail.example.com>"
)

var fixtureTime = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

func sha(c byte) string { return strings.Repeat(string(c), 64) }

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
