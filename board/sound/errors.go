package sound

import "errors"

var (
	// ErrUnknownSound is returned for a sound name other than the Names.
	ErrUnknownSound = errors.New("sound: unknown alert")
	// ErrTooLarge is returned for an MP3 file over MaxFileSize bytes.
	ErrTooLarge = errors.New("sound: MP3 file too large")
	// ErrTooLong is returned for an MP3 file that decodes to more than
	// MaxDuration.
	ErrTooLong = errors.New("sound: MP3 file too long")
	// ErrFormat is wrapped by every error about an MP3 file that is not
	// one (corrupt, truncated, empty).
	ErrFormat = errors.New("sound: not a valid MP3 file")
	// ErrUnsupported is wrapped by the error about an MP3 file that is
	// valid but that Decode does not decode: MPEG-2 and MPEG-2.5 (sample
	// rates below 32 kHz), which go-mp3 decodes wrongly without an error.
	ErrUnsupported = errors.New("sound: unsupported MP3 file")
	// ErrNoAudio is returned by DetectOutput on a board without audio.
	ErrNoAudio = errors.New("sound: no audio output")
)
