package sound

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// Output plays raw PCM: 16-bit little-endian samples, channels
// interleaved, at rate samples per second per channel. Play returns when
// the sound has been played (or handed to the sound card).
type Output interface {
	Play(ctx context.Context, rate, channels int, pcm []byte) error
}

// Aplay plays PCM through ALSA's aplay, which reads it on its standard
// input: aplay -q -t raw -f S16_LE -c CHANNELS -r RATE [-D DEVICE].
type Aplay struct {
	// Path is the aplay program; "" finds "aplay" in $PATH.
	Path string
	// Device is the ALSA device (aplay -D); "" is ALSA's default.
	Device string
}

// Args returns aplay's arguments for rate and channels.
func (a Aplay) Args(rate, channels int) []string {
	args := []string{"-q", "-t", "raw", "-f", "S16_LE", "-c", strconv.Itoa(channels), "-r", strconv.Itoa(rate)}
	if a.Device != "" {
		args = append(args, "-D", a.Device)
	}
	return args
}

// Play runs aplay on pcm and waits for it to finish; ctx's end kills it.
func (a Aplay) Play(ctx context.Context, rate, channels int, pcm []byte) error {
	path := a.Path
	if path == "" {
		path = "aplay"
	}
	cmd := exec.CommandContext(ctx, path, a.Args(rate, channels)...)
	cmd.Stdin = bytes.NewReader(pcm)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 200 {
			msg = msg[:200]
		}
		return fmt.Errorf("sound: %s: %w: %s", path, err, msg)
	}
	return nil
}

// DetectOutput returns Aplay when this machine can play sound: aplay in
// $PATH and ALSA devices in /dev/snd. Otherwise it returns an error
// wrapping ErrNoAudio that says what is missing.
func DetectOutput() (Output, error) { return detect(exec.LookPath, "/dev/snd") }

// detect is DetectOutput with its look-ups injected.
func detect(lookPath func(string) (string, error), sndDir string) (Output, error) {
	path, err := lookPath("aplay")
	if err != nil {
		return nil, fmt.Errorf("%w: aplay not found (Debian package alsa-utils)", ErrNoAudio)
	}
	if entries, err := os.ReadDir(sndDir); err != nil || len(entries) == 0 {
		return nil, fmt.Errorf("%w: no sound card in %s", ErrNoAudio, sndDir)
	}
	return Aplay{Path: path}, nil
}
