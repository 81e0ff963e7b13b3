//go:build linux

package board_test

import (
	"strings"
	"testing"

	"faxbox/board"
)

// TestOpenChipMissing: a chip that is not there is a clear error.
func TestOpenChipMissing(t *testing.T) {
	chip, err := board.OpenChip("gpiochip-faxbox-none")
	if err == nil || chip != nil || !strings.Contains(err.Error(), `board: open GPIO chip "gpiochip-faxbox-none"`) {
		t.Fatalf("OpenChip = %v, %v", chip, err)
	}
}
