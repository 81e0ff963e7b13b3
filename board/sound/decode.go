package sound

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hajimehoshi/go-mp3"
)

// Bounds on what Decode accepts: alerts are short.
const (
	MaxFileSize = 512 << 10        // bytes of MP3
	MaxDuration = 10 * time.Second // of decoded sound
)

// Channels is the number of channels of every PCM: go-mp3 decodes mono
// files to stereo too.
const Channels = 2

// PCM is decoded sound: 16-bit signed samples, Channels interleaved
// (left, right, left, ...), at Rate samples per second per channel.
type PCM struct {
	Rate    int
	Samples []int16
}

// Frames returns the number of sample frames (one sample per channel).
func (p *PCM) Frames() int { return len(p.Samples) / Channels }

// Duration returns how long p plays.
func (p *PCM) Duration() time.Duration {
	if p.Rate <= 0 {
		return 0
	}
	return time.Duration(p.Frames()) * time.Second / time.Duration(p.Rate)
}

// Bytes returns the samples as little-endian bytes (ALSA's S16_LE).
func (p *PCM) Bytes() []byte {
	b := make([]byte, 2*len(p.Samples))
	for i, s := range p.Samples {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(s))
	}
	return b
}

// Scaled returns a copy of p at volume percent (0 to 100, clamped) of its
// amplitude.
func (p *PCM) Scaled(volume int) *PCM {
	volume = max(0, min(100, volume))
	q := &PCM{Rate: p.Rate, Samples: make([]int16, len(p.Samples))}
	for i, s := range p.Samples {
		q.Samples[i] = int16(int32(s) * int32(volume) / 100)
	}
	return q
}

// Decode reads one MPEG-1 Layer III file (32, 44.1 or 48 kHz) from r and
// decodes it. It returns ErrTooLarge for more than MaxFileSize bytes,
// ErrTooLong for more than MaxDuration of sound, an error wrapping
// ErrUnsupported for MPEG-2 and 2.5 files, and one wrapping ErrFormat for
// anything that is not a whole MP3 file. The sound starts with the codec's
// delay (about 50 ms of silence with lame's files): Decode does not trim
// it.
func Decode(r io.Reader) (pcm *PCM, err error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("sound: read MP3: %w", err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, MaxFileSize)
	}
	if err := checkFrames(data); err != nil {
		return nil, err
	}
	// go-mp3 indexes tables with values read from the file; a file
	// crafted to break it must not take the daemon down.
	defer func() {
		if p := recover(); p != nil {
			pcm, err = nil, fmt.Errorf("%w: decoder failed: %v", ErrFormat, p)
		}
	}()
	d, err := mp3.NewDecoder(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	rate := d.SampleRate()
	if rate < 32000 || rate > 48000 {
		return nil, fmt.Errorf("%w: sample rate %d Hz", ErrFormat, rate)
	}
	maxBytes := int64(MaxDuration/time.Millisecond) * int64(rate) / 1000 * Channels * 2
	if d.Length() > maxBytes {
		return nil, fmt.Errorf("%w: %v at %d Hz", ErrTooLong, time.Duration(d.Length()/(Channels*2))*time.Second/time.Duration(rate), rate)
	}
	raw, err := io.ReadAll(io.LimitReader(d, maxBytes+1))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if int64(len(raw)) > maxBytes {
		return nil, fmt.Errorf("%w: over %v", ErrTooLong, MaxDuration)
	}
	raw = raw[:len(raw)/(2*Channels)*(2*Channels)]
	if len(raw) == 0 {
		return nil, fmt.Errorf("%w: no sound in it", ErrFormat)
	}
	pcm = &PCM{Rate: rate, Samples: make([]int16, len(raw)/2)}
	for i := range pcm.Samples {
		pcm.Samples[i] = int16(binary.LittleEndian.Uint16(raw[2*i:]))
	}
	return pcm, nil
}
