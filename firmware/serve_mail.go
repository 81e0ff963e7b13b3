package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"

	"faxbox/firmware/api"
	"faxbox/firmware/billing"
	"faxbox/firmware/config"
	"faxbox/firmware/mailgw"
	"faxbox/firmware/numbers"
	"faxbox/firmware/store"
	"faxbox/firmware/users"
	"faxbox/ui"
)

// mailAccounts finds the senders of fax by e-mail among the web UI's
// accounts: by their e-mail address, or by SMTP authentication with
// their name and password.
type mailAccounts struct{ users *users.Store }

// ByAddress implements mailgw.Accounts.
func (a mailAccounts) ByAddress(ctx context.Context, email string) (mailgw.Account, error) {
	u, err := a.users.ByEmail(ctx, email)
	if errors.Is(err, users.ErrNotFound) {
		return mailgw.Account{}, fmt.Errorf("%w: %s", mailgw.ErrUnknownSender, email)
	}
	return mailAccount(u, err)
}

// Login implements mailgw.Accounts; failed logins are throttled as the
// web UI's are, all SMTP clients as one.
func (a mailAccounts) Login(ctx context.Context, name, password string) (mailgw.Account, error) {
	u, err := a.users.Verify(ctx, name, password, "smtp")
	switch {
	case errors.Is(err, users.ErrBadCredentials):
		return mailgw.Account{}, mailgw.ErrBadCredentials
	case errors.Is(err, users.ErrThrottled):
		return mailgw.Account{}, fmt.Errorf("%w: %v", mailgw.ErrThrottled, err)
	}
	return mailAccount(u, err)
}

func mailAccount(u users.User, err error) (mailgw.Account, error) {
	switch {
	case errors.Is(err, users.ErrDisabled) || (err == nil && u.Disabled):
		return mailgw.Account{}, mailgw.ErrAccountDisabled
	case err != nil:
		return mailgw.Account{}, err
	}
	return mailgw.Account{ID: u.ID, Name: u.Name, Email: u.Email}, nil
}

// mailSubmitter queues fax by e-mail through the same code as the compose
// page, once per Message-ID.
type mailSubmitter struct {
	api      *api.Server
	seen     *mailgw.Seen
	currency billing.Currency
}

// Submit implements mailgw.Submitter.
func (m mailSubmitter) Submit(ctx context.Context, sub mailgw.Submission) (mailgw.Receipt, error) {
	return m.seen.Once(ctx, sub, func() (mailgw.Receipt, error) {
		res, err := m.api.Submit(ctx, api.Submission{
			Sender: api.Principal{User: store.User{ID: sub.Sender.ID, Name: sub.Sender.Name}},
			To:     sub.To, Cc: sub.Cc, Bcc: sub.Bcc,
			Subject: sub.Subject, Body: sub.Body, Attachments: sub.Attachments})
		if err != nil {
			return mailgw.Receipt{}, err
		}
		return mailgw.Receipt{Message: res.Message.ID, Pages: res.Pages, Estimate: m.currency.Format(res.Estimate)}, nil
	})
}

// mailGateway is fax by e-mail, listening.
type mailGateway struct {
	gw   *mailgw.Gateway
	ln   net.Listener
	seen *mailgw.Seen
}

// openMailGateway listens on email_to_fax.listen with STARTTLS on the web
// UI's certificate; senders are the web UI's accounts, their mails go
// through the API's submission.
func openMailGateway(ctx context.Context, cfg *config.Config, dbPath string, accounts *users.Store, apiSrv *api.Server,
	parser *numbers.Parser, led *billing.Ledger, web *ui.Server, log *slog.Logger) (*mailGateway, error) {
	o, err := mailgw.OptionsFromConfig(cfg.EmailToFax)
	if err != nil {
		return nil, fmt.Errorf("email_to_fax: %w", err)
	}
	seen, err := mailgw.OpenSeen(ctx, dbPath)
	if err != nil {
		return nil, err
	}
	o.Accounts = mailAccounts{accounts}
	o.Submitter = mailSubmitter{api: apiSrv, seen: seen, currency: led.Currency()}
	o.Numbers = parser
	o.TLSConfig = web.TLSConfig()
	o.Logger = log
	gw, err := mailgw.New(o)
	if err != nil {
		seen.Close()
		return nil, fmt.Errorf("email_to_fax: %w", err)
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		seen.Close()
		return nil, fmt.Errorf("email_to_fax.listen: %w", err)
	}
	return &mailGateway{gw: gw, ln: ln, seen: seen}, nil
}

// close closes the listener (if Serve has not) and the Message-ID table.
func (m *mailGateway) close() {
	m.ln.Close()
	m.seen.Close()
}
