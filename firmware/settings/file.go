package settings

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"faxbox/firmware/api"
	"faxbox/firmware/config"
)

// ErrNoConfigFile is what File.change returns when the settings
// are valid but there is no file to save them in.
var ErrNoConfigFile = errors.New("the demo has no configuration file: it runs on the defaults of faxd serve --demo, so settings cannot be saved")

// ErrUnreadable wraps a failure to read the configuration file
// again before changing it: the file's problem, not the change's.
var ErrUnreadable = errors.New("the configuration file cannot be read")

// File is the configuration file that the installer console and
// the administration page change, one change at a time. The daemon
// applies it at its next start, except the default resolution
// (Resolution), which applies as soon as it is saved.
type File struct {
	mu    sync.Mutex
	path  string         // "" when there is none (demo)
	start *config.Config // as loaded at start
	// resolution is render.resolution as loaded at start or last saved.
	resolution atomic.Pointer[string]
}

// New returns the configuration file at path (none when
// path is ""), with cfg the configuration loaded from it at start.
func New(cfg *config.Config, path string) *File {
	f := &File{path: path, start: cfg}
	f.keepResolution(cfg)
	return f
}

// Resolution is the default resolution of new messages now ("standard",
// "fine" or "superfine"): render.resolution as loaded at start, or as
// Change last saved it. A message that chooses none gets it.
func (f *File) Resolution() string {
	return *f.resolution.Load()
}

// keepResolution makes c's render.resolution the default from now on.
func (f *File) keepResolution(c *config.Config) {
	r := cmp.Or(c.Render.Resolution, config.DefaultResolution)
	f.resolution.Store(&r)
}

// load returns the configuration as saved now: the file read again, or a
// copy of the start configuration without one. f.mu is held.
func (f *File) load() (*config.Config, error) {
	if f.path == "" {
		return new(*f.start), nil
	}
	c, err := config.Load(f.path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	return c, nil
}

// saved returns the configuration file as saved now; false when there is
// no file or it cannot be read.
func (f *File) Saved() (*config.Config, bool) {
	if f.path == "" {
		return nil, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.load()
	return c, err == nil
}

// change reads the configuration file again, lets fn change it, and
// validates and saves it as a whole (config.Save), so that what others
// changed in the file is kept. Without a file it validates only and
// returns ErrNoConfigFile. It returns where the change was saved and when
// it applies.
func (f *File) Change(fn func(c *config.Config)) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.load()
	if err != nil {
		return "", err
	}
	fn(c)
	if f.path == "" {
		if err := c.Validate(); err != nil {
			return "", err
		}
		return "", ErrNoConfigFile
	}
	if err := c.Save(f.path); err != nil {
		return "", err
	}
	f.keepResolution(c)
	return "saved in " + f.path + "; applies when faxd restarts (reboot)", nil
}

// APISettings is api.Config.Settings: the settings as saved now.
func (f *File) APISettings(context.Context) (api.Settings, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.load()
	if err != nil {
		return api.Settings{}, err
	}
	s := apiSettings(c)
	if f.path == "" {
		s.ReadOnly = ErrNoConfigFile.Error()
	}
	return s, nil
}

// apiSettings is the part of c that the administration page shows.
func apiSettings(c *config.Config) api.Settings {
	return api.Settings{
		Identity: api.SettingsIdentity{FaxNumber: c.Identity.FaxNumber, Ident: c.Identity.Ident,
			Header: c.Identity.Header, Organisation: c.Identity.Organisation},
		Country: c.Country,
		DialPlan: api.SettingsDialPlan{AreaCode: c.DialPlan.AreaCode, AreaDialing: string(c.DialPlan.AreaDialing),
			InternationalPrefix: c.DialPlan.InternationalPrefix, TrunkPrefix: c.DialPlan.TrunkPrefix,
			OutsideLine: c.DialPlan.OutsideLine, Dialing: string(c.DialPlan.Dialing)},
		SMTP: api.SettingsSMTP{Host: c.SMTP.Host, Port: c.SMTP.Port, Username: c.SMTP.Username, From: c.SMTP.From,
			StartTLS: c.SMTP.StartTLS, PasswordSet: c.SMTP.PasswordFile != ""},
		Resolution: cmp.Or(c.Render.Resolution, config.DefaultResolution),
	}
}

// SaveAPISettings is api.Config.SaveSettings: s validated with the rest
// of the configuration and saved; invalid settings come back as an
// *api.SettingsError naming the keys, no file as api.ErrSettingsNotSaved.
// The message says when the change applies: the default resolution at
// once, the rest at the next start.
func (f *File) SaveAPISettings(_ context.Context, s api.Settings) (string, error) {
	var restart, resolution bool // whether the others or the resolution change
	msg, err := f.Change(func(c *config.Config) {
		restart, resolution = changes(apiSettings(c), s)
		c.Identity = config.Identity{FaxNumber: s.Identity.FaxNumber, Ident: s.Identity.Ident,
			Header: s.Identity.Header, Organisation: s.Identity.Organisation}
		c.Country = s.Country
		c.DialPlan = config.DialPlan{AreaCode: s.DialPlan.AreaCode, AreaDialing: config.AreaDialing(s.DialPlan.AreaDialing),
			InternationalPrefix: s.DialPlan.InternationalPrefix, TrunkPrefix: s.DialPlan.TrunkPrefix,
			OutsideLine: s.DialPlan.OutsideLine, Dialing: config.Dialing(s.DialPlan.Dialing)}
		c.SMTP.Host, c.SMTP.Port, c.SMTP.Username, c.SMTP.From, c.SMTP.StartTLS =
			s.SMTP.Host, s.SMTP.Port, s.SMTP.Username, s.SMTP.From, s.SMTP.StartTLS
		if s.Resolution != "" {
			c.Render.Resolution = s.Resolution
		}
	})
	switch {
	case errors.Is(err, ErrNoConfigFile):
		return "", fmt.Errorf("%w: %w", api.ErrSettingsNotSaved, err)
	case errors.Is(err, ErrUnreadable):
		return "", err
	}
	if fes := config.FieldErrors(err); len(fes) > 0 {
		se := &api.SettingsError{}
		for _, fe := range fes {
			se.Problems = append(se.Problems, api.SettingsProblem{Key: fe.Key, Msg: fe.Msg})
		}
		return "", se
	}
	switch {
	case err != nil || !resolution:
		return msg, err
	case !restart:
		return "saved in " + f.path + "; the default resolution applies to new messages now", nil
	}
	return msg + ", except the default resolution, which applies to new messages now", nil
}

// changes says whether going from settings a to b changes settings that
// apply at the next start (restart), and whether it changes the default
// resolution, which applies at once. The read-only fields do not count.
func changes(a, b api.Settings) (restart, resolution bool) {
	resolution = b.Resolution != "" && b.Resolution != a.Resolution
	a.Resolution, a.ReadOnly, a.SMTP.PasswordSet = "", "", false
	b.Resolution, b.ReadOnly, b.SMTP.PasswordSet = "", "", false
	return a != b, resolution
}
