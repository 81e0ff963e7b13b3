package settings_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"faxbox/firmware/api"
	"faxbox/firmware/config"
	"faxbox/firmware/settings"
)

// TestFile: the administration page's settings are read from the
// configuration file, saved in it with the rest kept (the console then
// shows them), refused with the key named when invalid, and refused as
// not savable without a file; the SMTP password file's content is never
// read into them.
func TestFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	pw := filepath.Join(dir, "smtp-password")
	if err := os.WriteFile(pw, []byte("s3cret-pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Identity.FaxNumber = "+3225550100"
	cfg.SMTP = config.SMTP{Host: "mail.example.com", Port: 587, Username: "fax", PasswordFile: pw,
		From: "fax@example.com", StartTLS: true}
	cfg.Retention.SentDays = 42 // not one of the page's settings: must survive a save
	path := filepath.Join(dir, "faxbox.toml")
	if err := cfg.Save(path); err != nil {
		t.Fatal(err)
	}
	f := settings.New(cfg, path)

	s, err := f.APISettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.Identity.FaxNumber != "+3225550100" || s.SMTP.Host != "mail.example.com" || !s.SMTP.PasswordSet || s.ReadOnly != "" ||
		s.Resolution != "fine" {
		t.Errorf("settings %+v, want the file's, with a password set and savable", s)
	}

	s.Identity.Organisation, s.SMTP.Port, s.Resolution = "Martin Notaires", 2525, "superfine"
	msg, err := f.SaveAPISettings(ctx, s)
	if err != nil || !strings.Contains(msg, path) || !strings.Contains(msg, "restart") {
		t.Fatalf("save: %q, %v; want where it is saved and that a restart applies it", msg, err)
	}
	saved, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Identity.Organisation != "Martin Notaires" || saved.SMTP.Port != 2525 || saved.SMTP.PasswordFile != pw ||
		saved.Retention.SentDays != 42 || saved.Render.Resolution != "superfine" {
		t.Errorf("saved %+v %+v retention %+v: want the change, the password file and the rest kept",
			saved.Identity, saved.SMTP, saved.Retention)
	}

	// The installer console shares the file: it sees the change.
	if c, ok := f.Saved(); !ok || c.Identity.Organisation != "Martin Notaires" {
		t.Errorf("the file as saved (%v) does not show the organisation Martin Notaires that the administration page saved", ok)
	}

	bad := s
	bad.Country, bad.SMTP.From, bad.Resolution = "XX", "not an address", "ultra"
	_, err = f.SaveAPISettings(ctx, bad)
	var se *api.SettingsError
	if !errors.As(err, &se) {
		t.Fatalf("invalid settings: %v, want an *api.SettingsError", err)
	}
	keys := map[string]bool{}
	for _, p := range se.Problems {
		keys[p.Key] = p.Msg != ""
	}
	if !keys["country"] || !keys["smtp.from"] || !keys["render.resolution"] {
		t.Errorf("problems %+v, want country and smtp.from named with their reasons", se.Problems)
	}
	if again, _ := config.Load(path); again.Country != saved.Country {
		t.Errorf("an invalid change was saved: country %q", again.Country)
	}

	demo := settings.New(config.Default(), "")
	ds, err := demo.APISettings(ctx)
	if err != nil || !strings.Contains(ds.ReadOnly, "no configuration file") {
		t.Errorf("demo settings %+v, %v: want read-only, saying there is no configuration file", ds, err)
	}
	ds.Identity.Organisation = "Demo office"
	if _, err := demo.SaveAPISettings(ctx, ds); !errors.Is(err, api.ErrSettingsNotSaved) ||
		!strings.Contains(err.Error(), "the demo has no configuration file") {
		t.Errorf("demo save: %v, want ErrSettingsNotSaved saying the demo has no configuration file", err)
	}
	if b, err := json.Marshal(s); err != nil || strings.Contains(string(b), "s3cret") {
		t.Errorf("the settings as the API answers them: %s, %v; the password file's content must not be there", b, err)
	}
}

// TestFileResolutionAtOnce: the default resolution applies as soon as it
// is saved, and the message says so; a change of other settings says
// that they wait for a restart; a refused change, or the demo's, leaves
// the default as it was.
func TestFileResolutionAtOnce(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.Identity.FaxNumber = "+3225550100"
	path := filepath.Join(t.TempDir(), "faxbox.toml")
	if err := cfg.Save(path); err != nil {
		t.Fatal(err)
	}
	f := settings.New(cfg, path)
	if got := f.Resolution(); got != "fine" {
		t.Fatalf("the default resolution out of the box: %q, want fine", got)
	}
	s, err := f.APISettings(ctx)
	if err != nil {
		t.Fatal(err)
	}

	s.Resolution = "standard"
	msg, err := f.SaveAPISettings(ctx, s)
	if err != nil || !strings.Contains(msg, "applies to new messages now") || strings.Contains(msg, "restart") {
		t.Errorf("saving the resolution alone: %q, %v; want that it applies now, with no restart", msg, err)
	}
	if got := f.Resolution(); got != "standard" {
		t.Errorf("the default resolution after saving standard: %q", got)
	}

	s.Resolution, s.Identity.Organisation = "superfine", "Martin Notaires"
	msg, err = f.SaveAPISettings(ctx, s)
	if err != nil || !strings.Contains(msg, "restart") || !strings.Contains(msg, "except the default resolution") {
		t.Errorf("saving the resolution and the organisation: %q, %v; want a restart for the rest, the resolution now", msg, err)
	}
	if got := f.Resolution(); got != "superfine" {
		t.Errorf("the default resolution after saving superfine: %q", got)
	}

	s.Identity.Organisation = "Martin & Fils"
	if msg, err = f.SaveAPISettings(ctx, s); err != nil || strings.Contains(msg, "resolution") {
		t.Errorf("saving the organisation alone: %q, %v; want nothing said of the resolution", msg, err)
	}

	s.Resolution = "ultra"
	if _, err := f.SaveAPISettings(ctx, s); err == nil {
		t.Fatal("the resolution ultra was saved")
	}
	if got := f.Resolution(); got != "superfine" {
		t.Errorf("after a refused change the default resolution is %q, want superfine still", got)
	}

	def := config.Default()
	def.Render.Resolution = "standard"
	demo := settings.New(def, "")
	ds, _ := demo.APISettings(ctx)
	ds.Resolution = "superfine"
	if _, err := demo.SaveAPISettings(ctx, ds); !errors.Is(err, api.ErrSettingsNotSaved) || demo.Resolution() != "standard" {
		t.Errorf("the demo's save: %v, resolution %q; want not saved, standard as at start", err, demo.Resolution())
	}
}
