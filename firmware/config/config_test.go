package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pelletier/go-toml/v2"

	"faxbox/firmware/billing"
	"faxbox/firmware/config"
	"faxbox/pages/render"
)

func TestDefaultValid(t *testing.T) {
	c := config.Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
	if c.DataPath() != config.DefaultDataDir {
		t.Errorf("DataPath() = %q, want %q", c.DataPath(), config.DefaultDataDir)
	}
	c.Demo = true
	if c.DataPath() != config.DemoDataDir {
		t.Errorf("demo DataPath() = %q, want %q", c.DataPath(), config.DemoDataDir)
	}
	if config.DefaultHeader != render.DefaultHeader {
		t.Errorf("DefaultHeader = %q, render.DefaultHeader = %q", config.DefaultHeader, render.DefaultHeader)
	}
	// Two calls do not share slices.
	a, b := config.Default(), config.Default()
	a.Web.Listen[0] = "x"
	a.Modems[0].Device = "y"
	if b.Web.Listen[0] != ":443" || b.Modems[0].Device != "/dev/ttyUSB0" {
		t.Error("Default() values share memory")
	}
}

// TestExample checks that faxbox.example.toml loads, equals Default, and
// has an entry for every field of Config, so that a new field cannot be
// added without documenting it there.
func TestExample(t *testing.T) {
	c, err := config.Load("faxbox.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	checkExampleSIP(t, c) // the example documents a [[sip]] table; there is none by default
	c.SIP = nil
	if !reflect.DeepEqual(c, config.Default()) {
		t.Errorf("the example is not the defaults:\n got %+v\nwant %+v", c, config.Default())
	}
	data, err := os.ReadFile("faxbox.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var missing []string
	covered(reflect.TypeFor[config.Config](), doc, "", &missing)
	if len(missing) > 0 {
		t.Errorf("faxbox.example.toml lacks %s", strings.Join(missing, ", "))
	}
}

var textUnmarshaler = reflect.TypeFor[interface{ UnmarshalText([]byte) error }]()

// covered appends to missing every key of struct type t absent from doc.
func covered(t reflect.Type, doc map[string]any, prefix string, missing *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if name == "" || name == "-" {
			*missing = append(*missing, prefix+f.Name+" (no toml tag)")
			continue
		}
		v, ok := doc[name]
		if !ok {
			*missing = append(*missing, prefix+name)
			continue
		}
		ft := f.Type
		if reflect.PointerTo(ft).Implements(textUnmarshaler) {
			continue
		}
		switch {
		case ft.Kind() == reflect.Struct:
			sub, _ := v.(map[string]any)
			covered(ft, sub, prefix+name+".", missing)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			elems, _ := v.([]any)
			if len(elems) == 0 {
				*missing = append(*missing, prefix+name+"[0]")
				continue
			}
			sub, _ := elems[0].(map[string]any)
			covered(ft.Elem(), sub, prefix+name+"[].", missing)
		}
	}
}

func TestExampleCoverageCatchesMissing(t *testing.T) {
	var missing []string
	covered(reflect.TypeFor[config.Config](), map[string]any{"demo": false, "identity": map[string]any{}}, "", &missing)
	if !strings.Contains(strings.Join(missing, " "), "identity.fax_number") || !strings.Contains(strings.Join(missing, " "), "modems") {
		t.Errorf("covered missed keys: %v", missing)
	}
}

// parse parses a document and returns its FieldErrors.
func parse(t *testing.T, doc string) []*config.FieldError {
	t.Helper()
	c, err := config.Parse([]byte(doc))
	if err == nil {
		t.Fatalf("Parse(%q) succeeded", doc)
	}
	if c != nil {
		t.Errorf("Parse returned a Config with an error")
	}
	fes := config.FieldErrors(err)
	if len(fes) == 0 {
		t.Fatalf("Parse(%q) = %v, not a FieldError", doc, err)
	}
	return fes
}

func TestUnknownKey(t *testing.T) {
	doc := `country = "BE"
[identity]
fax_nuber = "+3225551212"
[[modems]]
device = "/dev/ttyUSB0"
[[modems]]
device = "/dev/ttyUSB1"
buad = 115200
[modem]
device = "x"
[retry]
attempts = "three"
`
	fes := parse(t, doc)
	// Without the type error, the unknown keys are reported with what
	// Validate finds.
	fes2 := parse(t, strings.Replace(doc, `"three"`, "0", 1))
	if len(fes2) != 4 || fes2[3].Key != "retry.attempts" || fes2[3].Line != 12 || !strings.Contains(fes2[3].Msg, "out of range") {
		t.Errorf("unknown keys and validation: %v", fes2)
	}
	want := []struct {
		line int
		key  string
		msg  string
	}{
		{3, "identity.fax_nuber", "unknown key (did you mean fax_number?)"},
		{8, "modems[1].buad", "unknown key (did you mean baud?)"},
		{9, "modem", "unknown key (did you mean modems?)"},
		{12, "retry.attempts", "want an integer, not a TOML string"},
	}
	if len(fes) != len(want) {
		t.Fatalf("got %d errors, want %d: %v", len(fes), len(want), fes)
	}
	for i, w := range want {
		fe := fes[i]
		if fe.Line != w.line || fe.Key != w.key || fe.Msg != w.msg {
			t.Errorf("error %d = line %d %s: %s, want line %d %s: %s", i, fe.Line, fe.Key, fe.Msg, w.line, w.key, w.msg)
		}
		if i < 3 && !errors.Is(fe, config.ErrUnknownKey) {
			t.Errorf("error %d is not ErrUnknownKey", i)
		}
	}
	// The decoder's own strict mode catches what the walk might miss.
	fes = parse(t, "[web]\nlisten = [\":443\"]\nlisen = 1\n")
	if fes[0].Key != "web.lisen" || fes[0].Line != 3 || !errors.Is(fes[0], config.ErrUnknownKey) {
		t.Errorf("got %v", fes[0])
	}
}

// TestRemovedAllowedNetworks checks an existing install's
// email_to_fax.allowed_networks: refused with its line and a pointer to
// relay_hosts, rather than trusting whole networks as it did; and the
// default trusts no relay at all.
func TestRemovedAllowedNetworks(t *testing.T) {
	fes := parse(t, "[email_to_fax]\nlisten = \":25\"\nallowed_networks = [\"192.168.0.0/16\"]\n")
	if len(fes) != 1 || fes[0].Key != "email_to_fax.allowed_networks" || fes[0].Line != 3 ||
		!strings.Contains(fes[0].Msg, "removed") || !strings.Contains(fes[0].Msg, "email_to_fax.relay_hosts") {
		t.Errorf("got %v, want one error naming email_to_fax.relay_hosts", fes)
	}
	if d := config.Default().EmailToFax; len(d.RelayHosts) != 0 || d.RequireAuth {
		t.Errorf("default relay_hosts %q, require_auth %v: want none", d.RelayHosts, d.RequireAuth)
	}
	c, err := config.Parse([]byte("[email_to_fax]\nrelay_hosts = [\"192.168.1.20\", \"fd00::/64\"]\n"))
	if err != nil || !slices.Equal(c.EmailToFax.RelayHosts, []string{"192.168.1.20", "fd00::/64"}) {
		t.Errorf("relay_hosts: %v, %v", c, err)
	}
}

func TestBadTypes(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		line int
		key  string
		msg  string
	}{
		{"demo = 1\n", 1, "demo", "want true or false, not a TOML integer"},
		{"country = 32\n", 1, "country", "want a string, not a TOML integer"},
		{"[web]\nlisten = \":443\"\n", 2, "web.listen", "want an array of strings, not a TOML string"},
		{"[[modems]]\ndevice = \"a\"\n[[modems]]\nbaud = \"fast\"\n", 4, "modems[1].baud", "want an integer, not a TOML string"},
		{"modems = \"/dev/ttyUSB0\"\n", 1, "modems", "want an array of tables"},
		{"[billing]\nminimum_available = 10\n", 2, "billing.minimum_available", "want a string, not a TOML integer"},
		{"[billing]\nminimum_available = \"ten\"\n", 2, "billing.minimum_available", `"ten" is not an amount`},
		{"[billing]\nminimum_available = \"10.00 EUR\"\n", 2, "billing.minimum_available", "write the number only"},
		{"[billing]\nlow_credit = \"1.1234567\"\n", 2, "billing.low_credit", "at most 6 decimals"},
		{"\n[retry.backoff]\nbusy = \"90\"\n", 3, "retry.backoff.busy", `"90" has no unit (write "90s"`},
		{"[retry.backoff]\nbusy = \"soon\"\n", 2, "retry.backoff.busy", `"soon" is not a duration`},
		{"[retry]\nbackoff = { busy = 90 }\n", 2, "retry.backoff.busy", "want a string, not a TOML integer"},
		{"[[modems]]\nhours = \"8-18\"\n", 2, "modems[0].hours", `"8-18" is not a time range`},
		{"[board]\nquiet_hours = \"22:00-22:00\"\n", 2, "board.quiet_hours", "start and end are the same"},
		{"[board]\nquiet_hours = \"25:00-07:00\"\n", 2, "board.quiet_hours", "is not a time range"},
		{"[retention]\ndisk_limit = \"lots\"\n", 2, "retention.disk_limit", `"lots" is not a disk limit`},
		{"[retention]\ndisk_limit = \"120%\"\n", 2, "retention.disk_limit", "1% to 100%"},
		{"[retention]\nsent_days = 99999999999999999999\n", 2, "retention.sent_days", "too large"},
		{"country = \"BE\nlog_level = \"info\"\n", 1, "", "new lines"},
		{"country = \"BE\"\ncountry = \"DE\"\n", 2, "country", "already defined"},
	} {
		fes := parse(t, tc.doc)
		fe := fes[len(fes)-1]
		if fe.Line != tc.line || fe.Key != tc.key || !strings.Contains(fe.Msg, tc.msg) {
			t.Errorf("%q: got line %d key %q msg %q; want line %d key %q msg containing %q", tc.doc, fe.Line, fe.Key, fe.Msg, tc.line, tc.key, tc.msg)
		}
	}
}

func TestLoadErrorMessage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faxbox.toml")
	doc := `country = "BE"
[[modems]]
device = "/dev/ttyUSB0"
[[modems]]
device = "/dev/ttyUSB1"
flow = "rts"
[retry]
attempts = 0
`
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := config.Load(path)
	want := "config: " + path + `:6: modems[1].flow: "rts" is not one of rtscts, xonxoff, none` + "\n" +
		"config: " + path + ":8: retry.attempts: 0 is out of range (1 to 20)"
	if err == nil || err.Error() != want {
		t.Errorf("Load error:\n%v\nwant\n%s", err, want)
	}
	if _, err := config.Load(filepath.Join(t.TempDir(), "none.toml")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of a missing file = %v", err)
	}
}

func TestModemDefaults(t *testing.T) {
	c, err := config.Parse([]byte(`
[[modems]]
device = "/dev/ttyACM0"
[[modems]]
device = "/dev/ttyACM1"
flow = "xonxoff"
rings = 4
`))
	if err != nil {
		t.Fatal(err)
	}
	m0, m1 := config.DefaultModem(), config.DefaultModem()
	m0.Device = "/dev/ttyACM0"
	m1.Device, m1.Flow, m1.Rings = "/dev/ttyACM1", config.FlowXONXOFF, 4
	if !reflect.DeepEqual(c.Modems, []config.Modem{m0, m1}) {
		t.Errorf("modems = %+v", c.Modems)
	}
	// Inline tables too.
	c, err = config.Parse([]byte(`modems = [{device = "/dev/ttyS1", answer = "never"}]`))
	if err != nil {
		t.Fatal(err)
	}
	m := config.DefaultModem()
	m.Device, m.Answer = "/dev/ttyS1", config.AnswerNever
	if !reflect.DeepEqual(c.Modems, []config.Modem{m}) {
		t.Errorf("modems = %+v", c.Modems)
	}
	// No [[modems]]: the default modem.
	c, err = config.Parse([]byte("demo = true\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Modems, []config.Modem{config.DefaultModem()}) || c.DataPath() != "./var" {
		t.Errorf("modems = %+v, data %q", c.Modems, c.DataPath())
	}
}

// custom returns a valid Config with every field away from its default.
func custom(t *testing.T) *config.Config {
	t.Helper()
	key, err := billing.GenerateIssuerKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	line, err := key.Trusted().MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	return &config.Config{
		Demo:     true,
		DataDir:  "/srv/fax",
		LogLevel: config.LogDebug,
		Country:  "DE",
		Identity: config.Identity{
			FaxNumber:    "+49305551234",
			Ident:        "+49 30 5551234",
			Header:       "{date}|{org} {fax}|{page}/{pages}",
			Organisation: "Kanzlei Müller & Partner",
		},
		DialPlan: config.DialPlan{
			AreaCode: "30", AreaDialing: config.AreaDialingFull,
			InternationalPrefix: "00", TrunkPrefix: "0", OutsideLine: "0,",
			Dialing: config.DialingPulse,
		},
		Modems: []config.Modem{
			{Device: "/dev/ttyACM0", Baud: 57600, Flow: config.FlowNone, Init: []string{"AT&K3", "ATS7=60"},
				Answer: config.AnswerHours, Rings: 3, Hours: config.TimeRange{Start: 8 * 60, End: 18*60 + 30}, PowerLine: "MODEM0_PWR"},
			{Device: "/dev/ttyUSB1", Baud: 115200, Flow: config.FlowXONXOFF, Init: []string{},
				Answer: config.AnswerNever, Rings: 1, PowerLine: "23"},
		},
		SIP: customSIP(),
		Web: config.Web{
			Listen: []string{"192.168.1.10:8443", "[::1]:8443"}, RedirectHTTP: "",
			TLSCert: "/etc/faxbox/cert.pem", TLSKey: "/etc/faxbox/key.pem", APITokenFile: "/etc/faxbox/token",
		},
		SMTP: config.SMTP{Host: "mail.example.com", Port: 465, Username: "fax", PasswordFile: "/etc/faxbox/smtp.pw",
			From: "Faxbox <fax@example.com>", StartTLS: false},
		EmailToFax: config.EmailToFax{Listen: ":2525", Domain: "fax.example.com",
			RelayHosts: []string{"192.168.1.20", "192.168.2.0/29"}, RequireAuth: true, MaxMessageMiB: 10},
		Inbox: config.Inbox{ByNumber: map[string]string{"+3225": "alice"}, ByIdent: map[string]string{"ACME": "bob"},
			ForwardTo: "fax-in@example.com", ForwardToUser: true},
		Billing: config.Billing{Currency: "CHF", MinimumAvailable: config.Money(5 * billing.Unit),
			LowCredit: config.Money(12345), TariffFile: "/etc/faxbox/tariffs.csv",
			VoucherKeys: []string{string(line)}, DemoCredit: 0},
		Retry: config.Retry{Attempts: 5, Backoff: config.Backoff{
			Busy: config.Duration(90 * time.Second), NoAnswer: config.Duration(time.Hour), NotFax: config.Duration(24 * time.Hour),
			NoDialTone: config.Duration(30 * time.Second), CallFailed: config.Duration(1500 * time.Millisecond)}},
		Retention: config.Retention{SentDays: 0, ReceivedDays: 30, DiskLimit: config.DiskLimit{Bytes: 3 << 30}},
		Render: config.Render{MaxConcurrent: 1, MemoryMiB: 128, Timeout: config.Duration(10 * time.Second),
			CPUTime: config.Duration(time.Minute), PreviewsPerMinute: 4},
		Board: config.Board{GPIOChip: "gpiochip1", LEDReady: "LED_READY", LEDBusy: "5", LEDError: "LED_ERR",
			LEDLowCredit: "7", ButtonCancel: "BTN_CANCEL", LongPress: config.LongPressReset,
			SoundDir: "/etc/faxbox/sounds", Volume: 0, QuietHours: config.TimeRange{Start: 22 * 60, End: 7 * 60}},
		Console: config.Console{Device: "/dev/ttyS0", Baud: 9600, PINHash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g"},
	}
}

func TestRoundTrip(t *testing.T) {
	for name, c := range map[string]*config.Config{"default": config.Default(), "custom": custom(t)} {
		if err := c.Validate(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		data, err := c.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		got, err := config.Parse(data)
		if err != nil {
			t.Fatalf("%s: Parse(Marshal()) = %v\n%s", name, err, data)
		}
		if !reflect.DeepEqual(got, c) {
			t.Errorf("%s: round trip differs:\n got %+v\nwant %+v\n%s", name, got, c, data)
		}
	}
	// Every field of custom differs from the default, so that the round
	// trip above exercises each one.
	diffAll(t, reflect.ValueOf(*custom(t)), reflect.ValueOf(*config.Default()), "")
}

// diffAll reports the leaf fields where a equals b.
func diffAll(t *testing.T, a, b reflect.Value, path string) {
	t.Helper()
	if a.Kind() == reflect.Struct && !reflect.PointerTo(a.Type()).Implements(textUnmarshaler) {
		for i := range a.NumField() {
			diffAll(t, a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name)
		}
		return
	}
	if a.Kind() == reflect.Slice && a.Type().Elem().Kind() == reflect.Struct && b.Len() > 0 {
		diffAll(t, a.Index(0), b.Index(0), path+"[0]")
		return
	}
	if reflect.DeepEqual(a.Interface(), b.Interface()) {
		t.Errorf("custom%s equals the default, so the round trip does not test it", path)
	}
}

func TestSave(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faxbox.toml")
	c := custom(t)
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Errorf("Save then Load differs")
	}
	c.Retry.Attempts = 0
	if err := c.Save(path); err == nil {
		t.Error("Save of an invalid Config succeeded")
	}
	if got, err := config.Load(path); err != nil || got.Retry.Attempts != 5 {
		t.Errorf("a refused Save changed the file: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}
