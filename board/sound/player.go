package sound

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Name is an alert.
type Name string

// The alerts, and the file each is played from (Name + ".mp3").
const (
	Delivered Name = "delivered"  // a fax was delivered
	Failed    Name = "failed"     // a fax finally failed
	Received  Name = "received"   // a fax came in
	LowCredit Name = "low-credit" // credit fell below the threshold
)

// Names lists every alert.
func Names() []Name { return []Name{Delivered, Failed, Received, LowCredit} }

func (n Name) known() bool {
	for _, k := range Names() {
		if n == k {
			return true
		}
	}
	return false
}

// builtin holds the built-in alerts, made by scripts/sounds.sh.
//
//go:embed sounds/*.mp3
var builtin embed.FS

// Config configures a Player.
type Config struct {
	// Dir holds MP3 files that replace built-in alerts one by one
	// (delivered.mp3, ...); "" uses only the built-in ones.
	Dir string
	// Volume is 0 (silent) to 100 percent of the files' amplitude.
	Volume int
	// Quiet is when nothing is played.
	Quiet QuietHours
	// Output plays the sound; nil detects aplay (DetectOutput), and a board
	// without audio gets a silent player.
	Output Output
	// Now tells the time of day for quiet hours; nil is time.Now.
	Now func() time.Time
	// Logger says once that the board has no audio, and when an
	// installer's file cannot be used. Default: discard.
	Logger *slog.Logger
}

// Played is what became of the last alert.
type Played struct {
	Name Name      `json:"name"`
	At   time.Time `json:"at"`
	// Skipped says why nothing was heard ("quiet hours", "volume 0", "no
	// audio output", or the error); "" when it was played.
	Skipped  string        `json:"skipped,omitempty"`
	Duration time.Duration `json:"duration_ns"`
	// Source is the file played: "builtin:delivered.mp3" or its path.
	Source string `json:"source"`
}

// Player plays alerts, one at a time. Its methods are safe for concurrent
// use.
type Player struct {
	cfg  Config
	out  Output // nil: silent
	play sync.Mutex
	// builtins caches the decoded built-in alerts (tens of milliseconds
	// each to decode, more on the board); guarded by play.
	builtins map[Name]*PCM

	mu   sync.Mutex
	last Played
	has  bool
}

// NewPlayer returns a player for cfg. It never fails: without audio it is
// silent, and says so once in the log.
func NewPlayer(cfg Config) *Player { return newPlayer(cfg, DetectOutput) }

// newPlayer is NewPlayer with the detection of the output injected.
func newPlayer(cfg Config, detect func() (Output, error)) *Player {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Volume = max(0, min(100, cfg.Volume))
	p := &Player{cfg: cfg, out: cfg.Output, builtins: map[Name]*PCM{}}
	if p.out == nil {
		var err error
		if p.out, err = detect(); err != nil {
			cfg.Logger.Info("alerts are silent", "reason", err)
		}
	}
	return p
}

// Play plays alert name and returns when it has been played, unless it is
// quiet hours, the volume is 0 or there is no audio output (then it only
// records why, see Last). An installer's file that cannot be decoded is
// logged and the built-in sound played instead. Play's errors are for the
// log: the daemon carries on without sound.
func (p *Player) Play(ctx context.Context, name Name) error {
	p.play.Lock()
	defer p.play.Unlock()
	rec := Played{Name: name, At: p.cfg.Now()}
	err := p.playLocked(ctx, &rec)
	if err != nil {
		rec.Skipped = err.Error()
	}
	p.mu.Lock()
	p.last, p.has = rec, true
	p.mu.Unlock()
	return err
}

func (p *Player) playLocked(ctx context.Context, rec *Played) error {
	if !rec.Name.known() {
		return fmt.Errorf("%w %q", ErrUnknownSound, string(rec.Name))
	}
	switch {
	case p.cfg.Quiet.Contains(rec.At):
		rec.Skipped = "quiet hours"
	case p.cfg.Volume == 0:
		rec.Skipped = "volume 0"
	case p.out == nil:
		rec.Skipped = "no audio output"
	}
	if rec.Skipped != "" {
		return nil
	}
	pcm, source, err := p.load(rec.Name)
	if err != nil {
		return err
	}
	rec.Source, rec.Duration = source, pcm.Duration()
	ctx, cancel := context.WithTimeout(ctx, pcm.Duration()+5*time.Second)
	defer cancel()
	if err := p.out.Play(ctx, pcm.Rate, Channels, pcm.Scaled(p.cfg.Volume).Bytes()); err != nil {
		return fmt.Errorf("sound: play %s: %w", rec.Name, err)
	}
	return nil
}

// load returns alert name decoded, from Config.Dir if it has the file and
// it decodes (read afresh each time, so an installer can replace it),
// else the built-in one, and where it came from. p.play is held.
func (p *Player) load(name Name) (*PCM, string, error) {
	file := string(name) + ".mp3"
	if p.cfg.Dir != "" {
		path := filepath.Join(p.cfg.Dir, file)
		pcm, err := decodeFile(os.DirFS(p.cfg.Dir), file)
		if err == nil {
			return pcm, path, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			p.cfg.Logger.Warn("alert file unusable, playing the built-in one", "file", path, "err", err)
		}
	}
	pcm := p.builtins[name]
	if pcm == nil {
		var err error
		if pcm, err = decodeFile(builtin, "sounds/"+file); err != nil {
			return nil, "", fmt.Errorf("sound: built-in %s: %w", file, err)
		}
		p.builtins[name] = pcm
	}
	return pcm, "builtin:" + file, nil
}

func decodeFile(fsys fs.FS, name string) (*PCM, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Decode(f) // reads at most MaxFileSize+1 bytes
}

// Last returns what became of the last alert, and false before the first.
func (p *Player) Last() (Played, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last, p.has
}
