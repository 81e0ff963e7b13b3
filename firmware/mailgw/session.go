package mailgw

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"faxbox/firmware/numbers"
)

// session is one SMTP connection's state.
type session struct {
	g      *Gateway
	ctx    context.Context
	ip     netip.Addr
	relay  bool // a relay host: may hand mail over without authenticating
	secure bool // TLS or loopback: AUTH may be offered

	authed  *Account // after AUTH
	sender  *Account // after MAIL
	relayed bool     // sender found by the envelope address of a relay host's mail
	from    string
	rcpts   []numbers.Number
	// resolution is the highest resolution a recipient's address asked
	// for ("number+fine@fax"), "" when none did.
	resolution string
}

func (g *Gateway) newSession(ctx context.Context, c *smtp.Conn) *session {
	ip := remoteIP(c.Conn().RemoteAddr())
	_, isTLS := c.TLSConnectionState()
	s := &session{g: g, ctx: ctx, ip: ip, secure: isTLS || ip.IsLoopback()}
	if !g.o.RequireAuth {
		for _, p := range g.o.RelayHosts {
			if p.Contains(ip) {
				s.relay = true
				break
			}
		}
	}
	return s
}

// AuthMechanisms offers PLAIN and LOGIN over TLS and on loopback only.
func (s *session) AuthMechanisms() []string {
	if !s.secure {
		return nil
	}
	return []string{sasl.Plain, sasl.Login}
}

// Auth starts an AUTH exchange.
func (s *session) Auth(mech string) (sasl.Server, error) {
	if !s.secure {
		return nil, reply(538, smtp.EnhancedCode{5, 7, 11}, "Authentication needs an encrypted connection: use STARTTLS first")
	}
	switch strings.ToUpper(mech) {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, name, password string) error {
			if identity != "" && identity != name {
				return reply(535, smtp.EnhancedCode{5, 7, 8}, "Authentication failed: acting for another account is not allowed")
			}
			return s.login(name, password)
		}), nil
	case sasl.Login:
		return &loginServer{check: s.login}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

// login checks a name and password and remembers the account.
func (s *session) login(name, password string) error {
	a, err := s.g.o.Accounts.Login(s.ctx, name, password, s.ip)
	switch {
	case err == nil:
		s.authed = &a
		s.g.log.Info("mailgw: authenticated", "client", s.ip, "account", a.Name)
		return nil
	case errors.Is(err, ErrBadCredentials):
		return reply(535, smtp.EnhancedCode{5, 7, 8}, "Authentication failed: wrong Faxbox account name or password")
	case errors.Is(err, ErrAccountDisabled):
		return reply(535, smtp.EnhancedCode{5, 7, 8}, "Authentication failed: this Faxbox account is disabled")
	case errors.Is(err, ErrThrottled):
		detail := strings.TrimPrefix(strings.TrimPrefix(err.Error(), ErrThrottled.Error()), ": ")
		return reply(454, smtp.EnhancedCode{4, 7, 0}, "Too many failed logins from this address: %s", cmp.Or(detail, "try again later"))
	}
	s.g.log.Error("mailgw: login failed", "client", s.ip, "err", err)
	return reply(454, smtp.EnhancedCode{4, 7, 0}, "Temporary authentication failure; please try again later")
}

// Mail identifies the account the mail is billed to: the authenticated
// one, or for clients in the allowed networks the one with the sender's
// address.
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.Reset()
	s.from = from
	if s.authed != nil {
		s.sender = s.authed
		return nil
	}
	if !s.relay {
		msg := "Authentication required: sign in with your Faxbox account name and password"
		if !s.secure {
			msg += "; this needs an encrypted connection (STARTTLS)"
		}
		return reply(530, smtp.EnhancedCode{5, 7, 0}, "%s", msg)
	}
	if from == "" {
		return reply(550, smtp.EnhancedCode{5, 7, 1}, "Mail with an empty sender (a bounce) cannot be faxed")
	}
	a, err := s.g.o.Accounts.ByAddress(s.ctx, from)
	switch {
	case err == nil:
		s.sender, s.relayed = &a, true
		return nil
	case errors.Is(err, ErrUnknownSender):
		return reply(550, smtp.EnhancedCode{5, 7, 1}, "<%s> is not the e-mail address of a Faxbox account: ask your administrator to set it on your account, or authenticate", from)
	case errors.Is(err, ErrAccountDisabled):
		return reply(550, smtp.EnhancedCode{5, 7, 1}, "<%s>: this Faxbox account is disabled", from)
	}
	s.g.log.Error("mailgw: looking up sender", "client", s.ip, "from", from, "err", err)
	return errTemporary()
}

// Rcpt accepts a fax address with a valid number; anything else is
// refused alone, with the reason.
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.sender == nil {
		return reply(503, smtp.EnhancedCode{5, 5, 1}, "MAIL first")
	}
	n, res, r := parseFaxAddressTag(s.g.o.Numbers, to, s.g.o.Domain)
	if r != nil {
		s.g.log.Info("mailgw: recipient refused", "client", s.ip, "account", s.sender.Name, "to", to, "reply", r.Message)
		return r
	}
	for _, have := range s.rcpts {
		if have.E164 == n.E164 {
			return nil // one fax per number
		}
	}
	s.rcpts = append(s.rcpts, n)
	s.resolution = higherResolution(s.resolution, res)
	return nil
}

// Data reads the mail and hands it to the Submitter. Every return is an
// *smtp.SMTPError, success included: go-smtp sends it as it is, which lets
// the 250 reply name the Faxbox message.
func (s *session) Data(r io.Reader) error {
	if s.sender == nil || len(s.rcpts) == 0 {
		return reply(503, smtp.EnhancedCode{5, 5, 1}, "MAIL and RCPT first")
	}
	wait := time.NewTimer(s.g.o.ReadTimeout)
	defer wait.Stop()
	select {
	case s.g.turns <- struct{}{}:
		defer func() { <-s.g.turns }()
	case <-wait.C:
		return reply(451, smtp.EnhancedCode{4, 3, 2}, "The fax gateway is busy; please try again in a few minutes")
	case <-s.ctx.Done():
		return reply(421, smtp.EnhancedCode{4, 3, 2}, "The fax gateway is shutting down; please try again later")
	}
	sr := &stickyReader{r: r}
	c, err := readMessage(sr, s.g.o.Limits)
	if sr.err != nil {
		// The data itself failed: over the size limit (go-smtp's 552
		// 5.3.4), or the connection is gone.
		var se *smtp.SMTPError
		if errors.As(sr.err, &se) {
			return se
		}
		return reply(451, smtp.EnhancedCode{4, 3, 0}, "Reading the mail failed: %v", sr.err)
	}
	if err != nil {
		return s.refused(err)
	}
	if r := s.checkFrom(c.From); r != nil {
		s.g.log.Warn("mailgw: mail refused", "client", s.ip, "account", s.sender.Name, "from", s.from, "reply", r.Message)
		return r
	}
	sub := s.submission(c)
	rc, err := s.g.o.Submitter.Submit(s.ctx, sub)
	dup := errors.Is(err, ErrDuplicate)
	if err != nil && !dup {
		return s.refused(err)
	}
	s.g.log.Info("mailgw: mail accepted", "client", s.ip, "account", s.sender.Name, "message", rc.Message,
		"recipients", len(s.rcpts), "pages", rc.Pages, "message_id", c.MessageID, "duplicate", dup)
	msg := fmt.Sprintf("Queued as Faxbox message %d", rc.Message)
	if dup {
		msg = fmt.Sprintf("Already queued as Faxbox message %d (same Message-ID); not sent again", rc.Message)
	}
	if rc.Pages > 0 {
		msg += fmt.Sprintf(": %d fax(es) of %d page(s)", len(s.rcpts), rc.Pages)
	}
	if rc.Estimate != "" && !dup {
		msg += ", about " + rc.Estimate
	}
	return reply(250, smtp.EnhancedCode{2, 0, 0}, "%s", msg)
}

// checkFrom refuses a relay host's mail whose From header field does not
// name the envelope sender, the address the mail is billed by: the relay
// vouches for the sender it authenticated, which its users see as From
// (RFC 5322 section 3.6.2). Mail from an authenticated client passes: the
// account signed in itself.
func (s *session) checkFrom(from []string) *smtp.SMTPError {
	if !s.relayed {
		return nil
	}
	switch {
	case len(from) == 0:
		return reply(550, smtp.EnhancedCode{5, 7, 1},
			"The mail has no readable From header field: mail relayed without authentication must come From <%s>, its envelope sender", s.from)
	case len(from) > 1:
		return reply(550, smtp.EnhancedCode{5, 7, 1},
			"The From header field names %d addresses: mail relayed without authentication must come From <%s> alone", len(from), s.from)
	case !strings.EqualFold(from[0], s.from):
		return reply(550, smtp.EnhancedCode{5, 7, 1},
			"The From header field <%s> is not the envelope sender <%s>: the fax would be billed to <%s>; send it from your own address, or sign in (SMTP AUTH)",
			from[0], s.from, s.from)
	}
	return nil
}

// refused answers a mail that was not queued, logging why.
func (s *session) refused(err error) error {
	r, ok := submitReply(err)
	if !ok {
		s.g.log.Error("mailgw: submitting a mail failed", "client", s.ip, "account", s.sender.Name, "err", err)
		return errTemporary()
	}
	s.g.log.Info("mailgw: mail refused", "client", s.ip, "account", s.sender.Name, "reply", r.Message)
	return r
}

// submission sorts the envelope recipients into To, Cc and Bcc by the
// mail's header fields.
func (s *session) submission(c *content) Submission {
	sub := Submission{Sender: *s.sender, EnvelopeFrom: s.from, Subject: c.Subject, Body: c.Body,
		Attachments: c.Attachments, MessageID: c.MessageID, Resolution: s.resolution}
	to, cc := s.headerNumbers(c.To), s.headerNumbers(c.Cc)
	for _, n := range s.rcpts {
		switch {
		case to[n.E164]:
			sub.To = append(sub.To, n)
		case cc[n.E164]:
			sub.Cc = append(sub.Cc, n)
		default:
			sub.Bcc = append(sub.Bcc, n)
		}
	}
	return sub
}

// headerNumbers returns the E.164 numbers of the fax addresses in addrs.
func (s *session) headerNumbers(addrs []string) map[string]bool {
	m := map[string]bool{}
	for _, a := range addrs {
		if n, r := parseFaxAddress(s.g.o.Numbers, a, s.g.o.Domain); r == nil {
			m[n.E164] = true
		}
	}
	return m
}

// Reset forgets the mail in progress; authentication stays.
func (s *session) Reset() {
	s.sender, s.relayed, s.from, s.rcpts, s.resolution = nil, false, "", nil, ""
}

// Logout ends the session.
func (s *session) Logout() error { return nil }

// stickyReader remembers the first error of r other than io.EOF, so that
// a size limit hit inside go-message is reported as such.
type stickyReader struct {
	r   io.Reader
	err error
}

// Read reads from r.r, remembering its first error.
func (r *stickyReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && r.err == nil {
		r.err = err
	}
	return n, err
}

// loginServer is the server side of the obsolete but common AUTH LOGIN
// mechanism (draft-murchison-sasl-login): username and password, each
// asked for in turn.
type loginServer struct {
	check func(name, password string) error
	name  string
	step  int
}

// Next implements sasl.Server.
func (l *loginServer) Next(response []byte) (challenge []byte, done bool, err error) {
	switch l.step {
	case 0:
		l.step = 1
		if len(response) == 0 { // no initial response
			return []byte("Username:"), false, nil
		}
		fallthrough
	case 1:
		l.name, l.step = string(response), 2
		return []byte("Password:"), false, nil
	default:
		return nil, true, l.check(l.name, string(response))
	}
}
