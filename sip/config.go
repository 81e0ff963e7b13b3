package sip

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"
)

// Transport is the SIP transport of a line (RFC 3261 18).
type Transport string

// Transports.
const (
	UDP Transport = "udp"
	TCP Transport = "tcp"
)

// Answer is a SIP line's policy for incoming calls.
type Answer string

// Answer policies.
const (
	AnswerAlways Answer = "always" // answer every call after AnswerAfter
	AnswerNever  Answer = "never"  // send only: incoming calls get 480
)

// PortRange is an inclusive range of UDP or TCP ports, "5060-5069" in
// TOML.
type PortRange struct{ Lo, Hi int }

// UnmarshalText reads "lo-hi" or a single port.
func (r *PortRange) UnmarshalText(b []byte) error {
	lo, hi, found := strings.Cut(string(b), "-")
	if !found {
		hi = lo
	}
	var err1, err2 error
	r.Lo, err1 = strconv.Atoi(strings.TrimSpace(lo))
	r.Hi, err2 = strconv.Atoi(strings.TrimSpace(hi))
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("port range %q: want \"lo-hi\"", b)
	}
	return nil
}

// MarshalText writes "lo-hi".
func (r PortRange) MarshalText() ([]byte, error) { return fmt.Appendf(nil, "%d-%d", r.Lo, r.Hi), nil }

// T38Options are the T.38 capabilities a line offers (T.38 Annex D.2.3).
type T38Options struct {
	Version        int    `toml:"version"`         // T38FaxVersion, 0 to 3 (default 0)
	MaxBitRate     int    `toml:"max_bit_rate"`    // T38MaxBitRate (default 14400)
	MaxDatagram    int    `toml:"max_datagram"`    // T38FaxMaxDatagram we accept (default 400)
	MaxBuffer      int    `toml:"max_buffer"`      // T38FaxMaxBuffer (default 1800)
	ErrorControl   string `toml:"error_control"`   // "redundancy" (default), "fec" or "none"
	RateManagement string `toml:"rate_management"` // "transferredTCF" (default) or "localTCF"
	// ReinviteAfter is how long an audio call waits for the far end to
	// switch to T.38 before Faxbox sends the re-INVITE itself (default
	// 4s, 0 to only wait).
	ReinviteAfter Duration `toml:"reinvite_after"`
	// NoFaxTimeout ends an audio call that never switched (default 60s).
	NoFaxTimeout Duration `toml:"no_fax_timeout"`
}

// Duration is a time.Duration written as "90s" in TOML.
type Duration time.Duration

// UnmarshalText reads a Go duration.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = Duration(v)
	return err
}

// MarshalText writes a Go duration.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// Config is one [[sip]] table: a SIP account on a trunk or PBX.
type Config struct {
	Registrar    string    `toml:"registrar"`     // host[:port]; "" registers nowhere
	Proxy        string    `toml:"proxy"`         // outbound proxy host[:port]; "" sends to the request URI
	Domain       string    `toml:"domain"`        // SIP domain of User (default: registrar host)
	User         string    `toml:"user"`          // user part of our address of record
	AuthUser     string    `toml:"auth_user"`     // digest user name (default User)
	PasswordFile string    `toml:"password_file"` // file whose first line is the digest password
	Number       string    `toml:"number"`        // our number, as sent in From
	Transport    Transport `toml:"transport"`     // "udp" (default) or "tcp"
	Listen       string    `toml:"listen"`        // local IP to bind (default 0.0.0.0)
	SIPPorts     PortRange `toml:"sip_ports"`     // local SIP ports, first free is used (default 5060-5069)
	MediaPorts   PortRange `toml:"media_ports"`   // local RTP/UDPTL ports (default 40000-40999)
	MaxCalls     int       `toml:"max_calls"`     // calls at once (default 4)
	// Expires is the registration lifetime asked for (RFC 3261 10.2.1.1,
	// default 600s); the registrar may shorten it.
	Expires Duration `toml:"expires"`
	// SessionExpires is the RFC 4028 session interval asked for (default
	// 1800s, 0 for no session timer).
	SessionExpires Duration   `toml:"session_expires"`
	RingTimeout    Duration   `toml:"ring_timeout"` // no-answer limit of outgoing calls (default 60s)
	Answer         Answer     `toml:"answer"`       // incoming calls (default "always")
	AnswerAfter    Duration   `toml:"answer_after"` // ringing time before answering (default 0)
	T38            T38Options `toml:"t38"`
}

// Default returns a Config with every default filled in and no account.
func Default() Config {
	return Config{
		Transport: UDP, Listen: "0.0.0.0", SIPPorts: PortRange{5060, 5069},
		MediaPorts: PortRange{40000, 40999}, MaxCalls: 4, Expires: Duration(600 * time.Second),
		SessionExpires: Duration(1800 * time.Second), RingTimeout: Duration(60 * time.Second),
		Answer: AnswerAlways,
		T38: T38Options{MaxBitRate: 14400, MaxDatagram: 400, MaxBuffer: 1800, ErrorControl: "redundancy",
			RateManagement: "transferredTCF", ReinviteAfter: Duration(4 * time.Second),
			NoFaxTimeout: Duration(60 * time.Second)},
	}
}

// Validate checks every setting of c, which is the table at key (such as
// "sip[0]"), and returns all problems as *ConfigError joined, or nil.
func (c *Config) Validate(key string) error {
	var errs []error
	bad := func(k, format string, args ...any) {
		errs = append(errs, &ConfigError{Key: key + "." + k, Msg: fmt.Sprintf(format, args...)})
	}
	c.validateAccount(bad)
	c.validateNetwork(bad)
	c.validateTimes(bad)
	c.T38.validate(func(k, f string, a ...any) { bad("t38."+k, f, a...) })
	return errors.Join(errs...)
}

type badFunc func(key, format string, args ...any)

func (c *Config) validateAccount(bad badFunc) {
	for k, v := range map[string]string{"registrar": c.Registrar, "proxy": c.Proxy} {
		if v != "" && !validHostPort(v) {
			bad(k, "%q is not host or host:port", v)
		}
	}
	if c.Registrar != "" && c.User == "" {
		bad("user", "needed to register")
	}
	if strings.ContainsAny(c.User+c.AuthUser+c.Number, " \t\r\n@:;<>\"") {
		bad("user", "user, auth_user and number must not contain spaces or @:;<>\"")
	}
	if c.Registrar != "" && c.PasswordFile == "" {
		bad("password_file", "needed to register")
	}
	switch c.Answer {
	case AnswerAlways, AnswerNever:
	default:
		bad("answer", "%q is not \"always\" or \"never\"", c.Answer)
	}
}

func (c *Config) validateNetwork(bad badFunc) {
	if c.Transport != UDP && c.Transport != TCP {
		bad("transport", "%q is not \"udp\" or \"tcp\"", c.Transport)
	}
	if _, err := netip.ParseAddr(c.Listen); err != nil {
		bad("listen", "%q is not an IP address", c.Listen)
	}
	for k, r := range map[string]PortRange{"sip_ports": c.SIPPorts, "media_ports": c.MediaPorts} {
		if r.Lo < 1 || r.Hi > 65535 || r.Lo > r.Hi {
			bad(k, "%d-%d is not a range within 1-65535", r.Lo, r.Hi)
		}
	}
	if n := c.MediaPorts.Hi - c.MediaPorts.Lo + 1; n < 2*c.MaxCalls {
		bad("media_ports", "%d ports are too few for %d calls (2 per call)", n, c.MaxCalls)
	}
	if c.MaxCalls < 1 || c.MaxCalls > 256 {
		bad("max_calls", "%d is not 1 to 256", c.MaxCalls)
	}
}

func (c *Config) validateTimes(bad badFunc) {
	if e := time.Duration(c.Expires); e < 60*time.Second || e > 24*time.Hour {
		bad("expires", "%v is not 60s to 24h", e)
	}
	// RFC 4028 4: Min-SE is at least 90 seconds.
	if se := time.Duration(c.SessionExpires); se != 0 && se < 90*time.Second {
		bad("session_expires", "%v is under the 90s minimum of RFC 4028 4", se)
	}
	if r := time.Duration(c.RingTimeout); r < time.Second || r > 10*time.Minute {
		bad("ring_timeout", "%v is not 1s to 10m", r)
	}
	if a := time.Duration(c.AnswerAfter); a < 0 || a > time.Minute {
		bad("answer_after", "%v is not 0 to 1m", a)
	}
}

func (o *T38Options) validate(bad badFunc) {
	if o.Version < 0 || o.Version > 3 {
		bad("version", "%d is not 0 to 3", o.Version)
	}
	switch o.MaxBitRate {
	case 2400, 4800, 7200, 9600, 12000, 14400, 33600:
	default:
		bad("max_bit_rate", "%d is not a V.27ter/V.29/V.17/V.34 rate", o.MaxBitRate)
	}
	if o.MaxDatagram < 72 || o.MaxDatagram > 1400 {
		bad("max_datagram", "%d is not 72 to 1400", o.MaxDatagram)
	}
	if o.MaxBuffer < 200 || o.MaxBuffer > 65535 {
		bad("max_buffer", "%d is not 200 to 65535", o.MaxBuffer)
	}
	if _, ok := ecNames[o.ErrorControl]; !ok {
		bad("error_control", "%q is not \"redundancy\", \"fec\" or \"none\"", o.ErrorControl)
	}
	if o.RateManagement != "transferredTCF" && o.RateManagement != "localTCF" {
		bad("rate_management", "%q is not \"transferredTCF\" or \"localTCF\"", o.RateManagement)
	}
	if o.ReinviteAfter < 0 || o.NoFaxTimeout <= 0 {
		bad("reinvite_after", "reinvite_after must be 0 or more and no_fax_timeout more than 0")
	}
}

var ecNames = map[string]UDPEC{"none": ECNone, "redundancy": ECRedundancy, "fec": ECFEC}

// Params returns the T.38 parameters the options offer.
func (o *T38Options) Params() T38Params {
	rm := TransferredTCF
	if o.RateManagement == "localTCF" {
		rm = LocalTCF
	}
	return T38Params{Version: o.Version, MaxBitRate: o.MaxBitRate, RateManagement: rm,
		MaxBuffer: o.MaxBuffer, MaxDatagram: o.MaxDatagram, UDPEC: ecNames[o.ErrorControl]}
}

func validHostPort(s string) bool {
	host, port, err := splitHostPort(s)
	return err == nil && host != "" && !strings.ContainsAny(host, " /@") && port >= 0 && port < 65536
}

// splitHostPort splits "host[:port]"; port 0 means absent.
func splitHostPort(s string) (string, int, error) {
	if i := strings.LastIndexByte(s, ':'); i >= 0 && !strings.HasSuffix(s, "]") && strings.Count(s, ":") == 1 {
		p, err := strconv.Atoi(s[i+1:])
		if err != nil {
			return "", 0, fmt.Errorf("port of %q: %w", s, err)
		}
		return s[:i], p, nil
	}
	return strings.Trim(s, "[]"), 0, nil
}

// ReadPassword returns the first line of c.PasswordFile, or "" if c has
// none.
func (c *Config) ReadPassword() (string, error) {
	if c.PasswordFile == "" {
		return "", nil
	}
	b, err := os.ReadFile(c.PasswordFile)
	if err != nil {
		return "", fmt.Errorf("sip: password file: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimRight(line, "\r"), nil
}
