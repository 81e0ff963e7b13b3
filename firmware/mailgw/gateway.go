package mailgw

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"faxbox/firmware/config"
	"faxbox/firmware/numbers"
	"faxbox/pages/render"
)

// Account is a Faxbox account as the gateway needs it.
type Account struct {
	// ID is the account's (store user's) id; with the Message-ID it keys
	// duplicate detection.
	ID int64
	// Name is the login name.
	Name string
	// DisplayName is the name people know the account by, for the cover
	// page's From line; "" for none (the login name is used).
	DisplayName string
	// Email is the account's e-mail address, where notices go.
	Email string
}

// Accounts finds the Faxbox account a mail is billed to.
type Accounts interface {
	// ByAddress returns the account whose e-mail address is email
	// (compared without regard to case), for mail handed over by a relay
	// host without authentication. It returns an error matching
	// ErrUnknownSender when there is none and ErrAccountDisabled when it
	// may not send.
	ByAddress(ctx context.Context, email string) (Account, error)
	// Login checks an account name and password (SMTP AUTH) given by the
	// client at address client, which failures are counted against
	// together with the name. It returns an error matching
	// ErrBadCredentials, ErrAccountDisabled or ErrThrottled when the
	// client is refused.
	Login(ctx context.Context, name, password string, client netip.Addr) (Account, error)
}

// Submission is one accepted mail, to be queued as one Faxbox message
// with one job per recipient, as the compose page does.
type Submission struct {
	// Sender is the account the mail is billed to.
	Sender Account
	// EnvelopeFrom is the MAIL FROM address as the client gave it.
	EnvelopeFrom string
	// To, Cc and Bcc are the recipients, each number once, in the first
	// field that names it: To and Cc from the mail's header fields, Bcc
	// the envelope recipients named in neither. Only envelope recipients
	// are faxed.
	To, Cc, Bcc []numbers.Number
	// Subject is the mail's subject, decoded.
	Subject string
	// Body is the UTF-8 text of the first page.
	Body string
	// Attachments are the following pages, in the mail's order.
	Attachments []render.Attachment
	// MessageID is the mail's Message-ID without angle brackets, "" when
	// it has none. The same MessageID from the same Sender.ID must be
	// queued only once: answer ErrDuplicate the second time.
	MessageID string
	// Resolution is "standard", "fine" or "superfine" when a recipient's
	// address asked for it ("+3225551212+fine@fax"; the highest asked of
	// all recipients, the mail being one message), "" for the appliance's
	// default.
	Resolution string
}

// Receipt is what the Submitter tells the sender about a queued mail.
type Receipt struct {
	// Message is the Faxbox message id.
	Message int64
	// Pages is the page count of one copy.
	Pages int
	// Estimate is the estimated cost of all copies, formatted with the
	// currency ("1.20 EUR"); "" when unknown.
	Estimate string
}

// Submitter queues mails as faxes.
type Submitter interface {
	// Submit renders, prices, checks the credit for and stores s. Errors
	// are reported to the client: *numbers.NumberError,
	// *billing.CreditError, *billing.LimitError, billing.ErrNoRate and
	// the errors of render.Render become precise SMTP replies; an error
	// matching ErrDuplicate, returned with the earlier Receipt, is a
	// success; anything else is answered 451 (try again later) and
	// logged.
	Submit(ctx context.Context, s Submission) (Receipt, error)
}

// Options configure a Gateway. Accounts, Submitter and Domain are
// required; zero values of the others take the defaults given.
type Options struct {
	// Listen is the address Run listens on (email_to_fax.listen).
	Listen string
	// Hostname is the name in the greeting (default "faxbox").
	Hostname string
	// Domain is the fax domain: mail to <number>@Domain is faxed
	// (email_to_fax.domain).
	Domain string
	// RelayHosts are the mail servers (single addresses are /32 or /128
	// prefixes) that may hand mail over without authentication: its
	// envelope sender names the account, and its From header field must
	// name the same address (email_to_fax.relay_hosts). None by default:
	// every client authenticates.
	RelayHosts []netip.Prefix
	// RequireAuth requires authentication from every client, relay hosts
	// included (email_to_fax.require_auth).
	RequireAuth bool
	// TLSConfig, when set, enables STARTTLS, and with it authentication
	// from clients off loopback.
	TLSConfig *tls.Config
	// MaxMessageBytes is the largest mail (default 25 MiB).
	MaxMessageBytes int64
	// MaxRecipients is the most recipients a mail may have (default 50).
	MaxRecipients int
	// MaxLineLength is the longest command or data line (default 2000,
	// RFC 5321's 1000 doubled).
	MaxLineLength int
	// ReadTimeout and WriteTimeout bound each read and write on a
	// connection (defaults 2 minutes and 1 minute).
	ReadTimeout, WriteTimeout time.Duration
	// MaxConns is the most connections served at once (default 32).
	MaxConns int
	// ConnBurst connections from one address are allowed at once, and
	// after that ConnPerMinute a minute (defaults 20 and 60).
	ConnBurst     int
	ConnPerMinute int
	// MaxConcurrentMails is how many mails are read and submitted at
	// once (default 4); the others wait for their turn, at most
	// ReadTimeout, then get 451 4.3.2. A mail's attachments are held in
	// memory, so this times MaxMessageBytes bounds the memory used.
	MaxConcurrentMails int
	// Limits bound the MIME structure of a mail.
	Limits Limits
	// Numbers parses fax numbers as the compose page does (nil means
	// international forms only, the zero numbers.Parser).
	Numbers *numbers.Parser
	// Accounts finds senders.
	Accounts Accounts
	// Submitter queues accepted mails.
	Submitter Submitter
	// Logger receives one line per accepted or refused mail (default
	// slog.Default()).
	Logger *slog.Logger
	// Now is the clock of the connection rate limit (default time.Now).
	Now func() time.Time
}

// OptionsFromConfig returns the Options of the [email_to_fax] section c;
// the caller adds Accounts, Submitter, Numbers, TLSConfig and Logger.
func OptionsFromConfig(c config.EmailToFax) (Options, error) {
	o := Options{Listen: c.Listen, Domain: c.Domain, RequireAuth: c.RequireAuth,
		MaxMessageBytes: int64(c.MaxMessageMiB) << 20}
	for _, s := range c.RelayHosts {
		p, err := parseHost(strings.TrimSpace(s))
		if err != nil {
			return Options{}, fmt.Errorf("mailgw: email_to_fax.relay_hosts: %q is not an address or a network in CIDR notation: %w", s, err)
		}
		o.RelayHosts = append(o.RelayHosts, p)
	}
	return o, nil
}

// parseHost parses an address ("192.168.1.20") as the prefix of that
// address alone, or a network in CIDR notation.
func parseHost(s string) (netip.Prefix, error) {
	if a, err := netip.ParseAddr(s); err == nil {
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return p.Masked(), nil
}

// Gateway is the e-mail-to-fax SMTP server.
type Gateway struct {
	o     Options
	log   *slog.Logger
	turns chan struct{} // one token per mail being read and submitted
}

// New checks o and returns a Gateway.
func New(o Options) (*Gateway, error) {
	switch {
	case o.Accounts == nil:
		return nil, errors.New("mailgw: Options.Accounts is required")
	case o.Submitter == nil:
		return nil, errors.New("mailgw: Options.Submitter is required")
	case o.Domain == "" || strings.ContainsAny(o.Domain, "@<> \t\r\n"):
		return nil, fmt.Errorf("mailgw: fax domain %q: want a domain such as \"fax\"", o.Domain)
	case o.MaxMessageBytes < 0 || o.MaxRecipients < 0 || o.MaxConns < 0 || o.ConnBurst < 0 || o.ConnPerMinute < 0 || o.MaxConcurrentMails < 0:
		return nil, errors.New("mailgw: negative limit in Options")
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.MaxRecipients, 50)
	def(&o.MaxLineLength, 2000)
	def(&o.MaxConns, 32)
	def(&o.ConnBurst, 20)
	def(&o.ConnPerMinute, 60)
	def(&o.MaxConcurrentMails, 4)
	if o.MaxMessageBytes == 0 {
		o.MaxMessageBytes = 25 << 20
	}
	if o.ReadTimeout == 0 {
		o.ReadTimeout = 2 * time.Minute
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = time.Minute
	}
	if o.Hostname == "" {
		o.Hostname = "faxbox"
	}
	if o.Numbers == nil {
		o.Numbers = &numbers.Parser{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Limits = o.Limits.withDefaults()
	return &Gateway{o: o, log: o.Logger, turns: make(chan struct{}, o.MaxConcurrentMails)}, nil
}

// Run listens on Options.Listen and serves until ctx is done.
func (g *Gateway) Run(ctx context.Context) error {
	l, err := net.Listen("tcp", g.o.Listen)
	if err != nil {
		return fmt.Errorf("mailgw: %w", err)
	}
	return g.Serve(ctx, l)
}

// Serve accepts SMTP connections on l until ctx is done, then closes l and
// every connection and returns nil; it returns the error of l otherwise.
// Connections over Options.MaxConns, or over the rate of their address,
// are answered 421 4.7.0 and closed before the greeting.
func (g *Gateway) Serve(ctx context.Context, l net.Listener) error {
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return g.newSession(ctx, c), nil
	}))
	s.Domain = g.o.Hostname
	s.TLSConfig = g.o.TLSConfig
	s.MaxMessageBytes = g.o.MaxMessageBytes
	s.MaxRecipients = g.o.MaxRecipients
	s.MaxLineLength = g.o.MaxLineLength
	s.ReadTimeout, s.WriteTimeout = g.o.ReadTimeout, g.o.WriteTimeout
	// go-smtp's switch is server-wide: with it off, AUTH would never be
	// offered without TLS, not even on loopback. The session offers AUTH
	// only over TLS or on loopback itself (session.AuthMechanisms), so
	// passwords never cross the network in clear text.
	s.AllowInsecureAuth = true
	s.ErrorLog = slogPrinter{g.log}

	lim := newConnLimiter(g.o.MaxConns, g.o.ConnBurst, g.o.ConnPerMinute, g.o.Now)
	done := make(chan error, 1)
	go func() { done <- s.Serve(&limitedListener{Listener: l, lim: lim, host: g.o.Hostname, log: g.log}) }()
	select {
	case err := <-done:
		s.Close()
		if err != nil {
			return fmt.Errorf("mailgw: %w", err)
		}
		return nil
	case <-ctx.Done():
		// go-smtp's Close closes only the listeners Serve has registered
		// already; closing l too ends a Serve that has not got that far.
		s.Close()
		l.Close()
		<-done
		return nil
	}
}

// slogPrinter passes go-smtp's log lines to a slog.Logger.
type slogPrinter struct{ log *slog.Logger }

// Printf logs a go-smtp message as a warning.
func (p slogPrinter) Printf(format string, v ...any) {
	p.log.Warn("mailgw: smtp: " + fmt.Sprintf(format, v...))
}

// Println logs a go-smtp message as a warning.
func (p slogPrinter) Println(v ...any) {
	p.log.Warn("mailgw: smtp: " + strings.TrimSuffix(fmt.Sprintln(v...), "\n"))
}
