package sound_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"faxbox/board/sound"
)

// FuzzDecode: whatever the bytes, Decode returns sound within its bounds
// or an error, never a panic (not even one of go-mp3's, which Decode
// would turn into an error saying "decoder failed").
func FuzzDecode(f *testing.F) {
	good := readFile(f, tone{freq: 1000, seconds: 0.2, amp: 0.5, rate: 32000, channels: 1, kbps: 32}.mp3(f))
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(good[:200])
	f.Add([]byte{})
	f.Add([]byte("ID3\x04\x00\x00\x00\x00\x00\x05hello"))
	f.Add([]byte{0xff, 0xfb, 0x90, 0x64})
	f.Fuzz(func(t *testing.T, data []byte) {
		pcm, err := sound.Decode(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, sound.ErrFormat) && !errors.Is(err, sound.ErrTooLong) && !errors.Is(err, sound.ErrTooLarge) &&
				!errors.Is(err, sound.ErrUnsupported) {
				t.Fatalf("error of no known kind: %v", err)
			}
			if strings.Contains(err.Error(), "decoder failed") {
				t.Fatalf("go-mp3 panicked: %v", err)
			}
			return
		}
		if pcm.Frames() == 0 || len(pcm.Samples)%sound.Channels != 0 || pcm.Duration() > sound.MaxDuration ||
			pcm.Rate < 32000 || pcm.Rate > 48000 {
			t.Fatalf("decoded %d samples at %d Hz", len(pcm.Samples), pcm.Rate)
		}
	})
}
