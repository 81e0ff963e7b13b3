package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
)

// The appliance settings (GET and PUT /api/settings, administrators):
// the identity, the country, the dial plan and the SMTP relay. The API
// does not know where they are kept: Config.Settings reads them and
// Config.SaveSettings validates and saves them (faxd keeps them in its
// configuration file and applies them at its next start).
//
// PUT takes the same JSON object as GET answers, whole or in part: what it
// leaves out keeps its current value. The read-only fields (read_only,
// smtp.password_set) are ignored; unknown keys are refused with 400
// naming them. Invalid values are refused with
// 400, {"error", "problems": [{"key", "error"}]}, each problem naming its
// key as in the configuration file ("identity.ident"). When the settings
// cannot be saved (the demo has no configuration file) PUT answers 409.
// A saved change is recorded in the audit log as "settings.update" with
// the keys changed and their new values. The default resolution applies
// to new messages as soon as it is saved (Config.DefaultResolution).
//
// There is no setting to turn notices on or off: delivery and failure
// notices go out when an SMTP relay (smtp.host) is set.

// Settings are the appliance settings that the administration page shows
// and changes. The JSON names are the configuration file's keys.
type Settings struct {
	Identity SettingsIdentity `json:"identity"`
	// Country is the ISO 3166-1 alpha-2 code of the line's country.
	Country  string           `json:"country"`
	DialPlan SettingsDialPlan `json:"dial_plan"`
	SMTP     SettingsSMTP     `json:"smtp"`
	// Resolution is what messages are sent at when their senders do not
	// choose: standard, fine or superfine (render.resolution).
	Resolution string `json:"resolution"`
	// ReadOnly, when not empty, says why the settings cannot be saved
	// (read-only; PUT ignores it).
	ReadOnly string `json:"read_only,omitempty"`
}

// SettingsIdentity is how the appliance presents itself on faxes.
type SettingsIdentity struct {
	FaxNumber    string `json:"fax_number"`
	Ident        string `json:"ident"`
	Header       string `json:"header"`
	Organisation string `json:"organisation"`
}

// SettingsDialPlan says how numbers are dialled from the line.
type SettingsDialPlan struct {
	AreaCode            string `json:"area_code"`
	AreaDialing         string `json:"area_dialing"`
	InternationalPrefix string `json:"international_prefix"`
	TrunkPrefix         string `json:"trunk_prefix"`
	OutsideLine         string `json:"outside_line"`
	Dialing             string `json:"dialing"`
}

// SettingsSMTP is the mail relay of the notices. The password is kept in
// a file whose content the API never reads or shows.
type SettingsSMTP struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Username string `json:"username"`
	From     string `json:"from"`
	StartTLS bool   `json:"starttls"`
	// PasswordSet says whether a password file is configured (read-only;
	// PUT ignores it).
	PasswordSet bool `json:"password_set"`
}

// ErrSettingsNotSaved is what Config.SaveSettings returns, wrapped with
// the reason, when the settings are valid but cannot be saved (no
// configuration file): PUT /api/settings answers 409.
var ErrSettingsNotSaved = errors.New("the settings cannot be saved")

// SettingsError is what Config.SaveSettings returns when settings are
// invalid: PUT /api/settings answers 400 with the problems.
type SettingsError struct {
	Problems []SettingsProblem
}

// SettingsProblem is one invalid setting.
type SettingsProblem struct {
	Key string `json:"key"`   // as in the configuration file: "identity.ident"
	Msg string `json:"error"` // what is wrong and what is allowed
}

// Error lists the problems, "key: what is wrong", separated by "; ".
func (e *SettingsError) Error() string {
	var parts []string
	for _, p := range e.Problems {
		parts = append(parts, p.Key+": "+p.Msg)
	}
	return "invalid settings: " + strings.Join(parts, "; ")
}

// settingsJSON is GET and PUT /api/settings' answer.
type settingsJSON struct {
	Settings Settings `json:"settings"`
	Message  string   `json:"message,omitempty"` // PUT: where they were saved and when they apply
	Changed  []string `json:"changed,omitempty"` // PUT: the keys changed
}

// settingsErrorJSON is PUT /api/settings' answer to invalid settings.
type settingsErrorJSON struct {
	Error    string            `json:"error"`
	Problems []SettingsProblem `json:"problems"`
}

// settingsAvailable answers 503 when the appliance gives no settings.
func (s *Server) settingsAvailable(w http.ResponseWriter) bool {
	if s.cfg.Settings == nil || s.cfg.SaveSettings == nil {
		writeError(w, http.StatusServiceUnavailable, "the settings cannot be read or changed on this appliance")
		return false
	}
	return true
}

// getSettings implements GET /api/settings.
func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) {
	if _, ok := admin(w, r, "the appliance settings"); !ok || !s.settingsAvailable(w) {
		return
	}
	cur, err := s.cfg.Settings(r.Context())
	if err != nil {
		s.fail(w, r, fmt.Errorf("api: settings: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, settingsJSON{Settings: cur})
}

// putSettings implements PUT /api/settings.
func (s *Server) putSettings(w http.ResponseWriter, r *http.Request) {
	p, ok := admin(w, r, "changing the appliance settings")
	if !ok || !s.settingsAvailable(w) || !s.canAudit(w) {
		return
	}
	ctx := r.Context()
	old, err := s.cfg.Settings(ctx)
	if err != nil {
		s.fail(w, r, fmt.Errorf("api: settings: %w", err))
		return
	}
	next := old
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&next); err != nil {
		writeError(w, http.StatusBadRequest, "want a JSON object of settings, as GET /api/settings answers: "+err.Error())
		return
	}
	next.ReadOnly, next.SMTP.PasswordSet = old.ReadOnly, old.SMTP.PasswordSet
	changed := settingsDiff(old, next)
	if len(changed) == 0 {
		writeJSON(w, http.StatusOK, settingsJSON{Settings: old, Message: "nothing changed"})
		return
	}
	msg, err := s.cfg.SaveSettings(ctx, next)
	var se *SettingsError
	switch {
	case errors.As(err, &se):
		writeJSON(w, http.StatusBadRequest, settingsErrorJSON{Error: se.Error(), Problems: se.Problems})
		return
	case errors.Is(err, ErrSettingsNotSaved):
		writeError(w, http.StatusConflict, err.Error())
		return
	case err != nil:
		s.fail(w, r, fmt.Errorf("api: saving the settings: %w", err))
		return
	}
	if err := s.record(ctx, p, "settings.update", strings.Join(changed, ", ")); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, settingsJSON{Settings: next, Message: msg, Changed: changed})
}

// settingsDiff lists the settings that differ between a and b as
// `key: "new value"`, keys as in the configuration file, sorted.
func settingsDiff(a, b Settings) []string {
	var out []string
	var walk func(prefix string, x, y reflect.Value)
	walk = func(prefix string, x, y reflect.Value) {
		for i := range x.NumField() {
			f := x.Type().Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			key := prefix + name
			if f.Type.Kind() == reflect.Struct {
				walk(key+".", x.Field(i), y.Field(i))
				continue
			}
			if !x.Field(i).Equal(y.Field(i)) {
				v, _ := json.Marshal(y.Field(i).Interface())
				out = append(out, key+": "+string(v))
			}
		}
	}
	walk("", reflect.ValueOf(a), reflect.ValueOf(b))
	slices.Sort(out)
	return out
}

// defaultResolution is the resolution of a message that chooses none:
// Config.DefaultResolution, else the Submitter's.
func (s *Server) defaultResolution() string {
	if s.cfg.DefaultResolution != nil {
		return s.cfg.DefaultResolution()
	}
	res, _ := s.sub.Resolution("")
	return res.String()
}
