package sound

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	found := func(string) (string, error) { return "/usr/bin/aplay", nil }
	missing := func(string) (string, error) { return "", errors.New("not found") }
	cards := t.TempDir()
	if err := os.WriteFile(filepath.Join(cards, "pcmC0D0p"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := detect(found, cards); err != nil || out != (Aplay{Path: "/usr/bin/aplay"}) {
		t.Errorf("aplay and a card: %v, %v", out, err)
	}
	if _, err := detect(missing, cards); !errors.Is(err, ErrNoAudio) || !strings.Contains(err.Error(), "alsa-utils") {
		t.Errorf("no aplay: %v", err)
	}
	if _, err := detect(found, filepath.Join(cards, "none")); !errors.Is(err, ErrNoAudio) || !strings.Contains(err.Error(), "no sound card") {
		t.Errorf("no card: %v", err)
	}
}

// TestSilentPlayer: a board without audio gets a player that says so once
// and then plays nothing, without errors.
func TestSilentPlayer(t *testing.T) {
	var log bytes.Buffer
	p := newPlayer(Config{Volume: 70, Logger: slog.New(slog.NewTextHandler(&log, nil))},
		func() (Output, error) { return nil, errors.New("sound: no audio output: no sound card in /dev/snd") })
	for range 3 {
		if err := p.Play(t.Context(), Delivered); err != nil {
			t.Fatal(err)
		}
	}
	if last, _ := p.Last(); last.Skipped != "no audio output" {
		t.Errorf("last %+v", last)
	}
	if n := strings.Count(log.String(), "alerts are silent"); n != 1 || !strings.Contains(log.String(), "no sound card") {
		t.Errorf("log %q", log.String())
	}
}

// TestFrameSize checks frame lengths against the standard's examples.
func TestFrameSize(t *testing.T) {
	for _, tc := range []struct {
		h    uint32
		want int
	}{
		{0xfffb9064, 417}, // MPEG-1, 128 kbit/s, 44.1 kHz: 144*128000/44100
		{0xfffb9264, 418}, // the same, padded
		{0xfff34064, 104}, // MPEG-2, 32 kbit/s, 22.05 kHz: 72*32000/22050
		{0xfff35864, 180}, // MPEG-2, 40 kbit/s, 16 kHz
		{0xffe31064, 52},  // MPEG-2.5, 8 kbit/s, 11.025 kHz: 72*8000/11025
	} {
		if got, err := frameSize(tc.h); err != nil || got != tc.want {
			t.Errorf("frameSize(%08x) = %d, %v; want %d", tc.h, got, err, tc.want)
		}
	}
	for _, h := range []uint32{0x00000000, 0xffea9064, 0xfffd9064, 0xfffb0064, 0xfffbf064, 0xfffb9c64} {
		if _, err := frameSize(h); err == nil {
			t.Errorf("frameSize(%08x) accepted", h)
		}
	}
}
