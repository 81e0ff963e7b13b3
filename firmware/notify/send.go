package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"faxbox/firmware/config"
)

// Defaults of Sender's time limits.
const (
	DefaultTimeout     = 2 * time.Minute
	DefaultDialTimeout = 15 * time.Second
)

// Sender hands messages to the mail relay. Its zero value sends nothing;
// NewSender fills it from the configuration. A Sender holds no connection
// between sends and is safe for concurrent use.
type Sender struct {
	// Host and Port address the relay; Host "" disables sending.
	Host string
	Port int
	// Username, when set, logs in with AUTH PLAIN using the password held
	// in PasswordFile (read at each send, trailing newline removed).
	Username     string
	PasswordFile string
	// StartTLS requires STARTTLS before logging in and sending.
	StartTLS bool
	// ImplicitTLS speaks TLS from the first byte (SMTPS, port 465).
	ImplicitTLS bool
	// TLSConfig, if not nil, is used for TLS (its ServerName defaults to
	// Host); nil verifies the relay's certificate with the system roots.
	TLSConfig *tls.Config
	// Timeout bounds a whole send, connection to final reply; 0 is
	// DefaultTimeout. DialTimeout bounds the connection; 0 is
	// DefaultDialTimeout.
	Timeout     time.Duration
	DialTimeout time.Duration
	// LocalName is the name given in EHLO; "" uses the host name.
	LocalName string
}

// NewSender returns a Sender for the [smtp] configuration. Port 465 is
// taken as SMTPS (implicit TLS), as mail clients do.
func NewSender(c config.SMTP) *Sender {
	return &Sender{
		Host: c.Host, Port: c.Port,
		Username: c.Username, PasswordFile: c.PasswordFile,
		StartTLS:    c.StartTLS && c.Port != 465,
		ImplicitTLS: c.Port == 465,
	}
}

// Enabled reports whether a relay is configured.
func (s *Sender) Enabled() bool { return s != nil && s.Host != "" }

// Kind sorts send failures by what the daemon should do about them.
type Kind uint8

// The kinds of send failures.
const (
	// Unreachable: no connection, the connection was lost, or the relay
	// did not answer in time. Retry later.
	Unreachable Kind = iota + 1
	// Rejected: the relay answered with an SMTP refusal. Retry later only
	// if Error.Temporary (a 4xx reply).
	Rejected
	// Setup: a configuration problem on either side (password file
	// unreadable, no STARTTLS or AUTH offered, certificate not trusted,
	// password that would travel unencrypted). Retrying will not help
	// until the configuration changes.
	Setup
)

// String returns "unreachable", "rejected" or "setup".
func (k Kind) String() string {
	switch k {
	case Unreachable:
		return "unreachable"
	case Rejected:
		return "rejected"
	case Setup:
		return "setup"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Sentinels matched by errors.Is against an *Error of that Kind, and
// ErrNoRelay returned when no relay is configured.
var (
	ErrUnreachable = errors.New("notify: mail relay unreachable")
	ErrRejected    = errors.New("notify: mail relay refused the message")
	ErrSetup       = errors.New("notify: mail relay set-up problem")
	ErrNoRelay     = errors.New("notify: no mail relay configured (smtp.host)")
)

// Error says why a send failed.
type Error struct {
	Kind  Kind
	Relay string // host:port
	// Step is where it failed: "connect", "TLS", "hello", "STARTTLS",
	// "AUTH", "MAIL FROM", "RCPT TO", "DATA", "SIZE" or "password file".
	Step string
	// Code, EnhancedCode and Reply are the relay's SMTP reply when Kind
	// is Rejected.
	Code         int
	EnhancedCode [3]int
	Reply        string
	// Timeout is set when the relay did not answer in time (or the
	// caller's context ended).
	Timeout bool
	Err     error
}

// Error says in one line what failed, where, and the relay's reply.
func (e *Error) Error() string {
	switch e.Kind {
	case Rejected:
		s := fmt.Sprintf("notify: mail relay %s refused at %s: %d", e.Relay, e.Step, e.Code)
		if e.EnhancedCode[0] > 0 {
			s += fmt.Sprintf(" %d.%d.%d", e.EnhancedCode[0], e.EnhancedCode[1], e.EnhancedCode[2])
		}
		if e.Reply != "" {
			s += " " + e.Reply
		}
		return s
	case Unreachable:
		what := "unreachable"
		if e.Timeout {
			what = "did not answer in time"
		}
		return fmt.Sprintf("notify: mail relay %s %s (%s): %v", e.Relay, what, e.Step, e.Err)
	}
	return fmt.Sprintf("notify: mail relay %s: %s: %v", e.Relay, e.Step, e.Err)
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Is matches the sentinel of e's Kind.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrUnreachable:
		return e.Kind == Unreachable
	case ErrRejected:
		return e.Kind == Rejected
	case ErrSetup:
		return e.Kind == Setup
	}
	return false
}

// Temporary reports whether sending again later may succeed: the relay
// was unreachable, or refused with a 4xx reply.
func (e *Error) Temporary() bool {
	return e.Kind == Unreachable || e.Kind == Rejected && e.Code/100 == 4
}

// Send hands m to the relay. It returns nil once the relay accepted the
// message (a failed QUIT afterwards is ignored, so an accepted notice is
// not sent twice), ErrNoRelay when none is configured, or an *Error. It
// returns within s.Timeout, or earlier when ctx ends.
func (s *Sender) Send(ctx context.Context, m *Message) error {
	if !s.Enabled() {
		return ErrNoRelay
	}
	if len(m.To) == 0 {
		return fmt.Errorf("%w: no recipient", ErrInvalid)
	}
	port := s.Port
	if port == 0 {
		port = 587
	}
	relay := net.JoinHostPort(s.Host, strconv.Itoa(port))
	setup := func(step string, err error) error {
		return &Error{Kind: Setup, Relay: relay, Step: step, Err: err}
	}
	var password string
	if s.Username != "" {
		pw, err := s.password()
		if err != nil {
			return setup("password file", err)
		}
		password = pw
	}

	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	dialTimeout := s.DialTimeout
	if dialTimeout <= 0 {
		dialTimeout = DefaultDialTimeout
	}
	d := net.Dialer{Timeout: dialTimeout}
	conn, err := d.DialContext(ctx, "tcp", relay)
	if err != nil {
		return classify(ctx, relay, "connect", err)
	}
	// Closing the connection is what unblocks every read and write when
	// the time is up, whatever deadlines the client sets per command.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	defer conn.Close()

	c, err := s.greet(ctx, conn, relay, timeout)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := s.login(ctx, c, relay, password); err != nil {
		return err
	}
	return transfer(ctx, c, relay, m)
}

// greet opens the SMTP session on conn: TLS as configured, then EHLO.
func (s *Sender) greet(ctx context.Context, conn net.Conn, relay string, timeout time.Duration) (*smtp.Client, error) {
	tlsConfig := s.tlsConfig()
	var c *smtp.Client
	switch {
	case s.ImplicitTLS:
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, classify(ctx, relay, "TLS", err)
		}
		c = smtp.NewClient(tc)
	case s.StartTLS:
		// NewClientStartTLS greets as "localhost"; the EHLO below, over
		// TLS, uses LocalName.
		var err error
		c, err = smtp.NewClientStartTLS(conn, tlsConfig)
		if err != nil {
			if strings.Contains(err.Error(), "doesn't support STARTTLS") {
				return nil, &Error{Kind: Setup, Relay: relay, Step: "STARTTLS",
					Err: errors.New("the relay does not offer STARTTLS (set smtp.starttls = false to send unencrypted)")}
			}
			return nil, classify(ctx, relay, "STARTTLS", err)
		}
	default:
		c = smtp.NewClient(conn)
	}
	// The context bounds the whole send; the client's own per-command
	// deadlines are only a backstop, later, so the reported cause is the
	// context's.
	c.CommandTimeout = timeout + 5*time.Second
	c.SubmissionTimeout = timeout + 5*time.Second
	if err := c.Hello(s.localName()); err != nil {
		c.Close()
		return nil, classify(ctx, relay, "hello", err)
	}
	return c, nil
}

// login authenticates with AUTH PLAIN when a username is configured,
// never in clear text beyond loopback.
func (s *Sender) login(ctx context.Context, c *smtp.Client, relay, password string) error {
	if s.Username == "" {
		return nil
	}
	setup := func(err error) error { return &Error{Kind: Setup, Relay: relay, Step: "AUTH", Err: err} }
	if _, encrypted := c.TLSConnectionState(); !encrypted && !isLoopback(s.Host) {
		return setup(errors.New("the password would travel unencrypted: enable smtp.starttls or use port 465"))
	}
	if !c.SupportsAuth(sasl.Plain) {
		return setup(errors.New("the relay does not offer AUTH PLAIN"))
	}
	if err := c.Auth(sasl.NewPlainClient("", s.Username, password)); err != nil {
		return classify(ctx, relay, "AUTH", err)
	}
	return nil
}

// transfer sends m in the open session: MAIL FROM, RCPT TO and DATA.
func transfer(ctx context.Context, c *smtp.Client, relay string, m *Message) error {
	fail := func(step string, err error) error { return classify(ctx, relay, step, err) }
	if size, ok := c.MaxMessageSize(); ok && size > 0 && len(m.Data) > size {
		return &Error{Kind: Rejected, Relay: relay, Step: "SIZE", Code: 552, EnhancedCode: [3]int{5, 3, 4},
			Reply: fmt.Sprintf("message of %d bytes exceeds the relay's limit of %d", len(m.Data), size)}
	}
	var opts *smtp.MailOptions
	if !ascii(m.From) || !ascii(strings.Join(m.To, "")) {
		opts = &smtp.MailOptions{UTF8: true}
	}
	if err := c.Mail(m.From, opts); err != nil {
		return fail("MAIL FROM", err)
	}
	for _, to := range m.To {
		if err := c.Rcpt(to, nil); err != nil {
			return fail("RCPT TO", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fail("DATA", err)
	}
	if _, err := w.Write(m.Data); err != nil {
		return fail("DATA", err)
	}
	if err := w.Close(); err != nil {
		return fail("DATA", err)
	}
	_ = c.Quit() // the relay has accepted the message
	return nil
}

// password reads the relay password from PasswordFile.
func (s *Sender) password() (string, error) {
	if s.PasswordFile == "" {
		return "", errors.New("smtp.username is set but smtp.password_file is not")
	}
	b, err := os.ReadFile(s.PasswordFile)
	if err != nil {
		return "", err
	}
	pw := strings.TrimRight(string(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))), "\r\n")
	if pw == "" {
		return "", fmt.Errorf("%s is empty", s.PasswordFile)
	}
	return pw, nil
}

func (s *Sender) tlsConfig() *tls.Config {
	var c *tls.Config
	if s.TLSConfig != nil {
		c = s.TLSConfig.Clone()
	} else {
		c = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if c.ServerName == "" {
		c.ServerName = s.Host
	}
	return c
}

func (s *Sender) localName() string {
	if s.LocalName != "" {
		return s.LocalName
	}
	if h, err := os.Hostname(); err == nil && h != "" && !strings.ContainsAny(h, " \r\n") {
		return h
	}
	return "faxbox"
}

// classify turns a client error into an *Error.
func classify(ctx context.Context, relay, step string, err error) error {
	e := &Error{Relay: relay, Step: step, Err: err}
	var se *smtp.SMTPError
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var alert tls.AlertError
	switch {
	case ctx.Err() != nil:
		// The connection was closed because the time was up (or the
		// caller gave up): whatever the read reported, that is why.
		e.Kind, e.Timeout, e.Err = Unreachable, true, fmt.Errorf("%w (%v)", ctx.Err(), err)
	case errors.As(err, &se):
		e.Kind, e.Code, e.Reply = Rejected, se.Code, se.Message
		e.EnhancedCode = [3]int{se.EnhancedCode[0], se.EnhancedCode[1], se.EnhancedCode[2]}
	case errors.As(err, &certErr), errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &alert):
		e.Kind = Setup
	default:
		e.Kind = Unreachable
		var ne net.Error
		e.Timeout = errors.As(err, &ne) && ne.Timeout()
	}
	return e
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
