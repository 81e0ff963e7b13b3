package sound_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"faxbox/board/boardtest"
	"faxbox/board/sound"
)

var _ sound.Output = (*boardtest.Audio)(nil)

// tone is a sine made with sox and encoded with lame.
type tone struct {
	freq     int     // Hz
	seconds  float64 // length
	amp      float64 // peak, of full scale
	rate     int     // sample rate
	channels int
	kbps     int // lame's bit rate
}

// mp3 makes t's MP3 file with Debian's sox and lame (make test installs
// them) and returns its path.
func (tn tone) mp3(t testing.TB) string {
	t.Helper()
	for _, prog := range []string{"sox", "lame"} {
		if _, err := exec.LookPath(prog); err != nil {
			t.Fatalf("%s is needed: apt-get install sox lame", prog)
		}
	}
	dir := t.TempDir()
	wav, mp3 := filepath.Join(dir, "tone.wav"), filepath.Join(dir, "tone.mp3")
	run(t, "sox", "-q", "-n", "-r", fmt.Sprint(tn.rate), "-c", fmt.Sprint(tn.channels), "-b", "16", wav,
		"synth", fmt.Sprint(tn.seconds), "sine", fmt.Sprint(tn.freq), "vol", fmt.Sprint(tn.amp))
	mode := "s"
	if tn.channels == 1 {
		mode = "m"
	}
	run(t, "lame", "--quiet", "-m", mode, "-b", fmt.Sprint(tn.kbps), "--resample", fmt.Sprint(float64(tn.rate)/1000), wav, mp3)
	return mp3
}

func run(t testing.TB, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func decodeFile(t testing.TB, path string) *sound.PCM {
	t.Helper()
	pcm, err := sound.Decode(bytes.NewReader(readFile(t, path)))
	if err != nil {
		t.Fatalf("Decode %s: %v", path, err)
	}
	return pcm
}

// channel returns channel c of pcm's frames from..to.
func channel(pcm *sound.PCM, c, from, to int) []float64 {
	out := make([]float64, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, float64(pcm.Samples[i*sound.Channels+c]))
	}
	return out
}

// frequency measures the frequency of a sine from its zero crossings.
func frequency(x []float64, rate int) float64 {
	first, last, n := -1, -1, 0
	for i := 1; i < len(x); i++ {
		if x[i-1] < 0 && x[i] >= 0 { // upward crossing
			if first < 0 {
				first = i
			}
			last = i
			n++
		}
	}
	return float64(n-1) * float64(rate) / float64(last-first)
}

func peak(x []float64) float64 {
	var p float64
	for _, v := range x {
		p = max(p, math.Abs(v))
	}
	return p
}

func rms(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	return math.Sqrt(s / float64(len(x)))
}

// lameDecode decodes path with lame itself, the reference: raw 16-bit
// samples, the codec delay and padding trimmed (LAME tag).
func lameDecode(t testing.TB, path string) []int16 {
	t.Helper()
	raw := filepath.Join(t.TempDir(), "ref.raw")
	run(t, "lame", "--quiet", "--decode", "-t", "--little-endian", path, raw)
	b := readFile(t, raw)
	out := make([]int16, len(b)/2)
	for i := range out {
		out[i] = int16(uint16(b[2*i]) | uint16(b[2*i+1])<<8)
	}
	return out
}

// align returns the frame of pcm at which ref (of refChannels) starts,
// matching channel 0 on a window in the middle of ref (the start may be
// silence).
func align(pcm *sound.PCM, ref []int16, refChannels int) int {
	refFrames := len(ref) / refChannels
	w0, n := refFrames/2, min(2000, refFrames/4)
	best, bestDiff := 0, math.Inf(1)
	for off := 0; off+w0+n <= pcm.Frames() && off < 5000; off++ {
		var d float64
		for i := w0; i < w0+n; i++ {
			d += math.Abs(float64(pcm.Samples[(off+i)*sound.Channels]) - float64(ref[i*refChannels]))
		}
		if d < bestDiff {
			best, bestDiff = off, d
		}
	}
	return best
}

// TestDecodeTone decodes MP3 files of known tones made by sox and lame
// and checks the PCM: rate, length, frequency and amplitude of the tone,
// and every sample against lame's own decoding of the file.
func TestDecodeTone(t *testing.T) {
	for _, tn := range []tone{
		{freq: 1000, seconds: 0.5, amp: 0.5, rate: 44100, channels: 2, kbps: 128},
		{freq: 440, seconds: 1, amp: 0.8, rate: 32000, channels: 1, kbps: 48},
		{freq: 1000, seconds: 0.3, amp: 0.25, rate: 48000, channels: 2, kbps: 192},
	} {
		t.Run(fmt.Sprintf("%dHz_%dHz_%dch", tn.freq, tn.rate, tn.channels), func(t *testing.T) {
			path := tn.mp3(t)
			pcm := decodeFile(t, path)
			if pcm.Rate != tn.rate || len(pcm.Samples)%sound.Channels != 0 {
				t.Fatalf("rate %d, %d samples", pcm.Rate, len(pcm.Samples))
			}
			want := int(tn.seconds * float64(tn.rate))
			// go-mp3 plays lame's Info frame (a frame of silence, 1152
			// frames) and the codec delay (576 + 529) before the tone, and
			// pads the end to a whole MP3 frame.
			const mp3Frame = 1152
			lead := mp3Frame + 576 + 529
			if n := pcm.Frames(); n < lead+want || n > lead+want+mp3Frame {
				t.Errorf("%d frames, want %d to %d", n, lead+want, lead+want+mp3Frame)
			}
			if p := peak(channel(pcm, 0, 0, mp3Frame)); p != 0 {
				t.Errorf("peak %v in the Info frame", p)
			}
			// Every sample equals lame's own decoding, within the rounding
			// of two decoders (lame trims the delay, or some of it).
			ref := lameDecode(t, path)
			off := align(pcm, ref, tn.channels)
			var maxDiff float64
			n := min(len(ref)/tn.channels, pcm.Frames()-off)
			if n < want {
				t.Fatalf("%d frames in common with lame's decoding", n)
			}
			for i := range n {
				for c := range sound.Channels {
					r := ref[i*tn.channels+min(c, tn.channels-1)] // mono: both channels
					maxDiff = max(maxDiff, math.Abs(float64(pcm.Samples[(off+i)*sound.Channels+c])-float64(r)))
				}
			}
			if maxDiff > 2 {
				t.Errorf("samples differ from lame's by up to %v", maxDiff)
			}
			// The tone itself, away from its edges: MP3 keeps the
			// frequency exactly and the amplitude within a few percent.
			from, to := lead+tn.rate/20, lead+want-tn.rate/20
			fullScale := 32767 * tn.amp
			for c := range sound.Channels {
				x := channel(pcm, c, from, to)
				if f := frequency(x, pcm.Rate); math.Abs(f-float64(tn.freq)) > 0.002*float64(tn.freq) {
					t.Errorf("channel %d: %.2f Hz, want %d", c, f, tn.freq)
				}
				if p := peak(x); math.Abs(p-fullScale) > 0.07*fullScale {
					t.Errorf("channel %d: peak %.0f, want %.0f ± 7%%", c, p, fullScale)
				}
				if r, p := rms(x), peak(x); math.Abs(r-p/math.Sqrt2) > 0.01*p {
					t.Errorf("channel %d: RMS %.0f for peak %.0f: not a sine", c, r, p)
				}
			}
			// Bytes are the samples, S16_LE.
			b := pcm.Bytes()
			if i := len(pcm.Samples) / 2; len(b) != 2*len(pcm.Samples) || int16(uint16(b[2*i])|uint16(b[2*i+1])<<8) != pcm.Samples[i] {
				t.Errorf("Bytes do not hold the samples little-endian")
			}
			t.Logf("%d frames, lame's from %d, %d compared, max difference %v", pcm.Frames(), off, n, maxDiff)
		})
	}
}

// TestDecodeBad: what is not an MP3 file, or not a whole one, is an error
// wrapping ErrFormat, never a panic or a partial sound.
func TestDecodeBad(t *testing.T) {
	good := readFile(t, tone{freq: 1000, seconds: 0.5, amp: 0.5, rate: 44100, channels: 2, kbps: 128}.mp3(t))
	noise := make([]byte, 4096)
	for i := range noise {
		noise[i] = byte(i*7919 + i*i*31)
	}
	flipped := bytes.Clone(good)
	for i := 0; i < len(flipped); i += 7 {
		flipped[i] ^= 0x55
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"text", []byte("this is not an MP3 file, it is a note to the installer\n")},
		{"header only", good[:4]},
		{"truncated in the first frame", good[:100]},
		{"truncated in a later frame", good[:len(good)-100]},
		{"one stray byte", append(bytes.Clone(good), 0xff)},
		{"noise", noise},
		{"every 7th byte flipped", flipped},
		{"ID3 tag and nothing", []byte("ID3\x04\x00\x00\x00\x00\x00\x05hello")},
		{"WAV", []byte("RIFF\x24\x00\x00\x00WAVEfmt ")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pcm, err := sound.Decode(bytes.NewReader(tc.data))
			if !errors.Is(err, sound.ErrFormat) || pcm != nil {
				t.Fatalf("Decode = %v, %v; want an ErrFormat", pcm, err)
			}
			t.Log(err)
		})
	}
	// What the tags around the frames hold is not checked.
	tagged := append([]byte("ID3\x04\x00\x00\x00\x00\x00\x05hello"), good...)
	tagged = append(tagged, append([]byte("TAG"), make([]byte, 125)...)...)
	if _, err := sound.Decode(bytes.NewReader(tagged)); err != nil {
		t.Errorf("an MP3 file with ID3v2 and ID3v1 tags: %v", err)
	}
}

// TestDecodeMPEG2: go-mp3 garbles MPEG-2 files (22.05 kHz here: a
// 440 Hz tone comes out near 419 Hz and clipped), so Decode refuses them.
func TestDecodeMPEG2(t *testing.T) {
	for _, rate := range []int{22050, 16000, 11025} {
		path := tone{freq: 440, seconds: 0.5, amp: 0.5, rate: rate, channels: 1, kbps: 32}.mp3(t)
		if _, err := sound.Decode(bytes.NewReader(readFile(t, path))); !errors.Is(err, sound.ErrUnsupported) {
			t.Errorf("%d Hz: %v", rate, err)
		}
	}
}

func TestDecodeLimits(t *testing.T) {
	big := make([]byte, sound.MaxFileSize+1)
	if _, err := sound.Decode(bytes.NewReader(big)); !errors.Is(err, sound.ErrTooLarge) {
		t.Errorf("%d bytes: %v", len(big), err)
	}
	long := tone{freq: 440, seconds: 11, amp: 0.5, rate: 32000, channels: 1, kbps: 32}.mp3(t)
	if _, err := sound.Decode(bytes.NewReader(readFile(t, long))); !errors.Is(err, sound.ErrTooLong) {
		t.Errorf("11 s: %v", err)
	}
	ok := tone{freq: 440, seconds: 9.5, amp: 0.5, rate: 32000, channels: 1, kbps: 32}.mp3(t)
	if pcm := decodeFile(t, ok); pcm.Duration() < 9500*time.Millisecond || pcm.Duration() > sound.MaxDuration {
		t.Errorf("9.5 s decodes to %v", pcm.Duration())
	}
}

func TestScaled(t *testing.T) {
	pcm := &sound.PCM{Rate: 8000, Samples: []int16{32767, -32768, 1000, -1000, 1, 0}}
	for _, tc := range []struct {
		volume int
		want   []int16
	}{
		{100, []int16{32767, -32768, 1000, -1000, 1, 0}},
		{50, []int16{16383, -16384, 500, -500, 0, 0}},
		{70, []int16{22936, -22937, 700, -700, 0, 0}},
		{0, []int16{0, 0, 0, 0, 0, 0}},
		{150, []int16{32767, -32768, 1000, -1000, 1, 0}}, // clamped
		{-5, []int16{0, 0, 0, 0, 0, 0}},
	} {
		got := pcm.Scaled(tc.volume)
		if fmt.Sprint(got.Samples) != fmt.Sprint(tc.want) || got.Rate != 8000 {
			t.Errorf("volume %d: %v, want %v", tc.volume, got.Samples, tc.want)
		}
	}
	if pcm.Samples[0] != 32767 {
		t.Error("Scaled changed its receiver")
	}
}

func TestQuietHours(t *testing.T) {
	q, err := sound.ParseQuietHours("22:00-07:00")
	if err != nil || q.String() != "22:00-07:00" {
		t.Fatalf("%v %v", q, err)
	}
	brussels := time.FixedZone("CET", 3600)
	for _, tc := range []struct {
		t     time.Time
		quiet bool
	}{
		{time.Date(2026, 11, 26, 21, 59, 59, 0, time.UTC), false},
		{time.Date(2026, 11, 26, 22, 0, 0, 0, time.UTC), true},
		{time.Date(2026, 11, 26, 23, 59, 59, 0, time.UTC), true},
		{time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), true},
		{time.Date(2026, 11, 27, 6, 59, 59, 0, time.UTC), true},
		{time.Date(2026, 11, 27, 7, 0, 0, 0, time.UTC), false},
		{time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC), false},
		// The wall clock of the time's own location counts: 21:30 UTC is
		// 22:30 in Brussels.
		{time.Date(2026, 11, 26, 21, 30, 0, 0, time.UTC).In(brussels), true},
	} {
		if got := q.Contains(tc.t); got != tc.quiet {
			t.Errorf("%v: quiet %v, want %v", tc.t, got, tc.quiet)
		}
	}
	day, err := sound.ParseQuietHours("12:00-13:30")
	if err != nil {
		t.Fatal(err)
	}
	for h, want := range map[int]bool{11: false, 12: true, 13: true, 14: false, 0: false} {
		if got := day.Contains(time.Date(2026, 1, 1, h, 15, 0, 0, time.UTC)); got != want {
			t.Errorf("12:00-13:30 at %d:15: %v", h, got)
		}
	}
	if none, err := sound.ParseQuietHours(""); err != nil || none.Contains(time.Date(2026, 1, 1, 23, 0, 0, 0, time.UTC)) {
		t.Errorf("empty quiet hours: %v, %v", none, err)
	}
	for _, bad := range []string{"22:00", "25:00-07:00", "22:00-22:00", "ab-cd", "22:00-07:00-08:00"} {
		if _, err := sound.ParseQuietHours(bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("ParseQuietHours(%q): %v", bad, err)
		}
	}
}

// clock is a settable time of day for a Player.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// TestPlayer plays an installer's file at volume 50 during and outside
// quiet hours, into a fake audio output that keeps the PCM.
func TestPlayer(t *testing.T) {
	dir := t.TempDir()
	src := tone{freq: 1000, seconds: 0.5, amp: 0.5, rate: 44100, channels: 2, kbps: 128}.mp3(t)
	if err := os.WriteFile(filepath.Join(dir, "delivered.mp3"), readFile(t, src), 0o644); err != nil {
		t.Fatal(err)
	}
	want := decodeFile(t, src).Scaled(50).Bytes()
	q, _ := sound.ParseQuietHours("22:00-07:00")
	clk := &clock{time.Date(2026, 11, 26, 23, 30, 0, 0, time.UTC)}
	audio := &boardtest.Audio{}
	p := sound.NewPlayer(sound.Config{Dir: dir, Volume: 50, Quiet: q, Output: audio, Now: clk.now})

	if _, ok := p.Last(); ok {
		t.Error("Last before any alert")
	}
	if err := p.Play(t.Context(), sound.Delivered); err != nil {
		t.Fatal(err)
	}
	if last, _ := p.Last(); len(audio.Plays()) != 0 || last.Skipped != "quiet hours" || last.Name != sound.Delivered || !last.At.Equal(clk.t) {
		t.Errorf("at 23:30: %d plays, last %+v", len(audio.Plays()), last)
	}

	clk.t = time.Date(2026, 11, 27, 7, 0, 0, 0, time.UTC)
	if err := p.Play(t.Context(), sound.Delivered); err != nil {
		t.Fatal(err)
	}
	plays := audio.Plays()
	if len(plays) != 1 || plays[0].Rate != 44100 || plays[0].Channels != 2 || !bytes.Equal(plays[0].PCM, want) {
		t.Fatalf("at 07:00: %d plays", len(plays))
	}
	last, _ := p.Last()
	if last.Skipped != "" || last.Source != filepath.Join(dir, "delivered.mp3") || last.Duration < 500*time.Millisecond {
		t.Errorf("last %+v", last)
	}

	// The other alerts are not in dir: the built-in ones play.
	if err := p.Play(t.Context(), sound.Received); err != nil {
		t.Fatal(err)
	}
	if last, _ := p.Last(); last.Source != "builtin:received.mp3" || len(audio.Plays()) != 2 {
		t.Errorf("last %+v", last)
	}

	if err := p.Play(t.Context(), "../../etc/passwd"); !errors.Is(err, sound.ErrUnknownSound) {
		t.Errorf("unknown sound: %v", err)
	}
}

// TestPlayerFallback: an installer's file that is not an MP3 file is
// logged, and the built-in sound played.
func TestPlayerFallback(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "failed.mp3"), []byte("not an mp3"), 0o644); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	audio := &boardtest.Audio{}
	p := sound.NewPlayer(sound.Config{Dir: dir, Volume: 100, Output: audio,
		Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err := p.Play(t.Context(), sound.Failed); err != nil {
		t.Fatal(err)
	}
	if last, _ := p.Last(); last.Source != "builtin:failed.mp3" || len(audio.Plays()) != 1 {
		t.Errorf("last %+v", last)
	}
	if !strings.Contains(log.String(), "failed.mp3") || !strings.Contains(log.String(), "not a valid MP3 file") {
		t.Errorf("log: %s", log.String())
	}
}

// TestBuiltinSounds: every built-in alert decodes to a short chime that
// is not silence.
func TestBuiltinSounds(t *testing.T) {
	audio := &boardtest.Audio{}
	p := sound.NewPlayer(sound.Config{Volume: 100, Output: audio})
	for _, name := range sound.Names() {
		if err := p.Play(t.Context(), name); err != nil {
			t.Fatal(err)
		}
		last, _ := p.Last()
		play := audio.Plays()[len(audio.Plays())-1]
		pcm := &sound.PCM{Rate: play.Rate}
		for i := 0; i+1 < len(play.PCM); i += 2 {
			pcm.Samples = append(pcm.Samples, int16(uint16(play.PCM[i])|uint16(play.PCM[i+1])<<8))
		}
		x := channel(pcm, 0, 0, pcm.Frames())
		if last.Duration < 300*time.Millisecond || last.Duration > 2*time.Second || peak(x) < 8000 {
			t.Errorf("%s: %v, peak %v", name, last.Duration, peak(x))
		}
	}
}

// TestAplay plays through a fake aplay, a script that keeps its arguments
// and its standard input, and checks both to the byte.
func TestAplay(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "aplay")
	body := "#!/bin/sh\necho \"$@\" > " + filepath.Join(dir, "args") + "\ncat > " + filepath.Join(dir, "pcm") + "\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	src := tone{freq: 1000, seconds: 0.5, amp: 0.5, rate: 44100, channels: 2, kbps: 128}.mp3(t)
	if err := os.WriteFile(filepath.Join(dir, "low-credit.mp3"), readFile(t, src), 0o644); err != nil {
		t.Fatal(err)
	}
	p := sound.NewPlayer(sound.Config{Dir: dir, Volume: 70, Output: sound.Aplay{Path: script, Device: "plughw:0"}})
	if err := p.Play(t.Context(), sound.LowCredit); err != nil {
		t.Fatal(err)
	}
	if args := strings.TrimSpace(string(readFile(t, filepath.Join(dir, "args")))); args != "-q -t raw -f S16_LE -c 2 -r 44100 -D plughw:0" {
		t.Errorf("aplay %s", args)
	}
	if got, want := readFile(t, filepath.Join(dir, "pcm")), decodeFile(t, src).Scaled(70).Bytes(); !bytes.Equal(got, want) {
		t.Errorf("aplay got %d bytes, want %d", len(got), len(want))
	}

	// An aplay that fails: the error says what it said.
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho 'aplay: main:831: audio open error: No such file or directory' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := p.Play(t.Context(), sound.LowCredit)
	if err == nil || !strings.Contains(err.Error(), "audio open error") {
		t.Errorf("failing aplay: %v", err)
	}
	if last, _ := p.Last(); !strings.Contains(last.Skipped, "audio open error") {
		t.Errorf("last %+v", last)
	}

	// An aplay that hangs is killed when ctx ends.
	if err := os.WriteFile(script, []byte("#!/bin/sh\nexec sleep 60\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := p.Play(ctx, sound.LowCredit); err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("hanging aplay: %v after %v", err, time.Since(start))
	}
}

// TestVolumeZero: nothing is played at volume 0.
func TestVolumeZero(t *testing.T) {
	audio := &boardtest.Audio{}
	p := sound.NewPlayer(sound.Config{Volume: 0, Output: audio})
	if err := p.Play(t.Context(), sound.Delivered); err != nil {
		t.Fatal(err)
	}
	if last, _ := p.Last(); len(audio.Plays()) != 0 || last.Skipped != "volume 0" {
		t.Errorf("%d plays, last %+v", len(audio.Plays()), last)
	}
}

// BenchmarkDecode decodes half a second of 44.1 kHz stereo at 128 kbit/s.
func BenchmarkDecode(b *testing.B) {
	data := readFile(b, tone{freq: 1000, seconds: 0.5, amp: 0.5, rate: 44100, channels: 2, kbps: 128}.mp3(b))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := sound.Decode(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
