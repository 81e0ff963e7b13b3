package config

import (
	"log/slog"
	"time"

	"faxbox/firmware/billing"
	"faxbox/firmware/numbers"
	"faxbox/sip"
)

// Paths the appliance uses when the configuration does not say otherwise.
const (
	// DefaultPath is where faxd looks for its configuration file.
	DefaultPath = "/etc/faxbox/faxbox.toml"
	// DefaultDataDir is the data directory of an appliance.
	DefaultDataDir = "/var/lib/faxbox"
	// DemoDataDir is the data directory in demo mode, relative to the
	// working directory (make run starts in the repository).
	DemoDataDir = "./var"
)

// MaxModems is the most modems one appliance drives.
const MaxModems = 8

// MaxIdent is the length of a T.30 identity (TSI, CSI): 20 characters
// (T.30 5.3.6.2.4, Table 3).
const MaxIdent = 20

// DefaultHeader is the default header line format; it is the same as
// pages/render's DefaultHeader.
const DefaultHeader = "{date} {time}|From: {from} {fax}|To: {to}|Page {page} of {pages}"

// Config is the configuration of a Faxbox appliance. The comments give
// each key as written in the TOML file and its default, which Default
// returns and Load applies for every key the file leaves out.
type Config struct {
	// Demo (demo, default false) runs the appliance with simulated modems
	// and a simulated remote fax machine, demo credit and ./var as the
	// data directory, as `make run` does.
	Demo bool `toml:"demo"`
	// DataDir (data_dir, default "") is where the database, attachments,
	// rendered pages and archives are kept; "" means DefaultDataDir
	// (/var/lib/faxbox), or DemoDataDir (./var) in demo mode. See DataPath.
	DataDir string `toml:"data_dir"`
	// LogLevel (log_level, default "info") is the least severe level of
	// the log: debug, info, warn or error.
	LogLevel LogLevel `toml:"log_level"`
	// Country (country, default "BE") is the ISO 3166-1 alpha-2 code of the
	// country the telephone line is in. National numbers typed without a
	// country code are read as in this country, and it selects the
	// default dial prefixes.
	Country string `toml:"country"`

	// Identity is how the appliance presents itself on faxes.
	Identity Identity `toml:"identity"`
	// DialPlan says how numbers are dialled from this line.
	DialPlan DialPlan `toml:"dial_plan"`
	// Modems are the class 1 fax modems, one to MaxModems.
	Modems []Modem `toml:"modems"`
	// SIP (sip, default none) are SIP accounts whose calls carry fax as
	// T.38, each a [[sip]] table with the keys and defaults of sip.Config.
	SIP []sip.Config `toml:"sip,omitempty"`
	// Web is the web UI and JSON API server.
	Web Web `toml:"web"`
	// SMTP is the mail relay that notifications go out through.
	SMTP SMTP `toml:"smtp"`
	// EmailToFax is the SMTP listener that takes faxes by e-mail.
	EmailToFax EmailToFax `toml:"email_to_fax"`
	// Inbox says who sees received faxes and where they are forwarded.
	Inbox Inbox `toml:"inbox"`
	// Billing holds the currency, credit rules, tariff and voucher keys.
	Billing Billing `toml:"billing"`
	// Retry says how often and how soon a failed send is tried again.
	Retry Retry `toml:"retry"`
	// Retention bounds how long and how much is kept on disk.
	Retention Retention `toml:"retention"`
	// Render bounds what rendering documents may take.
	Render Render `toml:"render"`
	// Board maps the front panel and sound to the board's hardware.
	Board Board `toml:"board"`
	// Console is the installer console on a serial port.
	Console Console `toml:"console"`
}

// Identity is how the appliance presents itself: in the T.30 identity
// frames and on the header line of every page.
type Identity struct {
	// FaxNumber (identity.fax_number, default "") is the appliance's own
	// fax number in E.164 form, "+3225551212"; "" until the installer sets
	// it.
	FaxNumber string `toml:"fax_number"`
	// Ident (identity.ident, default "") is the TSI/CSI sent to the remote
	// machine (T.30 5.3.6.2.4), at most 20 characters; T.30 allows digits,
	// "+" and space, though letters are commonly accepted. "" means the fax
	// number in international format.
	Ident string `toml:"ident"`
	// Header (identity.header, default DefaultHeader) is the format of the
	// header line at the top of every page, with the fields {date},
	// {time}, {from}, {org}, {fax}, {to}, {subject}, {page} and {pages};
	// "|" separates columns (see pages/render FormatHeader).
	Header string `toml:"header"`
	// Organisation (identity.organisation, default "") is the name of the
	// office, shown when a sender has no name of their own.
	Organisation string `toml:"organisation"`
}

// AreaDialing says how numbers in the line's own area are dialled; see
// numbers.AreaDialing.
type AreaDialing string

// Ways to dial a number in the line's own area.
const (
	AreaDialingDefault AreaDialing = "default"  // the country's usual way
	AreaDialingFull    AreaDialing = "full"     // trunk prefix and national number
	AreaDialingLocal   AreaDialing = "local"    // subscriber number only
	AreaDialingNoTrunk AreaDialing = "no-trunk" // area code and number, no trunk prefix
)

// Dialing is tone (DTMF) or pulse dialling.
type Dialing string

// Dialling methods.
const (
	DialingTone  Dialing = "tone"
	DialingPulse Dialing = "pulse"
)

// DialPlan describes the telephone line, so that an E.164 number can be
// turned into digits to dial; see numbers.DialPlan. The country is
// Config.Country.
type DialPlan struct {
	// AreaCode (dial_plan.area_code, default "") is the line's own area
	// code without trunk prefix ("2" for Brussels); "" turns same-area
	// dialling off.
	AreaCode string `toml:"area_code"`
	// AreaDialing (dial_plan.area_dialing, default "default") is how
	// numbers in AreaCode are dialled: default, full, local or no-trunk.
	AreaDialing AreaDialing `toml:"area_dialing"`
	// InternationalPrefix (dial_plan.international_prefix, default "")
	// overrides the country's international access code ("00", "011").
	InternationalPrefix string `toml:"international_prefix"`
	// TrunkPrefix (dial_plan.trunk_prefix, default "") overrides the
	// country's trunk prefix ("0"); "-" means none.
	TrunkPrefix string `toml:"trunk_prefix"`
	// OutsideLine (dial_plan.outside_line, default "") is dialled first to
	// get an outside line from a PBX, usually with a pause: "9,".
	OutsideLine string `toml:"outside_line"`
	// Dialing (dial_plan.dialing, default "tone") is tone or pulse.
	Dialing Dialing `toml:"dialing"`
}

// Flow is the serial flow control towards a modem.
type Flow string

// Flow control modes.
const (
	FlowRTSCTS  Flow = "rtscts"  // hardware flow control
	FlowXONXOFF Flow = "xonxoff" // software flow control
	FlowNone    Flow = "none"    // no flow control
)

// Answer is a modem's policy for incoming calls.
type Answer string

// Answer policies.
const (
	AnswerRings Answer = "rings" // answer every call after Rings rings
	AnswerHours Answer = "hours" // answer after Rings rings, only within Hours
	AnswerNever Answer = "never" // send only
)

// Modem is one class 1 fax modem on a serial port. In demo mode the modems
// are simulated and Device is not opened.
type Modem struct {
	// Device (modems[].device, default "/dev/ttyUSB0") is the serial
	// device; each modem needs its own.
	Device string `toml:"device"`
	// Baud (modems[].baud, default 115200) is the serial speed.
	Baud int `toml:"baud"`
	// Flow (modems[].flow, default "rtscts") is the flow control: rtscts,
	// xonxoff or none.
	Flow Flow `toml:"flow"`
	// Init (modems[].init, default []) lists extra AT commands sent after
	// the modem is reset ("AT&K3", "ATS7=60").
	Init []string `toml:"init"`
	// Answer (modems[].answer, default "rings") is the policy for incoming
	// calls: rings, hours or never.
	Answer Answer `toml:"answer"`
	// Rings (modems[].rings, default 2) is how many rings to wait before
	// answering, 1 to 20.
	Rings int `toml:"rings"`
	// Hours (modems[].hours, default "") is when calls are answered if
	// Answer is "hours": "08:00-18:00".
	Hours TimeRange `toml:"hours"`
	// AnswerAllowance (modems[].answer_allowance, default "3s", 0 to
	// "10s") is added to every answered call's connected time so that the
	// meter runs from the answer, as the telephone company bills: the
	// modem reports the connection only after the answering machine's
	// tone.
	AnswerAllowance Duration `toml:"answer_allowance"`
	// PowerLine (modems[].power_line, default "") is the GPIO line that
	// powers or resets the modem, so that the watchdog can power-cycle it;
	// "" if there is none. Needs board.gpio_chip.
	PowerLine Line `toml:"power_line"`
}

// Web is the HTTPS server of the web UI and the JSON API.
type Web struct {
	// Listen (web.listen, default [":443"]) are the addresses the HTTPS
	// server listens on, host:port; an empty host means every interface.
	Listen []string `toml:"listen"`
	// RedirectHTTP (web.redirect_http, default ":80") is a plain-HTTP
	// address that only redirects to HTTPS; "" turns it off.
	RedirectHTTP string `toml:"redirect_http"`
	// TLSCert (web.tls_cert, default "") is the PEM certificate file (with
	// its chain); with TLSKey "" too, a self-signed certificate is
	// generated on first start under the data directory.
	TLSCert string `toml:"tls_cert"`
	// TLSKey (web.tls_key, default "") is the PEM private key file of
	// TLSCert; set both or neither.
	TLSKey string `toml:"tls_key"`
	// APITokenFile (web.api_token_file, default "") is a file holding a
	// bearer token that scripts may use with the JSON API; "" allows no
	// token, only user sessions.
	APITokenFile string `toml:"api_token_file"`
}

// SMTP is the mail relay that delivery and failure notifications, and
// received faxes forwarded by e-mail, are sent through.
type SMTP struct {
	// Host (smtp.host, default "") is the relay's host name; "" sends no
	// mail.
	Host string `toml:"host"`
	// Port (smtp.port, default 587) is the relay's port.
	Port int `toml:"port"`
	// Username (smtp.username, default "") logs in to the relay; "" sends
	// without authentication.
	Username string `toml:"username"`
	// PasswordFile (smtp.password_file, default "") is a file holding the
	// password for Username, so that the password is not in this file.
	PasswordFile string `toml:"password_file"`
	// From (smtp.from, default "") is the sender address of the mail the
	// appliance sends; required when Host is set.
	From string `toml:"from"`
	// StartTLS (smtp.starttls, default true) requires STARTTLS before
	// logging in and sending.
	StartTLS bool `toml:"starttls"`
}

// EmailToFax is the SMTP listener that turns mail to <number>@<domain>
// into faxes.
type EmailToFax struct {
	// Listen (email_to_fax.listen, default "") is the address the listener
	// accepts mail on, ":25" for example; "" turns it off.
	Listen string `toml:"listen"`
	// Domain (email_to_fax.domain, default "fax") is the domain of fax
	// addresses: 3225551212@fax.
	Domain string `toml:"domain"`
	// RelayHosts (email_to_fax.relay_hosts, default none) are the office
	// mail servers, each an address ("192.168.1.20") or a network in CIDR
	// notation ("192.168.1.16/29"), that may hand mail over without SMTP
	// authentication because they have authenticated their own users. A
	// mail from them is billed to the account whose e-mail address is the
	// envelope sender, and its From header field must name the same
	// address. Every other client signs in with a Faxbox account (SMTP
	// AUTH, over STARTTLS or on loopback). It replaces allowed_networks,
	// which trusted whole networks and is refused with a pointer here.
	RelayHosts []string `toml:"relay_hosts"`
	// RequireAuth (email_to_fax.require_auth, default false) requires SMTP
	// authentication with a Faxbox account even from RelayHosts.
	RequireAuth bool `toml:"require_auth"`
	// MaxMessageMiB (email_to_fax.max_message_mib, default 25) is the
	// largest mail accepted, in MiB, 1 to 1024.
	MaxMessageMiB int `toml:"max_message_mib"`
}

// Inbox routes received faxes to users and forwards them by e-mail. A
// fax no rule matches goes to all staff.
type Inbox struct {
	// ByNumber (inbox.by_number, default {}) routes a fax by the caller's
	// number as the line's caller ID shows it: prefix = user name, as in
	// "+3225" = "alice" (digits, an optional leading "+", which also
	// matches the number in international form). The longest matching
	// prefix wins and comes before ByIdent.
	ByNumber map[string]string `toml:"by_number"`
	// ByIdent (inbox.by_ident, default {}) routes a fax by text that the
	// caller's identity (TSI) contains, ignoring case and spaces: text =
	// user name, as in "ACME" = "bob". The longest matching text wins.
	ByIdent map[string]string `toml:"by_ident"`
	// ForwardTo (inbox.forward_to, default "") is an e-mail address every
	// received fax is forwarded to as a PDF attachment; "" forwards none.
	// Needs smtp.host.
	ForwardTo string `toml:"forward_to"`
	// ForwardToUser (inbox.forward_to_user, default false) forwards a fax
	// routed to a user to that user's e-mail address too. Needs smtp.host.
	ForwardToUser bool `toml:"forward_to_user"`
}

// Billing holds the rules of prepaid credit.
type Billing struct {
	// Currency (billing.currency, default "EUR") is the ISO 4217 code of
	// the appliance's one currency.
	Currency string `toml:"currency"`
	// MinimumAvailable (billing.minimum_available, default "10.00") is the
	// credit that must be available to send.
	MinimumAvailable Money `toml:"minimum_available"`
	// LowCredit (billing.low_credit, default "20.00") is the available
	// credit below which the low-credit LED and warnings come on; "0"
	// turns them off.
	LowCredit Money `toml:"low_credit"`
	// TariffFile (billing.tariff_file, default "") is a tariff table in
	// CSV; "" uses the table that ships with Faxbox.
	TariffFile string `toml:"tariff_file"`
	// VoucherKeys (billing.voucher_keys, default []) are the resellers'
	// public keys that vouchers are accepted from, each a line as `faxd
	// voucher keygen` prints it: "faxbox-voucher-key-v1 ID BASE64". Several
	// allow a key to be rotated.
	VoucherKeys []string `toml:"voucher_keys"`
	// DemoCredit (billing.demo_credit, default "100.00") is the credit a
	// demo starts with.
	DemoCredit Money `toml:"demo_credit"`
}

// Retry says how failed sends are tried again.
type Retry struct {
	// Attempts (retry.attempts, default 3) is the most calls made to one
	// recipient, 1 to 20.
	Attempts int `toml:"attempts"`
	// Backoff is the wait before the next attempt, by cause of failure.
	Backoff Backoff `toml:"backoff"`
}

// Backoff is the wait before another attempt after each cause of failure.
// A zero wait ("0s") means that cause is final: no further attempt.
type Backoff struct {
	// Busy (retry.backoff.busy, default "3m"): the line was busy.
	Busy Duration `toml:"busy"`
	// NoAnswer (retry.backoff.no_answer, default "15m"): nobody answered.
	NoAnswer Duration `toml:"no_answer"`
	// NotFax (retry.backoff.not_fax, default "0s"): a voice or silent
	// answer, not a fax machine; by default not retried.
	NotFax Duration `toml:"not_fax"`
	// NoDialTone (retry.backoff.no_dial_tone, default "5m"): our own line
	// gave no dial tone.
	NoDialTone Duration `toml:"no_dial_tone"`
	// CallFailed (retry.backoff.call_failed, default "5m"): the fax call
	// failed (training, dropped line, pages refused).
	CallFailed Duration `toml:"call_failed"`
}

// Retention bounds what is kept on disk.
type Retention struct {
	// SentDays (retention.sent_days, default 90) is how many days the
	// archives of sent faxes are kept; 0 keeps them until DiskLimit needs
	// the space. Drafts of Compose untouched that long are removed too.
	SentDays int `toml:"sent_days"`
	// ReceivedDays (retention.received_days, default 365) is how many days
	// received faxes are kept; 0 keeps them until DiskLimit needs the
	// space.
	ReceivedDays int `toml:"received_days"`
	// DiskLimit (retention.disk_limit, default "80%") bounds the space
	// faxes take: the oldest are deleted first beyond it.
	DiskLimit DiskLimit `toml:"disk_limit"`
}

// LongPress is what holding the cancel button down does.
type LongPress string

// Long-press actions.
const (
	LongPressNone   LongPress = "none"   // nothing
	LongPressStatus LongPress = "status" // show the state on the LEDs and say it aloud
	LongPressReset  LongPress = "reset"  // power-cycle and re-probe the modems
)

// Board maps the front panel, modem power and sound to the hardware. Every
// line is optional: a board without some of them works without them.
type Board struct {
	// GPIOChip (board.gpio_chip, default "") is the GPIO character device,
	// "gpiochip0" or "/dev/gpiochip0"; "" means no GPIO.
	GPIOChip string `toml:"gpio_chip"`
	// LEDReady (board.led_ready, default ""): ready to send.
	LEDReady Line `toml:"led_ready"`
	// LEDBusy (board.led_busy, default ""): a line is in use.
	LEDBusy Line `toml:"led_busy"`
	// LEDError (board.led_error, default ""): a modem is out of service or
	// the disk is nearly full.
	LEDError Line `toml:"led_error"`
	// LEDLowCredit (board.led_low_credit, default ""): available credit is
	// below billing.low_credit.
	LEDLowCredit Line `toml:"led_low_credit"`
	// ButtonCancel (board.button_cancel, default ""): cancels the current
	// call.
	ButtonCancel Line `toml:"button_cancel"`
	// LongPress (board.long_press, default "status") is what holding the
	// cancel button does: none, status or reset.
	LongPress LongPress `toml:"long_press"`
	// SoundDir (board.sound_dir, default "") holds MP3 files that replace
	// the built-in alerts (delivered.mp3, failed.mp3, received.mp3,
	// low-credit.mp3); "" uses the built-in ones.
	SoundDir string `toml:"sound_dir"`
	// Volume (board.volume, default 70) is the alert volume, 0 (silent) to
	// 100.
	Volume int `toml:"volume"`
	// QuietHours (board.quiet_hours, default "") is when no sound is
	// played: "22:00-07:00".
	QuietHours TimeRange `toml:"quiet_hours"`
}

// Console is the installer console.
type Console struct {
	// Device (console.device, default "") is the serial port of the
	// console ("/dev/ttyS0", "/dev/ttyGS0"); "" means standard input only.
	Device string `toml:"device"`
	// Baud (console.baud, default 115200) is its speed (8N1).
	Baud int `toml:"baud"`
	// PINHash (console.pin_hash, default "") is the hash of the installer
	// PIN, as an argon2id ("$argon2id$...") or bcrypt ("$2b$...") string;
	// required when Device is set.
	PINHash string `toml:"pin_hash"`
}

// LogLevel is the least severe level that is logged.
type LogLevel string

// Log levels.
const (
	LogDebug LogLevel = "debug"
	LogInfo  LogLevel = "info"
	LogWarn  LogLevel = "warn"
	LogError LogLevel = "error"
)

// Level returns l as a slog.Level (info for an unknown level).
func (l LogLevel) Level() slog.Level {
	switch l {
	case LogDebug:
		return slog.LevelDebug
	case LogWarn:
		return slog.LevelWarn
	case LogError:
		return slog.LevelError
	}
	return slog.LevelInfo
}

// Default returns the default configuration. It is valid, and it is what
// Load starts from.
func Default() *Config {
	return &Config{
		LogLevel: LogInfo,
		Country:  "BE",
		Identity: Identity{Header: DefaultHeader},
		DialPlan: DialPlan{AreaDialing: AreaDialingDefault, Dialing: DialingTone},
		Modems:   []Modem{DefaultModem()},
		Web:      Web{Listen: []string{":443"}, RedirectHTTP: ":80"},
		SMTP:     SMTP{Port: 587, StartTLS: true},
		EmailToFax: EmailToFax{
			Domain:        "fax",
			RelayHosts:    []string{},
			MaxMessageMiB: 25,
		},
		Inbox: Inbox{ByNumber: map[string]string{}, ByIdent: map[string]string{}},
		Billing: Billing{
			Currency:         string(billing.EUR),
			MinimumAvailable: Money(10 * billing.Unit),
			LowCredit:        Money(20 * billing.Unit),
			VoucherKeys:      []string{},
			DemoCredit:       Money(100 * billing.Unit),
		},
		Retry: Retry{
			Attempts: 3,
			Backoff: Backoff{
				Busy:       Duration(3 * time.Minute),
				NoAnswer:   Duration(15 * time.Minute),
				NoDialTone: Duration(5 * time.Minute),
				CallFailed: Duration(5 * time.Minute),
			},
		},
		Retention: Retention{SentDays: 90, ReceivedDays: 365, DiskLimit: DiskLimit{Percent: 80}},
		Render: Render{Timeout: Duration(30 * time.Second), CPUTime: Duration(2 * time.Minute), PreviewsPerMinute: 10,
			OfficeTimeout: Duration(3 * time.Minute), Resolution: DefaultResolution},
		Board:   Board{LongPress: LongPressStatus, Volume: 70},
		Console: Console{Baud: 115200},
	}
}

// DefaultModem returns the defaults of one modem, which Load applies to
// every key a [[modems]] table leaves out.
func DefaultModem() Modem {
	return Modem{
		Device: "/dev/ttyUSB0",
		Baud:   115200,
		Flow:   FlowRTSCTS,
		Init:   []string{},
		Answer: AnswerRings,
		Rings:  2,

		AnswerAllowance: DefaultAnswerAllowance,
	}
}

// DefaultAnswerAllowance is modems[].answer_allowance's default: about
// the time from a fax machine's answer to its first V.21 frame.
const DefaultAnswerAllowance = Duration(3 * time.Second)

// DataPath returns the data directory: DataDir, or its default for the
// mode.
func (c *Config) DataPath() string {
	switch {
	case c.DataDir != "":
		return c.DataDir
	case c.Demo:
		return DemoDataDir
	}
	return DefaultDataDir
}

// Ident returns the TSI/CSI to send: Identity.Ident, or else the fax
// number in international format ("+32 2 555 12 12") when it fits in the
// 20 characters of T.30, else in E.164 form.
func (c *Config) Ident() string {
	if c.Identity.Ident != "" || c.Identity.FaxNumber == "" {
		return c.Identity.Ident
	}
	if n, err := numbers.Parse(c.Identity.FaxNumber); err == nil && len(n.International()) <= MaxIdent {
		return n.International()
	}
	return c.Identity.FaxNumber
}

// NumberDialPlan returns the dial plan as package numbers takes it.
func (c *Config) NumberDialPlan() numbers.DialPlan {
	var ad numbers.AreaDialing
	switch c.DialPlan.AreaDialing {
	case AreaDialingFull:
		ad = numbers.AreaDialingFull
	case AreaDialingLocal:
		ad = numbers.AreaDialingLocal
	case AreaDialingNoTrunk:
		ad = numbers.AreaDialingNoTrunk
	}
	return numbers.DialPlan{
		Country:             c.Country,
		AreaCode:            c.DialPlan.AreaCode,
		AreaDialing:         ad,
		InternationalPrefix: c.DialPlan.InternationalPrefix,
		TrunkPrefix:         c.DialPlan.TrunkPrefix,
		OutsideLine:         c.DialPlan.OutsideLine,
		Pulse:               c.DialPlan.Dialing == DialingPulse,
	}
}

// TrustedKeys returns the parsed voucher keys. Validate has checked them,
// so an error here means the Config was changed since.
func (b *Billing) TrustedKeys() ([]billing.TrustedKey, error) {
	keys := make([]billing.TrustedKey, 0, len(b.VoucherKeys))
	for _, line := range b.VoucherKeys {
		k, err := billing.ParseTrustedKey([]byte(line))
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
}
